"""`regista insight <analysis>`: process intelligence over the history or an imported
event log, as a table or `--json`."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from regista.cli.errors import RequestFailed
from regista.cli.options import database_option, settings_for
from regista.insight import (
    EventDatabase,
    InsightError,
    Report,
    Scope,
    bottlenecks,
    bpmn_errors,
    deviations,
    directly_follows,
    durations,
    elements,
    incidents,
    open_database,
    throughput,
    variants,
)
from regista.insight.analyses import BUCKETS
from regista.insight.charts import histogram_svg, histogram_text, with_bars
from regista.insight.images import FORMATS, check_image_path, write_image
from regista.insight.stuck import stuck

__all__ = ["chart_option", "insight", "insight_database", "parse_when", "scope_options"]

F = TypeVar("F", bound=Callable[..., Any])


def parse_when(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """An ISO 8601 date or date and time (UTC when it has no offset)."""
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date (2024-03-01 or 2024-03-01T09:30:00Z)", ctx, param
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _chart_path(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Refuse an unknown suffix, or a PNG without its renderer, before the analysis runs."""
    if value is not None:
        try:
            check_image_path(value)
        except InsightError as exc:
            raise click.BadParameter(str(exc), ctx, param) from None
    return value


def chart_option(what: str) -> Callable[[F], F]:
    """`--out FILE`: also write `what` as a chart, SVG or PNG by the file's suffix."""
    return click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        callback=_chart_path,
        help=f"Also write {what} as a chart to this file ({' or '.join(FORMATS)}, by suffix).",
    )


def scope_options(fn: F) -> F:
    """`--definition`, `--version`, `--since`, `--until` (and `--database-url`)."""
    fn = click.option(
        "--until", callback=parse_when, default=None, help="Cases started before this."
    )(fn)
    fn = click.option(
        "--since", callback=parse_when, default=None, help="Cases started at or after this."
    )(fn)
    fn = click.option("--version", type=int, default=None, help="One version of it.")(fn)
    fn = click.option(
        "--definition", default=None, help="A process id (or definition id); default: all."
    )(fn)
    return database_option(fn)


@contextmanager
def insight_database(database_url: str | None) -> Iterator[EventDatabase]:
    """The database, its errors turned into one-line CLI errors."""
    try:
        with open_database(settings_for(database_url)) as db:
            yield db
    except InsightError as exc:
        raise RequestFailed(str(exc)) from None


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return " > ".join(str(v) for v in value)
    return str(value)


def table(report: Report) -> str:
    """A report as aligned text columns, its notes below."""
    lines = [report.title]
    if not report.rows:
        return "\n".join([*lines, "(no data in this scope)", *report.notes])
    cells = [[_cell(row.get(c)) for c in report.columns] for row in report.rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(report.columns)]
    lines.append("  ".join(c.ljust(w) for c, w in zip(report.columns, widths, strict=True)))
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines)


def _show(report: Report, as_json: bool, *, bars: str | None = None) -> None:
    """JSON, or the table — with a bar chart of the column `bars` where one helps."""
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        click.echo(table(with_bars(report, bars) if bars is not None else report))


def _analysis(name: str, help_text: str) -> Callable[[F], F]:
    """A subcommand taking the scope options, `--log` and `--json`."""

    def wrap(fn: F) -> F:
        # the command gets the scope options as one `Scope`
        @functools.wraps(fn)
        def command(
            definition: str | None,
            version: int | None,
            since: datetime | None,
            until: datetime | None,
            log: str | None,
            **options: Any,
        ) -> None:
            fn(scope=Scope(definition, version, since, until, log), **options)

        made: Any = click.option("--json", "as_json", is_flag=True, help="Print JSON.")(command)
        made = click.option("--log", default=None, help="An imported event log instead.")(made)
        made = scope_options(made)
        return insight.command(name, help=help_text)(made)  # type: ignore[return-value]

    return wrap


@click.group("insight")
def insight() -> None:
    """Process intelligence: how the processes really ran, from the history (or from an
    event log imported with `regista log import`)."""


def _run(
    analysis: Callable[..., Report],
    database_url: str | None,
    scope: Scope,
    **options: Any,
) -> Report:
    with insight_database(database_url) as db:
        try:
            return analysis(db, scope, **options)
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None


@_analysis("elements", "Per element: count, rework, service and waiting time p50/p90/p99.")
def elements_command(
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(elements, database_url, scope), as_json)


@_analysis("bottlenecks", "Elements ranked by the time cases spent in them.")
def bottlenecks_command(
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(bottlenecks, database_url, scope), as_json, bars="share")


@_analysis("throughput", "Cases started and ended per hour, day or week.")
@click.option("--bucket", type=click.Choice(list(BUCKETS)), default="day", show_default=True)
def throughput_command(
    bucket: str,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(throughput, database_url, scope, bucket=bucket), as_json, bars="started")


@_analysis("durations", "The distribution of case durations, as a histogram.")
@click.option("--bins", type=click.IntRange(1, 200), default=10, show_default=True)
@chart_option("the histogram")
def durations_command(
    bins: int,
    out: Path | None,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    report = _run(durations, database_url, scope, bins=bins)
    if out is not None:
        write_image(histogram_svg(report), out)
    if as_json:
        _show(report, True)
        return
    summary = report.extra["summary"]
    click.echo(report.title)
    click.echo("  ".join(f"{k}={_cell(v)}" for k, v in summary.items()))
    click.echo(histogram_text(report))
    if out is not None:
        click.echo(f"chart written to {out}")


@_analysis("variants", "The distinct paths of the cases, most frequent first.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
def variants_command(
    limit: int,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(variants, database_url, scope, limit=limit), as_json, bars="share")


@_analysis("dfg", "The directly-follows graph: which step follows which, how often, how late.")
def dfg_command(
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(directly_follows, database_url, scope), as_json)


@_analysis("deviations", "Flows never taken and elements never reached, against the model.")
def deviations_command(
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(deviations, database_url, scope), as_json)


@_analysis("incidents", "The most frequent incidents, by element and message.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
def incidents_command(
    limit: int,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(incidents, database_url, scope, limit=limit), as_json)


@_analysis("errors", "The most frequent BPMN errors thrown by workers, by element and code.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
def errors_command(
    limit: int,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    _show(_run(bpmn_errors, database_url, scope, limit=limit), as_json)


@_analysis("stuck", "Running instances held at an element longer than usual.")
@click.option(
    "--factor",
    type=click.FloatRange(0, min_open=True),
    default=1.0,
    show_default=True,
    help="Held beyond this many times the element's usual p90.",
)
@click.option(
    "--min-samples",
    type=click.IntRange(1),
    default=5,
    show_default=True,
    help="Completed executions an element needs before its usual time counts.",
)
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option(
    "--at", callback=parse_when, default=None, help="Judge as of this time (default: now)."
)
def stuck_command(
    at: datetime | None,
    factor: float,
    min_samples: int,
    limit: int,
    scope: Scope,
    database_url: str | None,
    as_json: bool,
) -> None:
    now = at or datetime.now(UTC)  # the command line's clock, passed in as a value
    report = _run(
        stuck, database_url, scope, now=now, factor=factor, min_samples=min_samples, limit=limit
    )
    _show(report, as_json)
