"""Options and helpers the durable CLI commands share: the `--database-url` option, the
settings it names, and a client whose errors become one-line messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from regista.cli.errors import RequestFailed, store_errors
from regista.client import Client
from regista.settings import LIMITS, Settings, SettingsError

__all__ = [
    "URL_HELP",
    "client_for",
    "database_option",
    "limit_options",
    "retired_trusted_option",
    "settings_for",
]

URL_HELP = "Database URL (default: $REGISTA_DATABASE_URL, else sqlite:///regista.db)."

F = TypeVar("F", bound=Callable[..., Any])


def database_option(fn: F) -> F:
    """The `--database-url` option."""
    return click.option("--database-url", default=None, help=URL_HELP)(fn)


def limit_options(fn: F) -> F:
    """`--max-multi-instance`, `--feel-budget`, `--max-variable-bytes` and
    `--max-history-events`: the limits of `Settings` (default: their REGISTA_* variable),
    passed on as keyword arguments of the same names."""
    for name, var in reversed(LIMITS.items()):
        fn = click.option(
            "--" + name.replace("_", "-"),
            name,
            type=click.IntRange(min=1),
            default=None,
            help=f"Limit {name} (default: ${var}, else {getattr(Settings(), name):,}).",
        )(fn)
    return fn


def _refuse_trusted(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        raise click.UsageError(
            "--trusted is no longer an option of this command: trust is recorded with each "
            "deployment and checked wherever its steps run. Deploy the model trusted instead: "
            "regista deploy --trusted (with $REGISTA_TRUSTED_DEPLOY_KEY)",
            ctx,
        )
    return value


def retired_trusted_option(fn: F) -> F:
    """A hidden `--trusted` that explains where trust went (it was a node's option)."""
    return click.option(
        "--trusted", is_flag=True, hidden=True, expose_value=False, callback=_refuse_trusted
    )(fn)


def settings_for(database_url: str | None, **overrides: Any) -> Settings:
    try:
        return Settings.from_env(database_url=database_url, **overrides)
    except SettingsError as exc:
        raise RequestFailed(str(exc)) from None


@contextmanager
def client_for(database_url: str | None) -> Iterator[Client]:
    """A client of the database; errors users can meet become `ClickException`s."""
    settings = settings_for(database_url)
    with store_errors():
        client = Client(settings)
    try:
        with store_errors():
            yield client
    finally:
        client.close()
