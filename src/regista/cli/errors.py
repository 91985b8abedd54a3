"""How the durable CLI commands fail: one-line messages instead of tracebacks.

Exit codes: 1 when the request failed (no such instance, a bad model, a refused command),
2 when the database itself could not serve it (unreachable, locked beyond the busy
timeout, full, damaged, or on a schema this Regista does not know).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from regista.runtime.errors import RequestError
from regista.runtime.sources import DeploymentError
from regista.settings import SettingsError
from regista.store import CorruptState, DuplicateKey, NotFound, StoreError

__all__ = ["DatabaseError", "RequestFailed", "failure", "one_line", "store_errors"]


def one_line(message: str) -> str:
    """A message on one line (driver messages often span several)."""
    return " ".join(message.split())


class DatabaseError(click.ClickException):
    """The database could not serve the command (exit code 2)."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class RequestFailed(click.ClickException):
    """The command was refused or named something that does not exist (exit code 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


def failure(exc: Exception) -> click.ClickException:
    """The CLI error for an error a user can meet."""
    if isinstance(exc, StoreError) and not isinstance(exc, NotFound | DuplicateKey | CorruptState):
        return DatabaseError(str(exc))
    return RequestFailed(str(exc))


@contextmanager
def store_errors() -> Iterator[None]:
    """Turn store and settings errors raised in the block into one-line CLI errors."""
    try:
        yield
    except (StoreError, SettingsError, RequestError, DeploymentError) as exc:
        raise failure(exc) from None
