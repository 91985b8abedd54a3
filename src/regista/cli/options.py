"""Options and helpers the durable CLI commands share: the `--database-url` option, the
settings it names, and a client whose errors become one-line messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from regista.cli.errors import RequestFailed, store_errors
from regista.client import Client
from regista.settings import Settings, SettingsError

__all__ = ["URL_HELP", "client_for", "database_option", "settings_for"]

URL_HELP = "Database URL (default: $REGISTA_DATABASE_URL, else sqlite:///regista.db)."

F = TypeVar("F", bound=Callable[..., Any])


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
