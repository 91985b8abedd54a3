"""`regista insight compare PROCESS`: two versions of a process (or two time windows of
one) side by side — per element, the case figures, the variants and both duration
distributions — as tables with terminal charts, `--json`, or an SVG or PNG chart (`--out`)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from regista.cli.errors import RequestFailed
from regista.cli.insight import chart_option, insight_database, parse_when, table
from regista.cli.options import database_option
from regista.insight import InsightError, Report, Scope
from regista.insight.charts import paired_svg, paired_text
from regista.insight.compare import compare
from regista.insight.images import write_image

__all__ = ["compare_command"]


def _side_options(fn: Any) -> Any:
    for side in ("to", "from"):
        fn = click.option(
            f"--{side}-until",
            callback=parse_when,
            default=None,
            help=f"The {side} side: cases started before this.",
        )(fn)
        fn = click.option(
            f"--{side}-since",
            callback=parse_when,
            default=None,
            help=f"The {side} side: cases started at or after this.",
        )(fn)
        fn = click.option(
            f"--{side}-version",
            type=click.IntRange(1),
            default=None,
            help=f"The {side} side: one version (default: all in its window).",
        )(fn)
    return fn


def _tables(report: Report) -> str:
    """The summary, the elements and the variants as text tables, then the paired bins."""
    summary = Report(
        "summary", "Cases", ("figure", "from", "to", "diff", "change"), report.extra["summary"]
    )
    variants = Report(
        "variants",
        "Variants (share of each side's cases)",
        ("cases_from", "cases_to", "share_from", "share_to", "share_diff", "only", "path"),
        report.extra["variants"],
    )
    parts = [
        report.title,
        "",
        table(summary),
        "",
        table(Report(report.name, "Per element", report.columns, report.rows, report.notes)),
        "",
        table(variants),
        "",
        "Durations of the cases that ended (░ from, █ to)",
        paired_text(report.extra["histogram"]),
    ]
    return "\n".join(parts)


@click.command("compare")
@click.argument("process")
@_side_options
@click.option("--log", "is_log", is_flag=True, help="PROCESS names an imported event log.")
@click.option("--limit", type=click.IntRange(1), default=10, show_default=True, help="Variants.")
@click.option("--bins", type=click.IntRange(1, 200), default=10, show_default=True)
@chart_option("both duration distributions")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
def compare_command(
    process: str,
    from_version: int | None,
    from_since: datetime | None,
    from_until: datetime | None,
    to_version: int | None,
    to_since: datetime | None,
    to_until: datetime | None,
    is_log: bool,
    limit: int,
    bins: int,
    out: Path | None,
    as_json: bool,
    database_url: str | None,
) -> None:
    """Compare two versions of PROCESS (--from-version 1 --to-version 2), or two time
    windows (--from-until / --to-since), before and after a model change."""
    name, log = (None, process) if is_log else (process, None)
    before = Scope(name, from_version, from_since, from_until, log)
    after = Scope(name, to_version, to_since, to_until, log)
    with insight_database(database_url) as db:
        try:
            report = compare(db, before, after, limit=limit, bins=bins)
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None
    if out is not None:
        write_image(paired_svg(report.extra["histogram"], title=report.title), out)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, default=str))
    else:
        click.echo(_tables(report))
    if out is not None and not as_json:
        click.echo(f"chart written to {out}")
