"""The sources of a deployment read and validated: BPMN and DMN files, directories, XML
text or bytes, parsed models, or process builders.

Every BPMN definition is checked by `regista.bpmn.validate` and every DMN model by
`regista.dmn.checks.check`; an error in any source
refuses the whole deployment with a `DeploymentError` that lists every problem of every
source, each with its file, line and element id.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from regista.bpmn import BpmnParseError, ProcessBuilder, parse, validate
from regista.bpmn.connector_checks import check as connector_problems
from regista.dmn import DmnError
from regista.dmn.checks import check as check_dmn
from regista.dmn.parser import parse_bytes as parse_dmn_bytes
from regista.dmn.parser import parse_file as parse_dmn_file
from regista.model import dmn as dmn_model
from regista.model.bpmn import Definitions, Problem

__all__ = ["DeploymentError", "Source", "read_sources"]

Source = str | os.PathLike[str] | bytes | Definitions | dmn_model.Definitions | ProcessBuilder

_DMN_NAMESPACES = ("/DMN/", "/dmn/", "dmn")


class DeploymentError(ValueError):
    """Models that cannot be deployed; `problems` lists every problem found, each with its
    file, line and element id."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        head = (
            "the model has a problem"
            if len(errors) == 1
            else f"the models have {len(errors)} problems"
        )
        super().__init__(head + ":\n" + "\n".join(f"  {p}" for p in errors))


def _is_dmn_xml(data: bytes) -> bool:
    head = data[:4096].decode("utf-8", "ignore")
    start = head.find("definitions")
    if start < 0:
        return False
    tag_end = head.find(">", start)
    root = head[start : tag_end if tag_end > 0 else len(head)]
    return any(marker in root for marker in _DMN_NAMESPACES) and "BPMN" not in root


def _problem(
    message: str, *, file: str | None, line: int | None = None, element: Any = None
) -> Problem:
    return Problem(
        severity="error",
        message=message,
        file=file,
        line=line,
        element_id=str(element) if element else None,
    )


def _parse_bpmn(
    source: str | bytes | os.PathLike[str], expression_language: str, file: str | None
) -> Definitions:
    try:
        return parse(source, strict=False, expression_language=expression_language, file=file)
    except BpmnParseError as exc:
        problems = exc.problems or (
            _problem(exc.message, file=exc.file, line=exc.line, element=exc.element_id),
        )
        raise DeploymentError(
            [p if p.file else _replace_file(p, exc.file) for p in problems]
        ) from exc


def _replace_file(problem: Problem, file: str | None) -> Problem:
    return Problem(
        severity=problem.severity,
        message=problem.message,
        element_id=problem.element_id,
        line=problem.line,
        file=file,
    )


def _parse_dmn(source: Path | bytes, file: str | None) -> dmn_model.Definitions:
    try:
        if isinstance(source, bytes):
            return parse_dmn_bytes(source, file=file)
        return parse_dmn_file(source)
    except DmnError as exc:
        raise DeploymentError(
            [_problem(exc.message, file=exc.file or file, line=exc.line, element=exc.element_id)]
        ) from exc
    except OSError as exc:
        raise DeploymentError(
            [_problem(f"cannot read the file: {exc.strerror or exc}", file=file)]
        ) from exc


def _files_of(directory: Path) -> list[Path]:
    files = sorted(
        p for p in directory.iterdir() if p.suffix.lower() in (".bpmn", ".dmn") and p.is_file()
    )
    if not files:
        raise DeploymentError(
            [_problem("the directory holds no .bpmn or .dmn files", file=str(directory))]
        )
    return files


def read_sources(
    sources: Iterable[Source], expression_language: str = "feel"
) -> tuple[list[Definitions], list[dmn_model.Definitions], list[Problem]]:
    """Parse and validate every source: the BPMN definitions, the DMN models and the
    warnings. Raises `DeploymentError` listing every error of every source."""
    bpmn: list[Definitions] = []
    dmn: list[dmn_model.Definitions] = []
    problems: list[Problem] = []
    pending = list(sources)
    while pending:
        source = pending.pop(0)
        try:
            if isinstance(source, Definitions):
                bpmn.append(source)
            elif isinstance(source, dmn_model.Definitions):
                dmn.append(source)
            elif isinstance(source, ProcessBuilder):
                bpmn.append(source.build())
            elif isinstance(source, bytes) or (
                isinstance(source, str) and source.lstrip().startswith("<")
            ):
                data = source if isinstance(source, bytes) else source.encode("utf-8")
                if _is_dmn_xml(data):
                    dmn.append(_parse_dmn(data, None))
                else:
                    bpmn.append(_parse_bpmn(data, expression_language, None))
            else:
                path = Path(source)
                if path.is_dir():
                    pending[0:0] = _files_of(path)
                elif not path.exists():
                    problems.append(_problem("no such file", file=str(path)))
                elif path.suffix.lower() == ".dmn":
                    dmn.append(_parse_dmn(path, str(path)))
                else:
                    bpmn.append(_parse_bpmn(path, expression_language, str(path)))
        except DeploymentError as exc:
            problems.extend(exc.problems)
    for definitions in bpmn:
        problems.extend(
            p if p.file or not definitions.file else _replace_file(p, definitions.file)
            for p in validate(definitions)
        )
        # the connector configuration too, as `regista validate` checks it
        problems.extend(
            p if p.file or not definitions.file else _replace_file(p, definitions.file)
            for p in connector_problems(definitions)
        )
    for decisions in dmn:
        problems.extend(check_dmn(decisions))
    if any(p.severity == "error" for p in problems):
        raise DeploymentError(problems)
    return bpmn, dmn, problems
