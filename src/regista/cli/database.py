"""`regista db`: apply the schema migrations, show where a database stands, and remove
the history of instances that ended long ago."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from regista.cli.errors import RequestFailed, store_errors
from regista.cli.options import database_option, settings_for
from regista.runtime.retention import Pace, count_prunable, cutoff, prune
from regista.runtime.trust import TRUST_KEY_ENV, configure_trust_key, new_trust_key
from regista.settings import SettingsError, parse_ttl, redact_url
from regista.store import open_store
from regista.store.sql import sqlfiles
from regista.store.sql.sqlite import path_from_url


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
    """Database: apply migrations, show the schema version, prune old history."""


@db.command("upgrade")
@database_option
def upgrade(database_url: str | None) -> None:
    """Apply the migrations this database is missing (safe to run on every deploy)."""
    settings = settings_for(database_url)
    with store_errors():
        store = open_store(settings, schema="ignore")
        try:
            before = store.schema_version()
            applied = store.upgrade()
            after = store.schema_version()
        finally:
            store.close()
    where = redact_url(settings.database_url)
    if applied:
        names = ", ".join(str(v) for v in applied)
        click.echo(f"{where}: schema version {before} -> {after} (applied {names})")
    else:
        click.echo(f"{where}: schema version {after}, up to date")


@db.command("status")
@database_option
def status(database_url: str | None) -> None:
    """Show the schema version and pending migrations; exit 1 unless up to date."""
    settings = settings_for(database_url)
    if settings.database_url.startswith("sqlite:"):
        try:
            path = path_from_url(settings.database_url)
        except ValueError as exc:
            raise RequestFailed(str(exc)) from None
        if not path.exists():  # do not create an empty file just to report on it
            click.echo(f"no database at {path}; `regista db upgrade` creates it")
            raise SystemExit(1)
    with store_errors():
        store = open_store(settings, schema="ignore")
        try:
            current = store.schema_version()
            dialect = store.dialect
        finally:
            store.close()
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


@db.command("prune")
@database_option
@click.option(
    "--older-than",
    default=None,
    help="Remove instances that ended longer ago than this ISO 8601 duration, e.g. P30D "
    "(default: $REGISTA_HISTORY_TTL).",
)
@click.option("--batch", default=100, show_default=True, help="Instances in the first transaction.")
@click.option(
    "--batch-ms",
    type=click.FloatRange(min=1),
    default=25.0,
    show_default=True,
    help="Size each further transaction to take about this long.",
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="At most this many instances removed a second (default: no cap).",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def prune_command(
    database_url: str | None,
    older_than: str | None,
    batch: int,
    batch_ms: float,
    rate: float | None,
    dry_run: bool,
) -> None:
    """Remove ended instances with their history, jobs, user tasks and incidents.

    Only instances that ended (completed, terminated or cancelled) longer ago than
    --older-than go, a small batch per transaction, so a running engine is not held up;
    an instance with work still in flight, or whose parent still runs, stays. The audit
    trail of every other instance keeps verifying.
    """
    settings = settings_for(database_url)
    try:
        ttl = parse_ttl(older_than, "--older-than") if older_than else settings.history_ttl
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from None
    if ttl is None:
        raise RequestFailed(
            "say how old the history to remove is: --older-than P30D, or set REGISTA_HISTORY_TTL"
        )
    if batch <= 0:
        raise click.BadParameter("give a positive number", param_hint="--batch")
    with store_errors():
        store = open_store(settings)
        try:
            before = cutoff(_now(), ttl)
            if dry_run:
                count = count_prunable(store, ended_before=before)
                click.echo(
                    f"{count} instance(s) ended before {before.isoformat(timespec='seconds')} "
                    "would be removed"
                )
                return
            # a short pause between batches lets a running SQLite engine write in between
            pause = 0.01 if store.dialect == "sqlite" else 0.0
            pace = Pace(batch_ms=batch_ms, rate=rate)
            pruned = prune(store, ended_before=before, batch=batch, pause=pause, pace=pace)
        finally:
            store.close()
    click.echo(f"removed {pruned} (ended before {before.isoformat(timespec='seconds')})")


@db.command("vacuum")
@database_option
def vacuum_command(database_url: str | None) -> None:
    """Rewrite a SQLite database without its free pages, switching it to incremental
    auto-vacuum (after which retention gives space back as it goes).

    A database file made before schema 11 keeps the space deletes free until this
    runs once. It holds the database while it copies it: run it with the engine stopped.
    PostgreSQL needs nothing: its autovacuum reclaims space (see docs/architecture.md).
    """
    settings = settings_for(database_url)
    with store_errors():
        store = open_store(settings)
        try:
            freed = store.compact()
        finally:
            store.close()
    click.echo(f"{redact_url(settings.database_url)}: {freed} byte(s) given back")


@db.command("trust-key")
@database_option
@click.option(
    "--remove", is_flag=True, help="Remove the key: nobody can deploy trusted from the CLI."
)
def trust_key_command(database_url: str | None, remove: bool) -> None:
    """Make a new trusted-deploy key for this database and print it once.

    `regista deploy --trusted` (or `Client.deploy(trusted=True)`) must give this key as
    $REGISTA_TRUSTED_DEPLOY_KEY; only its hash is kept in the database. Making a new key
    replaces the old one.
    """
    settings = settings_for(database_url)
    key = None if remove else new_trust_key()
    with store_errors():
        store = open_store(settings)
        try:
            with store.transaction() as tx:
                configure_trust_key(tx, key, now=_now())
        finally:
            store.close()
    if key is None:
        click.echo("the trusted-deploy key is removed: no model can be deployed trusted from here")
        return
    click.echo(key)
    click.echo(f"kept as a hash only; give it to trusted deployers as ${TRUST_KEY_ENV}", err=True)


def _now() -> datetime:
    return datetime.now(UTC)
