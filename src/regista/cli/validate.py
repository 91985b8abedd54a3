"""`regista validate`: list every problem of BPMN (and DMN) files, exit 1 on an error.

Each problem prints as `FILE:LINE: SEVERITY [ELEMENT]: MESSAGE`. A file that cannot be
parsed at all (malformed XML, not BPMN) is itself a problem of that file; a file that does
not exist is a usage error (exit status 2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import click

from regista.bpmn import BpmnParseError, parse, validate
from regista.connectors.checks import check as connector_problems
from regista.connectors.checks import unknown_job_types
from regista.dmn import DmnError
from regista.dmn.checks import check as check_dmn
from regista.dmn.checks import reads as dmn_reads
from regista.dmn.parser import parse_file as parse_dmn_file
from regista.model.bpmn import Problem
from regista.runtime.workers import WorkerLoadError, load_workers


def problems_of(
    path: Path, expression_language: str = "feel", workers: Iterable[str] | None = None
) -> list[Problem]:
    """Every problem of the BPMN or DMN file at `path`, each naming that file; with
    `workers` (the job types of worker modules), job types nothing handles are warnings."""
    name = str(path)
    if path.suffix.lower() == ".dmn":
        try:
            decisions = parse_dmn_file(path)
        except DmnError as exc:
            return [
                Problem(
                    severity="error",
                    message=exc.message,
                    file=name,
                    line=exc.line,
                    element_id=exc.element_id,
                )
            ]
        return [_in_file(p, name) for p in check_dmn(decisions)]
    try:
        definitions = parse(path, strict=False, expression_language=expression_language)
    except BpmnParseError as exc:
        found = exc.problems or (
            Problem(
                severity="error",
                message=exc.message,
                line=exc.line,
                element_id=exc.element_id,
            ),
        )
        return [_in_file(p, name) for p in found]
    checked = [
        *validate(definitions),
        *connector_problems(definitions),
        *unknown_job_types(definitions, workers),
    ]
    return [_in_file(p, name) for p in checked]


def _in_file(problem: Problem, file: str) -> Problem:
    return Problem(
        severity=problem.severity,
        message=problem.message,
        element_id=problem.element_id,
        line=problem.line,
        file=problem.file or file,
    )


def format_problem(problem: Problem) -> str:
    """`FILE:LINE: SEVERITY [ELEMENT]: MESSAGE` (line and element when known)."""
    where = (problem.file or "<bpmn>") + (f":{problem.line}" if problem.line else "")
    element = f" [{problem.element_id}]" if problem.element_id else ""
    return f"{where}: {problem.severity}{element}: {problem.message}"


@click.command(name="validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as a JSON list.")
@click.option(
    "--expression-language",
    type=click.Choice(["feel", "python"]),
    default="feel",
    show_default=True,
    help="Language of expressions that carry no marker.",
)
@click.option(
    "--worker",
    "worker_modules",
    multiple=True,
    metavar="MODULE",
    help="A @worker module (dotted name or .py file): job types that neither it nor a "
    "connector handles are warnings. Repeatable.",
)
@click.option(
    "--reads",
    "show_reads",
    is_flag=True,
    help="For DMN files, print the input names each decision needs from its caller.",
)
def validate_command(
    files: Sequence[str],
    as_json: bool,
    expression_language: str,
    worker_modules: Sequence[str],
    show_reads: bool,
) -> None:
    """List every problem of the BPMN (or DMN) FILES; exit status 1 when one is an error.

    \b
    regista validate order.bpmn payment.bpmn
    regista validate --worker workers.py order.bpmn
    regista validate --reads pricing.dmn
    """
    for name in files:
        if not Path(name).is_file():
            click.echo(f"regista validate: no such file: {name}", err=True)
            sys.exit(2)
    workers: list[str] | None = None
    if worker_modules:
        workers = []
        for module in worker_modules:
            try:
                workers.extend(load_workers(module).types)
            except WorkerLoadError as exc:
                click.echo(f"regista validate: {exc}", err=True)
                sys.exit(2)
    if show_reads:
        _print_reads(files)
    problems = [p for name in files for p in problems_of(Path(name), expression_language, workers)]
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if as_json:
        doc = [
            {
                "severity": p.severity,
                "file": p.file,
                "line": p.line,
                "element": p.element_id,
                "message": p.message,
            }
            for p in problems
        ]
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(format_problem(problem))
        count = f"{len(files)} file" + ("s" if len(files) != 1 else "")
        if problems:
            click.echo(
                f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
                f" in {count}",
                err=True,
            )
        else:
            click.echo(f"{count}: no problems", err=True)
    sys.exit(1 if errors else 0)


def _print_reads(files: Sequence[str]) -> None:
    """`FILE: decision 'NAME' reads: a, b` for each decision of each DMN file."""
    for name in files:
        path = Path(name)
        if path.suffix.lower() != ".dmn":
            continue
        try:
            decisions = parse_dmn_file(path)
        except DmnError:
            continue  # reported as a problem of the file below
        for decision, needed in dmn_reads(decisions).items():
            listed = ", ".join(needed) if needed else "(nothing)"
            click.echo(f"{name}: decision '{decision}' reads: {listed}")
