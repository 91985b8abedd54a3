"""What the durable CLI commands share: the `--database-url` option and a client that
turns store and request errors into one-line messages instead of tracebacks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from regista.client import Client
from regista.runtime.deployment import DeploymentError
from regista.runtime.errors import RequestError
from regista.settings import Settings, SettingsError
from regista.store import StoreError

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
        raise click.ClickException(str(exc)) from None


@contextmanager
def client_for(database_url: str | None, *, trusted: bool = False) -> Iterator[Client]:
    """A client of the database; errors users can meet become `ClickException`s."""
    try:
        client = Client(settings_for(database_url), trusted=trusted)
    except (StoreError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    try:
        yield client
    except DeploymentError as exc:
        raise click.ClickException(str(exc)) from None
    except (StoreError, RequestError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
