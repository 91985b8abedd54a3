"""`regista insight discover` and `regista insight fitness`: a BPMN model mined from the
history (or an imported log), and how well a log replays on a model."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from regista.bpmn import BpmnParseError, parse
from regista.cli.errors import RequestFailed
from regista.cli.insight import insight_database, scope_options, table
from regista.insight import InsightError, Scope
from regista.insight.mining import discover, fitness
from regista.insight.tree_model import TASK_KINDS, TaskKind
from regista.model.bpmn import Process

__all__ = ["discover_command", "fitness_command"]


@click.command("discover")
@scope_options
@click.option("--log", default=None, help="An imported event log instead.")
@click.option(
    "--noise",
    type=click.FloatRange(0.0, 1.0),
    default=0.2,
    show_default=True,
    help="Ignore directly-follows edges rarer than this share of the strongest (IMf).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The BPMN file to write (with its diagram).",
)
@click.option("--process-id", default="discovered", show_default=True)
@click.option("--name", default=None, help="The process name.")
@click.option(
    "--tasks",
    "kind",
    type=click.Choice(TASK_KINDS),
    default="task",
    show_default=True,
    help="What the activities become: plain, user, service (job type = name) or manual tasks.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def discover_command(
    database_url: str | None,
    definition: str | None,
    version: int | None,
    since: datetime | None,
    until: datetime | None,
    log: str | None,
    noise: float,
    out: Path,
    process_id: str,
    name: str | None,
    kind: TaskKind,
    as_json: bool,
) -> None:
    """Discover a sound BPMN model of what happened (inductive miner), laid out."""
    scope = Scope(definition, version, since, until, log)
    with insight_database(database_url) as db:
        try:
            found = discover(db, scope, noise=noise, process_id=process_id, name=name, kind=kind)
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None
    out.write_bytes(found.xml)
    report = found.report()
    if as_json:
        click.echo(json.dumps({**report.to_json(), "out": str(out)}, indent=2))
        return
    click.echo(table(report))
    click.echo(f"model written to {out}")


def _model(path: Path) -> Process:
    try:
        definitions = parse(path)
    except BpmnParseError as exc:
        raise RequestFailed(f"{path}: {exc}") from None
    processes = [p for p in definitions.processes.values() if p.elements]
    if len(processes) != 1:
        found = ", ".join(p.id for p in processes) or "none"
        raise RequestFailed(
            f"{path}: replay needs one process with elements; the file has: {found}"
        )
    return processes[0]


@click.command("fitness")
@scope_options
@click.option("--log", default=None, help="An imported event log instead.")
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The BPMN file to replay on (default: the deployed model of --definition).",
)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def fitness_command(
    database_url: str | None,
    definition: str | None,
    version: int | None,
    since: datetime | None,
    until: datetime | None,
    log: str | None,
    model: Path | None,
    limit: int,
    as_json: bool,
) -> None:
    """Replay the cases on a model (token replay): share of cases that fit, fitness."""
    scope = Scope(definition, version, since, until, log)
    process = None if model is None else _model(model)
    with insight_database(database_url) as db:
        try:
            report = fitness(db, scope, process)
        except InsightError as exc:
            raise RequestFailed(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    summary: dict[str, Any] = report.extra["summary"]
    shown = type(report)(
        report.name, report.title, report.columns, report.rows[:limit], report.notes
    )
    click.echo(table(shown))
    click.echo("  ".join(f"{k}={v}" for k, v in summary.items()))
