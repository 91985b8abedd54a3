"""`regista db`: apply the schema migrations and show where a database stands."""

from __future__ import annotations

import click

from regista.settings import Settings, SettingsError, redact_url
from regista.store import StoreError, open_store
from regista.store import queries as sqlfiles
from regista.store.sqlite import path_from_url

_URL_HELP = "Database URL (default: $REGISTA_DATABASE_URL, else sqlite:///regista.db)."


def _settings(database_url: str | None) -> Settings:
    try:
        return Settings.from_env(database_url=database_url)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _known(dialect: str) -> tuple[int, list[str]]:
    if dialect == "sqlite":
        migrations = sqlfiles.migrations("sqlite")
    elif dialect == "postgres":
        migrations = sqlfiles.migrations("postgres")
    else:
        return 1, []
    return len(migrations), [f"{m.version:04d}_{m.name}" for m in migrations]


@click.group("db")
def db() -> None:
    """Database schema: apply migrations, show the schema version."""


@db.command("upgrade")
@click.option("--database-url", default=None, help=_URL_HELP)
def upgrade(database_url: str | None) -> None:
    """Apply the migrations this database is missing (safe to run on every deploy)."""
    settings = _settings(database_url)
    try:
        store = open_store(settings, schema="ignore")
        try:
            before = store.schema_version()
            applied = store.upgrade()
            after = store.schema_version()
        finally:
            store.close()
    except (StoreError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    where = redact_url(settings.database_url)
    if applied:
        names = ", ".join(str(v) for v in applied)
        click.echo(f"{where}: schema version {before} -> {after} (applied {names})")
    else:
        click.echo(f"{where}: schema version {after}, up to date")


@db.command("status")
@click.option("--database-url", default=None, help=_URL_HELP)
def status(database_url: str | None) -> None:
    """Show the schema version and pending migrations; exit 1 unless up to date."""
    settings = _settings(database_url)
    if settings.database_url.startswith("sqlite:"):
        try:
            path = path_from_url(settings.database_url)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        if not path.exists():  # do not create an empty file just to report on it
            click.echo(f"no database at {path}; `regista db upgrade` creates it")
            raise SystemExit(1)
    try:
        store = open_store(settings, schema="ignore")
        try:
            current = store.schema_version()
            dialect = store.dialect
        finally:
            store.close()
    except (StoreError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    latest, names = _known(dialect)
    click.echo(f"database:       {redact_url(settings.database_url)} ({dialect})")
    click.echo(f"schema version: {current} (this Regista knows up to {latest})")
    if current == latest:
        click.echo("up to date")
        return
    if current > latest:
        click.echo(f"database schema version {current} is newer than this Regista; upgrade Regista")
    else:
        click.echo(f"pending: {', '.join(names[current:])}; run `regista db upgrade`")
    raise SystemExit(1)
