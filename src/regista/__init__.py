"""Regista: a process orchestration engine for BPMN 2.0 processes and DMN decisions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from regista.version import __version__

__all__ = ["Client", "__version__"]

if TYPE_CHECKING:
    from regista.client import Client


def __getattr__(name: str) -> Any:
    # imported on first use: `import regista.feel` need not load the database drivers
    if name == "Client":
        from regista.client import Client

        return Client
    raise AttributeError(f"module 'regista' has no attribute {name!r}")
