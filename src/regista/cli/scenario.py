"""`regista test`: run YAML scenario files against their models and report each outcome.

Directories are searched recursively for `*.yaml`/`*.yml`. Each scenario prints one line,
`PASS`, `FAIL` (with the reason) or `ERROR` (the file is not a valid scenario, with its
line and step); the exit status is 1 when any scenario did not pass, 2 when no file was
found.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click


@click.command(name="test")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "--worker",
    "worker_modules",
    multiple=True,
    metavar="MODULE",
    help="A Python module whose @worker handlers run the service tasks.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and the summary.")
def scenario_command(paths: Sequence[str], worker_modules: Sequence[str], quiet: bool) -> None:
    """Run the scenario files (or directories of them) in PATHS.

    \b
    regista test tests/scenarios/
    regista test order-approved.yaml order-rejected.yaml

    Each scenario runs on the production runtime over an in-memory store, so every
    instance state goes through JSON between commands, as in a database.
    """
    from regista.runtime.rehearsal import run_scenario
    from regista.runtime.scenario import (
        ScenarioError,
        find_scenario_files,
        load_scenarios,
    )
    from regista.runtime.workers import WorkerLoadError, Workers, load_workers

    for name in paths:
        if not Path(name).exists():
            click.echo(f"regista test: no such file or directory: {name}", err=True)
            sys.exit(2)
    files = find_scenario_files(paths)
    if not files:
        click.echo("regista test: no scenario files (*.yaml, *.yml) found", err=True)
        sys.exit(2)
    workers = Workers()
    for spec in worker_modules:
        try:
            workers.update(load_workers(spec))
        except WorkerLoadError as exc:
            click.echo(f"regista test: {exc}", err=True)
            sys.exit(2)
    passed = failed = errors = 0
    for file in files:
        try:
            scenarios = load_scenarios(file)
        except ScenarioError as exc:
            errors += 1
            click.echo(f"ERROR {exc}")
            continue
        for scenario in scenarios:
            result = run_scenario(scenario, workers=workers)
            if result.passed:
                passed += 1
                if not quiet:
                    click.echo(f"PASS  {file}: {result.name}")
            else:
                failed += 1
                click.echo(f"FAIL  {file}: {result.name}\n      {result.reason}")
    total = passed + failed + errors
    summary = f"{total} scenario{'s' * (total != 1)}: {passed} passed"
    if failed:
        summary += f", {failed} failed"
    if errors:
        summary += f", {errors} invalid"
    click.echo(summary)
    sys.exit(1 if failed or errors else 0)
