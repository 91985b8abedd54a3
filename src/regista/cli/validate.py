"""`regista validate`: list every problem of BPMN (and DMN) files, exit 1 on an error.

Each problem prints as `FILE:LINE: SEVERITY [ELEMENT]: MESSAGE`. A file that cannot be
parsed at all (malformed XML, not BPMN) is itself a problem of that file; a file that does
not exist is a usage error (exit status 2).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from regista.bpmn import BpmnParseError, parse, validate
from regista.connectors.checks import check as connector_problems
from regista.dmn import DmnError
from regista.dmn.parser import parse_file as parse_dmn_file
from regista.model.bpmn import Problem


def problems_of(path: Path, expression_language: str = "feel") -> list[Problem]:
    """Every problem of the BPMN or DMN file at `path`, each naming that file."""
    name = str(path)
    if path.suffix.lower() == ".dmn":
        try:
            parse_dmn_file(path)
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
        return []
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
    return [_in_file(p, name) for p in [*validate(definitions), *connector_problems(definitions)]]


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
def validate_command(files: Sequence[str], as_json: bool, expression_language: str) -> None:
    """List every problem of the BPMN (or DMN) FILES; exit status 1 when one is an error.

    \b
    regista validate order.bpmn payment.bpmn
    """
    for name in files:
        if not Path(name).is_file():
            click.echo(f"regista validate: no such file: {name}", err=True)
            sys.exit(2)
    problems = [p for name in files for p in problems_of(Path(name), expression_language)]
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
