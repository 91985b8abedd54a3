"""The in-memory store: the same contract as the SQL stores, for tests and simulations."""

from regista.store.memory.store import MemoryStore

__all__ = ["MemoryStore"]
