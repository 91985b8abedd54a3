"""What the durable CLI commands share: the `--database-url` option and a client that
turns store and request errors into one-line messages instead of tracebacks.

Exit codes: 1 when the request failed (no such instance, a bad model, a refused command),
2 when the database itself could not serve it (unreachable, locked beyond the busy
timeout, full, damaged, or on a schema this Regista does not know).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from regista.client import Client
from regista.runtime.errors import RequestError
from regista.runtime.sources import DeploymentError
from regista.settings import Settings, SettingsError
from regista.store import CorruptState, DuplicateKey, NotFound, StoreError

__all__ = [
    "URL_HELP",
    "DatabaseError",
    "client_for",
    "database_option",
    "failure",
    "settings_for",
    "store_errors",
]

URL_HELP = "Database URL (default: $REGISTA_DATABASE_URL, else sqlite:///regista.db)."

F = TypeVar("F", bound=Callable[..., Any])


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


def database_option(fn: F) -> F:
    """The `--database-url` option."""
    return click.option("--database-url", default=None, help=URL_HELP)(fn)


def settings_for(database_url: str | None, **overrides: Any) -> Settings:
    try:
        return Settings.from_env(database_url=database_url, **overrides)
    except SettingsError as exc:
        raise RequestFailed(str(exc)) from None


@contextmanager
def client_for(database_url: str | None, *, trusted: bool = False) -> Iterator[Client]:
    """A client of the database; errors users can meet become `ClickException`s."""
    settings = settings_for(database_url)
    with store_errors():
        client = Client(settings, trusted=trusted)
    try:
        with store_errors():
            yield client
    finally:
        client.close()
