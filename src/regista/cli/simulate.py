"""`regista simulate`: run a model many times in memory on the fake clock, with durations
and branch shares from the history of a deployed definition or from a YAML file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from regista.bpmn import BpmnParseError, parse
from regista.cli.errors import RequestFailed
from regista.cli.insight import insight_database, parse_when, table
from regista.cli.options import database_option
from regista.insight import InsightError, Scope
from regista.insight.simulation import simulate
from regista.insight.simulation_input import (
    SimulationInput,
    deployed_model,
    from_history,
    load_input,
)
from regista.model.bpmn import Definitions
from regista.runtime.errors import RequestError

__all__ = ["simulate_command"]


def _file_model(path: Path) -> tuple[Definitions, str]:
    try:
        definitions = parse(path)
    except BpmnParseError as exc:
        raise RequestFailed(f"{path}: {exc}") from None
    runnable = [p.id for p in definitions.processes.values() if p.is_executable and p.elements]
    if len(runnable) != 1:
        found = ", ".join(runnable) or "none"
        raise RequestFailed(f"{path}: simulation needs one executable process; found: {found}")
    return definitions, runnable[0]


@click.command("simulate")
@click.argument("model")
@database_option
@click.option("--instances", type=click.IntRange(1), default=None, help="Cases to run [1000].")
@click.option(
    "--config",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A YAML file of arrival, durations, branches and resources (wins over history).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed, the same run.")
@click.option("--version", type=int, default=None, help="A version of the deployed definition.")
@click.option("--since", callback=parse_when, default=None, help="History from cases started then.")
@click.option("--until", callback=parse_when, default=None, help="History of cases started before.")
@click.option(
    "--trusted",
    is_flag=True,
    help="Run a file's Python scripts and expressions (restricted builtins), as `regista run`.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def simulate_command(
    model: str,
    database_url: str | None,
    instances: int | None,
    config: Path | None,
    seed: int,
    version: int | None,
    since: datetime | None,
    until: datetime | None,
    trusted: bool,
    as_json: bool,
) -> None:
    """Simulate MODEL (a BPMN file, or a deployed process id whose history gives the
    durations and branch shares): throughput, waiting per element, resource load."""
    given = SimulationInput()
    try:
        if config is not None:
            given = load_input(config)
        path = Path(model)
        if path.is_file():
            definitions, process_id = _file_model(path)
        else:
            if trusted:
                raise RequestFailed(
                    "--trusted applies to a BPMN file only; a deployed definition is "
                    "simulated untrusted (its Python does not run)"
                )
            scope = Scope(model, version, since, until)
            with insight_database(database_url) as db:
                definitions, process_id = deployed_model(db, scope)
                given = given.over(from_history(db, scope))
        result = simulate(
            definitions,
            process_id,
            given,
            instances=instances or given.instances or 1000,
            seed=seed,
            trusted=trusted,
        )
    except (InsightError, RequestError) as exc:
        raise RequestFailed(str(exc)) from None
    report = result.report()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
        return
    click.echo(table(report))
    summary: dict[str, Any] = report.extra["summary"]
    click.echo("  ".join(f"{k}={v}" for k, v in summary.items()))
    click.echo("resource load:")
    for row in report.extra["resources"]:
        click.echo("  " + "  ".join(f"{k}={v}" for k, v in row.items()))
