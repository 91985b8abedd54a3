"""`regista log export|import|list`: the history as an event log file for process-mining
tools, and event logs of other systems into the database for `regista insight --log`."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from regista.cli.errors import RequestFailed
from regista.cli.insight import insight_database, scope_options
from regista.insight import (
    FORMATS,
    CsvMapping,
    InsightError,
    Scope,
    count_steps,
    import_log,
    traces,
    write_log_file,
)

__all__ = ["eventlog"]


@click.group("log")
def eventlog() -> None:
    """Event logs: export the history (XES, CSV, OCEL 2.0 JSON or SQLite), import XES or
    CSV."""


@eventlog.command("export")
@scope_options
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xes", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write (replaced only once the export is complete).",
)
@click.option("--log", default=None, help="Export an imported event log instead.")
@click.option(
    "--variables",
    is_flag=True,
    help="Add each instance's variables (last values) to its trace (XES, OCEL; not CSV).",
)
def export_log(
    database_url: str | None,
    definition: str | None,
    version: int | None,
    since: datetime | None,
    until: datetime | None,
    fmt: str,
    out: Path,
    log: str | None,
    variables: bool,
) -> None:
    """Write the element events of the history as an event log, streaming (one case in
    memory at a time), with a progress bar on a terminal."""
    scope = Scope(definition, version, since, until, log)
    partial = out.with_name(f".{out.name}.partial")
    with insight_database(database_url) as db:
        try:
            total = count_steps(db, scope)
            with (
                click.progressbar(
                    length=total,
                    label=f"exporting {fmt}",
                    file=sys.stderr,
                    hidden=not sys.stderr.isatty(),
                ) as bar,
            ):
                name = log or definition or "regista history"
                partial.unlink(missing_ok=True)  # one left by an export that was killed
                written = write_log_file(
                    traces(db, scope, progress=bar.update, variables=variables),
                    partial,
                    fmt=fmt,
                    name=name,
                )
            os.replace(partial, out)
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"{written} event(s) of {total} step(s) written to {out} ({fmt})")


@eventlog.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--database-url", default=None, help="Database URL (as for the other commands).")
@click.option("--name", default=None, help="The log's name (default: the file name's stem).")
@click.option("--replace", is_flag=True, help="Replace a log of the same name.")
@click.option("--case", default=None, help="CSV column of the case id.")
@click.option("--activity", default=None, help="CSV column of the activity.")
@click.option("--timestamp", default=None, help="CSV column of the timestamp (ISO 8601).")
@click.option("--resource", default=None, help="CSV column of the resource (optional).")
@click.option("--lifecycle", default=None, help="CSV column of the lifecycle (optional).")
def import_command(
    file: Path,
    database_url: str | None,
    name: str | None,
    replace: bool,
    case: str | None,
    activity: str | None,
    timestamp: str | None,
    resource: str | None,
    lifecycle: str | None,
) -> None:
    """Import an XES or CSV event log (all or nothing), with a progress bar on a terminal;
    analyse it with `regista insight <analysis> --log NAME`."""
    mapping = CsvMapping(case, activity, timestamp, resource, lifecycle)
    with (
        insight_database(database_url) as db,
        click.progressbar(
            length=file.stat().st_size,
            label=f"importing {file.name}",
            file=sys.stderr,
            hidden=not sys.stderr.isatty(),
        ) as bar,
    ):
        try:
            done = import_log(
                db,
                file,
                name=name,
                mapping=mapping,
                replace=replace,
                now=datetime.now(UTC),
                progress=bar.update,
            )
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None
    click.echo(f"imported {done.events} event(s) of {done.cases} case(s) as log {done.name!r}")


@eventlog.command("list")
@click.option("--database-url", default=None, help="Database URL (as for the other commands).")
def list_command(database_url: str | None) -> None:
    """The imported event logs."""
    with insight_database(database_url) as db:
        rows = db.all("SELECT name, format, events, cases, source FROM event_logs ORDER BY name")
    if not rows:
        click.echo("no event log imported yet (regista log import FILE)")
    for row in rows:
        click.echo(
            f"{row['name']}  {row['format']}  {row['events']} event(s)  {row['cases']} case(s)"
            f"  from {row['source']}"
        )
