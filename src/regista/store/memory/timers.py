"""The timer operations of the memory store, a part of `MemoryTransaction`: rows in
`Tables.timers`, changed through the journal."""

from __future__ import annotations

from datetime import datetime

from regista.store.errors import DuplicateKey
from regista.store.memory.tables import Journal
from regista.store.params import NewTimer
from regista.store.records import Timer
from regista.store.values import utc

__all__ = ["MemoryTimers"]


class MemoryTimers:
    """Timers of the memory store."""

    journal: Journal

    def insert_timer(self, new: NewTimer, *, now: datetime) -> None:
        self.journal.check(write=True)
        if new.id in self.journal.tables.timers:
            raise DuplicateKey(f"a row with the same key already exists (timer {new.id!r})")
        timer = Timer(
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            due_at=utc(new.due_at),
            repeat=new.repeat,
            lease_owner=None,
            lease_until=None,
            created_at=utc(now),
        )
        self.journal.set(self.journal.tables.timers, new.id, timer)

    def get_timer(self, timer_id: str) -> Timer | None:
        self.journal.check()
        return self.journal.tables.timers.get(timer_id)

    def timers_of_instance(self, instance_id: str) -> list[Timer]:
        self.journal.check()
        found = [t for t in self.journal.tables.timers.values() if t.instance_id == instance_id]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def take_timer(self, timer_id: str) -> Timer | None:
        return self.journal.delete(self.journal.tables.timers, timer_id)

    def cancel_timer(self, timer_id: str) -> bool:
        return self.journal.delete(self.journal.tables.timers, timer_id) is not None
