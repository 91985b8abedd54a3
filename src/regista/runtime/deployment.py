"""Deployments: BPMN and DMN sources read, validated and kept together.

A deployment is what `MemoryRuntime.deploy` accepted: the BPMN definitions (each checked by
`regista.bpmn.validate`, errors refusing the whole deployment) and the DMN models that
business rule tasks call. Sources may be files, directories, XML text or bytes, parsed
models, or process builders. The `Catalog` keeps every deployment and answers which
version of a process runs and which processes a message or signal starts.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regista.bpmn import BpmnParseError, parse, validate
from regista.bpmn import Process as ProcessBuilder
from regista.dmn import DecisionModels, DmnError
from regista.dmn.parser import parse_bytes as parse_dmn_bytes
from regista.dmn.parser import parse_file as parse_dmn_file
from regista.engine import Context, EngineError, StartTrigger, start_triggers
from regista.engine.expressions import evaluate
from regista.model import dmn as dmn_model
from regista.model.bpmn import Definitions, Problem
from regista.runtime.clock import Cycle, first_due
from regista.runtime.records import MemoryRuntimeError

__all__ = ["Catalog", "Deployment", "DeploymentError", "Source", "read_sources"]

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


@dataclass(frozen=True, slots=True)
class Deployment:
    """BPMN definitions and DMN models deployed together, with the settings they run under.

    `warnings` holds what validation found that does not stop the models from running.
    """

    id: str
    definitions: tuple[Definitions, ...]
    decisions: tuple[dmn_model.Definitions, ...]
    trusted: bool
    expression_language: str
    warnings: tuple[Problem, ...] = ()

    @property
    def process_ids(self) -> list[str]:
        """The ids of the processes deployed, in file order."""
        return [pid for d in self.definitions for pid in d.processes]


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
    if any(p.severity == "error" for p in problems):
        raise DeploymentError(problems)
    return bpmn, dmn, problems


class Catalog:
    """The deployed models: processes by id (the latest deployment wins), their start
    triggers, and the DMN decisions every deployment shares."""

    def __init__(self, clock: Callable[[], dt.datetime]) -> None:
        self._clock = clock
        self.deployments: dict[str, Deployment] = {}
        self.processes: dict[str, tuple[Deployment, Definitions]] = {}
        self.triggers: dict[str, list[StartTrigger]] = {}
        self.decisions: DecisionModels | None = None
        self._dmn: dict[str, dmn_model.Definitions] = {}

    def add(
        self,
        deployment_id: str,
        sources: Iterable[Source],
        *,
        trusted: bool,
        expression_language: str,
    ) -> Deployment:
        """Read, check and register the sources as one deployment (see `read_sources`)."""
        bpmn, dmn, warnings = read_sources(sources, expression_language)
        if not bpmn and not dmn:
            raise DeploymentError(
                [Problem(severity="error", message="nothing to deploy: give a .bpmn or .dmn")]
            )
        deployment = Deployment(
            id=deployment_id,
            definitions=tuple(bpmn),
            decisions=tuple(dmn),
            trusted=trusted,
            expression_language=expression_language,
            warnings=tuple(p for p in warnings if p.severity == "warning"),
        )
        if dmn:
            merged = {**self._dmn, **{d.namespace: d for d in dmn}}
            try:
                self.decisions = DecisionModels(list(merged.values()), clock=self._clock)
            except DmnError as exc:
                raise DeploymentError(
                    [_problem(exc.message, file=exc.file, line=exc.line, element=exc.element_id)]
                ) from exc
            self._dmn = merged
        self.deployments[deployment.id] = deployment
        for definitions in bpmn:
            for process_id in definitions.processes:
                self.processes[process_id] = (deployment, definitions)
                self.triggers[process_id] = []
            for trigger in start_triggers(definitions):
                self.triggers.setdefault(trigger.process_id, []).append(trigger)
        return deployment

    def process(self, process_id: str) -> tuple[Deployment, Definitions]:
        """The deployment and definitions of the latest version of `process_id`."""
        try:
            return self.processes[process_id]
        except KeyError:
            known = ", ".join(sorted(self.processes)) or "none"
            raise MemoryRuntimeError(
                f"no process '{process_id}' is deployed (deployed: {known})"
            ) from None

    def timer_starts(self, deployment: Deployment) -> list[tuple[Definitions, StartTrigger]]:
        """The timer start events of the deployment's processes."""
        return [
            (definitions, trigger)
            for definitions in deployment.definitions
            for trigger in start_triggers(definitions)
            if trigger.kind == "timer" and trigger.timer is not None
        ]

    def first_due(
        self, definitions: Definitions, trigger: StartTrigger, context: Context
    ) -> tuple[dt.datetime, Cycle | None]:
        """When the timer start event `trigger` first falls due, and its cycle."""
        assert trigger.timer is not None
        try:
            return first_due(trigger.timer, context.now, lambda e: evaluate(e, {}, context))
        except (ValueError, EngineError) as exc:
            raise DeploymentError(
                [
                    _problem(
                        f"cannot schedule the timer start event: {exc}",
                        file=definitions.file,
                        element=trigger.start_event_id,
                    )
                ]
            ) from exc

    def start_event(self, process_id: str, kind: str, name: str) -> str:
        """The id of the `kind` ("message", "signal") start event `name` of the process."""
        self.process(process_id)
        for trigger in self.triggers.get(process_id, []):
            if trigger.kind == kind and trigger.name == name:
                return trigger.start_event_id
        raise MemoryRuntimeError(f"the process '{process_id}' has no {kind} start event '{name}'")

    def starts(self, kind: str, name: str) -> list[tuple[str, str]]:
        """(process id, start event id) of every process started by the message or signal
        `name`, one start event per process."""
        found: list[tuple[str, str]] = []
        for process_id, triggers in self.triggers.items():
            for trigger in triggers:
                if trigger.kind == kind and trigger.name == name:
                    found.append((process_id, trigger.start_event_id))
                    break
        return found
