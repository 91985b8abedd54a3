"""Deployed models in a store: deploying versions, and the parsed models the shell runs.

Each BPMN process is a row of the definitions table: deploying the same source again keeps
its version, a changed source makes the next version, and instances keep the version they
started with (the row id). DMN models are stored the same way under `dmn:<namespace>`
(business rule tasks see the latest version of each), each of their decisions under
`decision:<id>` (`runtime/decisions.py`) and Camunda Forms under `form:<id>`
(`runtime/forms.py`); a name with a colon is never a process. Parsed models are cached by definition
id, which never changes meaning, so a node parses each version once.

Timer start events belong to the latest version of a process: deploying a version schedules
its start timers (rows of the timers table whose instance id is empty and whose element
instance id is the definition id) and cancels those of the version it replaces.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regista.bpmn import ProcessBuilder, parse, to_xml
from regista.dmn import DecisionModels, DmnError
from regista.dmn.parser import parse_bytes as parse_dmn_bytes
from regista.engine import Context, EngineError, StartTrigger, start_triggers
from regista.engine.expressions import evaluate
from regista.engine.timers import TimerError, plan
from regista.model import dmn as dmn_model
from regista.model.bpmn import BusinessRuleTask, Definitions, Expression, Problem, Process
from regista.runtime.decisions import decision_sources
from regista.runtime.errors import NotFoundError
from regista.runtime.forms import FORM_PREFIX, form_id_of, looks_like_form
from regista.runtime.ids import IdSource
from regista.runtime.options import RuntimeOptions
from regista.runtime.sources import DeploymentError, read_sources
from regista.store import Definition, Deployment, NewTimer, Transaction

__all__ = [
    "DMN_PREFIX",
    "TRUST_LEVELS",
    "Deployed",
    "Model",
    "Resource",
    "StoredModels",
    "flatten_sources",
    "is_process",
    "start_timer_id",
]

DMN_PREFIX = "dmn:"
TRUST_LEVELS = ("untrusted", "trusted", "full")
"""How a deployment may run Python: never; with restricted builtins; with every builtin."""
START_TIMER_PREFIX = "start:"


@dataclass(frozen=True, slots=True)
class Resource:
    """A named file's content (an upload): `.bpmn`, `.dmn` or `.form`, told by its name
    or else by its content."""

    name: str
    content: bytes


Source = str | os.PathLike[str] | bytes | Definitions | ProcessBuilder | Resource


def flatten_sources(sources: Iterable[Source | Iterable[Source]]) -> list[Source]:
    """The sources of a deploy call, lists and tuples among them spread out."""
    flat: list[Source] = []
    for source in sources:
        if isinstance(source, list | tuple):
            flat.extend(source)
        else:
            flat.append(source)  # type: ignore[arg-type]
    return flat


def start_timer_id(definition_id: str, start_event_id: str) -> str:
    """The id of the timer row of a timer start event of one definition version."""
    return f"{START_TIMER_PREFIX}{definition_id}:{start_event_id}"


@dataclass(frozen=True, slots=True)
class Deployed:
    """One process (or DMN model) of a deployment: its version and whether it is new."""

    process_id: str
    version: int
    definition_id: str
    created: bool
    resource_name: str | None
    trust: str = "untrusted"
    deployment_id: str | None = None
    """The deployment (deploy call) that named it; a kept version belongs to each."""


@dataclass(frozen=True, slots=True)
class Model:
    """A stored process definition version, parsed: what the engine runs."""

    definition_id: str
    process_id: str
    version: int
    definitions: Definitions
    triggers: tuple[StartTrigger, ...]
    needs_decisions: bool
    trust: str = "untrusted"
    """How this version was deployed: 'untrusted', 'trusted' or 'full' (see `TRUST_LEVELS`)."""


@dataclass(frozen=True, slots=True)
class _Source:
    kind: str  # "bpmn", "dmn" or "form"
    text: str
    resource_name: str | None


def _has_business_rules(process: Process) -> bool:
    return any(
        isinstance(node, BusinessRuleTask) and node.job is None
        for node in process.elements.values()
    )


def _looks_like_dmn(text: str) -> bool:
    head = text[:4096]
    start = head.find("definitions")
    tag_end = head.find(">", start)
    root = head[start : tag_end if tag_end > 0 else len(head)]
    return start >= 0 and "DMN" in root.upper() and "BPMN" not in root.upper()


def _kind(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix == ".form" or (suffix not in (".bpmn", ".dmn", ".xml") and looks_like_form(text)):
        return "form"
    return "dmn" if suffix == ".dmn" or _looks_like_dmn(text) else "bpmn"


def _files(directory: Path) -> list[Path]:
    found = sorted(
        p
        for p in directory.iterdir()
        if p.suffix.lower() in (".bpmn", ".dmn", ".form") and p.is_file()
    )
    if not found:
        raise DeploymentError(
            [Problem(severity="error", message="the directory holds no .bpmn or .dmn files")]
        )
    return found


def _read(sources: Iterable[Source]) -> list[_Source]:
    """The text of every source, directories expanded; models built in Python are written
    as XML, so what is stored can always be parsed again."""
    out: list[_Source] = []
    problems: list[Problem] = []
    pending: list[Source] = list(sources)
    while pending:
        source = pending.pop(0)
        if isinstance(source, ProcessBuilder):
            source = source.build()
        if isinstance(source, Definitions):
            out.append(_Source("bpmn", to_xml(source).decode("utf-8"), source.file))
            continue
        if isinstance(source, Resource):
            try:
                text = source.content.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(
                    Problem(
                        severity="error", message="the file is not UTF-8 text", file=source.name
                    )
                )
                continue
            text = text.removeprefix("\ufeff")  # a byte order mark some editors write
            kind = _kind(source.name, text)
            if kind != "form" and not text.lstrip().startswith("<"):
                # an upload's content, never a path to read
                problems.append(
                    Problem(
                        severity="error",
                        message="not a BPMN or DMN model (XML) nor a Camunda Form (JSON); "
                        "deploy .bpmn, .dmn and .form files",
                        file=source.name,
                    )
                )
                continue
            out.append(_Source(kind, text, source.name))
            continue
        if isinstance(source, bytes):
            text = source.decode("utf-8")
            out.append(_Source("dmn" if _looks_like_dmn(text) else "bpmn", text, None))
            continue
        if isinstance(source, str) and source.lstrip().startswith("<"):
            out.append(_Source("dmn" if _looks_like_dmn(source) else "bpmn", source, None))
            continue
        if isinstance(source, dmn_model.Definitions):  # pragma: no cover - typing guard
            problems.append(
                Problem(severity="error", message="deploy a DMN model as a file or XML text")
            )
            continue
        path = Path(source)
        if path.is_dir():
            pending[0:0] = _files(path)
            continue
        if not path.exists():
            problems.append(Problem(severity="error", message="no such file", file=str(path)))
            continue
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            problems.append(
                Problem(
                    severity="error",
                    message=f"cannot read the file: {exc.strerror or exc}",
                    file=str(path),
                )
            )
            continue
        out.append(_Source(_kind(path.name, text), text, str(path)))
    if problems:
        raise DeploymentError(problems)
    return out


class StoredModels:
    """The models of one store, deployed through it and parsed on demand (thread-safe)."""

    def __init__(
        self,
        *,
        expression_language: str = "feel",
        decision_refresh: dt.timedelta = dt.timedelta(seconds=2),
    ) -> None:
        self.expression_language = expression_language
        self._decision_refresh = decision_refresh.total_seconds()
        self._models: dict[str, Model] = {}
        self._latest: dict[str, str] = {}
        """The version of each process last seen as the latest — a guess, checked when an
        instance starts on it (see `guess_latest`)."""
        self._parsed: dict[str, Definitions] = {}
        self._lock = threading.Lock()
        self._decisions: DecisionModels | None = None
        self._decision_key: tuple[str, ...] = ()
        self._decisions_read = float("-inf")

    # -- deploying --------------------------------------------------------------------------

    def deploy(
        self,
        tx: Transaction,
        sources: Iterable[Source],
        *,
        now: dt.datetime,
        ids: IdSource,
        trust: str = "untrusted",
        deployed_by: str | None = None,
        deployment_name: str | None = None,
        source_name: str | None = None,
    ) -> list[Deployed]:
        """Store every process and DMN model of `sources` (all checked first: one problem
        refuses the whole deployment with a `DeploymentError`), each version recorded with
        its `trust` and who deployed it, all as one deployment (`deployment_name` and
        `source_name` are Camunda 7's deployment name and source). Whether the caller may
        deploy trusted is checked before (`runtime/trust.py`)."""
        if trust not in TRUST_LEVELS:
            raise ValueError(f"trust must be one of {', '.join(TRUST_LEVELS)}, not {trust!r}")
        read = _read(sources)
        if not read:
            raise DeploymentError(
                [Problem(severity="error", message="nothing to deploy: give a .bpmn or .dmn")]
            )
        parsed: list[tuple[_Source, Definitions | None, dmn_model.Definitions | None]] = []
        forms: list[tuple[_Source, str]] = []
        problems: list[Problem] = []
        for source in read:
            if source.kind == "form":
                found = form_id_of(source.text, source.resource_name)
                if isinstance(found, Problem):
                    problems.append(found)
                else:
                    forms.append((source, found))
                continue
            try:
                bpmn, dmn, _warnings = read_sources([source.text], self.expression_language)
            except DeploymentError as exc:
                problems.extend(_with_file(p, source.resource_name) for p in exc.problems)
                continue
            parsed.append((source, bpmn[0] if bpmn else None, dmn[0] if dmn else None))
        if problems:
            raise DeploymentError(problems)
        deployed: list[Deployed] = []
        for source, form_id in forms:
            definition, created = tx.deploy_definition(
                FORM_PREFIX + form_id,
                source.text,
                now=now,
                resource_name=source.resource_name,
                definition_id=ids(),
                deployed_by=deployed_by,
            )
            deployed.append(_deployed(definition, created))
        for source, bpmn_defs, dmn_defs in parsed:
            if dmn_defs is not None:
                definition, created = tx.deploy_definition(
                    DMN_PREFIX + dmn_defs.namespace,
                    source.text,
                    now=now,
                    resource_name=source.resource_name,
                    definition_id=ids(),
                    deployed_by=deployed_by,
                )
                if created:
                    self._decisions_read = float("-inf")
                deployed.append(_deployed(definition, created))
                for name, text in decision_sources(dmn_defs, definition.id):
                    decision, new = tx.deploy_definition(
                        name,
                        text,
                        now=now,
                        resource_name=source.resource_name,
                        definition_id=ids(),
                        deployed_by=deployed_by,
                    )
                    deployed.append(_deployed(decision, new))
                continue
            assert bpmn_defs is not None
            for process_id in bpmn_defs.processes:
                previous = tx.latest_definition(process_id)
                definition, created = tx.deploy_definition(
                    process_id,
                    source.text,
                    now=now,
                    resource_name=source.resource_name,
                    definition_id=ids(),
                    trust=trust,
                    deployed_by=deployed_by,
                )
                self._latest[process_id] = definition.id  # a guess even if rolled back
                deployed.append(_deployed(definition, created))
                if not created:
                    continue
                if previous is not None:
                    for trigger in self._model(previous).triggers:
                        if trigger.kind == "timer":
                            tx.cancel_timer(start_timer_id(previous.id, trigger.start_event_id))
                self._schedule_start_timers(tx, self._model(definition), now, ids)
        deployment = Deployment(
            id=ids(),
            name=deployment_name,
            source=source_name,
            deployed_at=now,
            deployed_by=deployed_by,
            definitions=tuple({d.definition_id: d.created for d in deployed}.items()),
        )
        tx.insert_deployment(deployment)
        return [replace(d, deployment_id=deployment.id) for d in deployed]

    def _schedule_start_timers(
        self, tx: Transaction, model: Model, now: dt.datetime, ids: IdSource
    ) -> None:
        for trigger in model.triggers:
            if trigger.kind != "timer" or trigger.timer is None:
                continue
            context = self.context(model, now, ids, None)

            def value(expression: Expression, context: Context = context) -> Any:
                return evaluate(expression, {}, context)

            try:
                first = plan(trigger.timer, now, value)
            except (TimerError, EngineError, ValueError) as exc:
                raise DeploymentError(
                    [
                        Problem(
                            severity="error",
                            message=f"cannot schedule the timer start event: {exc}",
                            element_id=trigger.start_event_id,
                        )
                    ]
                ) from exc
            timer = NewTimer(
                id=start_timer_id(model.definition_id, trigger.start_event_id),
                instance_id="",
                element_id=trigger.start_event_id,
                element_instance_id=model.definition_id,
                due_at=first.due,
                repeat=cycle_text(first.cycle, first.remaining),
            )
            tx.insert_timer(timer, now=now)

    # -- reading ----------------------------------------------------------------------------

    def context(
        self,
        model: Model,
        now: dt.datetime,
        ids: IdSource,
        decisions: DecisionModels | None,
        options: RuntimeOptions | None = None,
    ) -> Context:
        """The engine context of a step of an instance of `model` (with the step limit and
        the retry backoff of `options`)."""
        options = options or RuntimeOptions()
        return Context(
            now=now,
            new_id=ids,
            definitions=model.definitions,
            decisions=decisions,
            trusted=model.trust != "untrusted",
            full_builtins=model.trust == "full",
            expression_language=self.expression_language,
            max_steps=options.max_steps,
            max_multi_instance=options.max_multi_instance,
            feel_budget=options.feel_budget,
            backoff=options.backoff,
        )

    def get(self, tx: Transaction, definition_id: str) -> Model:
        """The model of a stored definition version."""
        model = self._models.get(definition_id)
        if model is not None:
            return model
        definition = tx.get_definition(definition_id)
        if definition is None:
            raise NotFoundError(f"there is no deployed definition {definition_id!r}")
        return self._model(definition)

    def latest(self, tx: Transaction, process_id: str, version: int | None = None) -> Model:
        """The latest version of `process_id` (or the version named)."""
        definition: Definition | None
        if version is None:
            # the id alone (not the source) names a version already parsed here
            latest_id = tx.latest_definition_id(process_id)
            model = None if latest_id is None else self._models.get(latest_id)
            if model is not None and is_process(process_id):
                self._latest[process_id] = model.definition_id
                return model
            definition = None if latest_id is None else tx.get_definition(latest_id)
            if definition is not None and is_process(process_id):
                self._latest[process_id] = definition.id
        else:
            definition = tx.definition_version(process_id, version)
        if definition is None or not is_process(process_id):
            known = sorted(
                {d.process_id for d in tx.list_definitions() if is_process(d.process_id)}
            )
            what = f"'{process_id}'" + (f" version {version}" if version is not None else "")
            raise NotFoundError(
                f"no process {what} is deployed (deployed: {', '.join(known) or 'none'})"
            )
        return self._model(definition)

    def guess_latest(self, process_id: str) -> Model | None:
        """The version of `process_id` last seen as the latest here, without asking the
        store: another node may have deployed a newer one since, so an instance started on
        it must be inserted with the check (`insert_instance(latest=True)`), and on
        `StaleDefinition` the guess is forgotten (`forget_latest`) and the start repeated."""
        definition_id = self._latest.get(process_id)
        return None if definition_id is None else self._models.get(definition_id)

    def forget_latest(self, process_id: str) -> None:
        self._latest.pop(process_id, None)

    def latest_models(self, tx: Transaction) -> list[Model]:
        """The latest version of every deployed process, by process id."""
        latest: dict[str, Definition] = {}
        for definition in tx.list_definitions():
            if is_process(definition.process_id):
                latest[definition.process_id] = definition  # ordered by process, version
        return [self._model(definition) for definition in latest.values()]

    def starts(self, tx: Transaction, kind: str, name: str) -> list[tuple[Model, str]]:
        """(model, start event id) of the latest version of every process that the message
        or signal `name` starts, one start event per process."""
        found: list[tuple[Model, str]] = []
        for model in self.latest_models(tx):
            for trigger in model.triggers:
                if trigger.kind == kind and trigger.name == name:
                    found.append((model, trigger.start_event_id))
                    break
        return found

    def decisions(self, tx: Transaction) -> DecisionModels | None:
        """The latest version of every deployed DMN model, loaded together (re-read at most
        every `decision_refresh`, and at once after a DMN deployment through this object)."""
        if time.monotonic() - self._decisions_read < self._decision_refresh:
            return self._decisions
        latest: dict[str, Definition] = {}
        for definition in tx.list_definitions():
            if _is_dmn(definition.process_id):
                latest[definition.process_id] = definition
        key = tuple(sorted(d.id for d in latest.values()))
        with self._lock:
            if key != self._decision_key:
                models = [
                    parse_dmn_bytes(d.source.encode("utf-8"), file=d.resource_name)
                    for d in latest.values()
                ]
                try:
                    self._decisions = DecisionModels(models) if models else None
                except DmnError:
                    self._decisions = None
                self._decision_key = key
            self._decisions_read = time.monotonic()
            return self._decisions

    def _model(self, definition: Definition) -> Model:
        model = self._models.get(definition.id)
        if model is not None:
            return model
        with self._lock:
            definitions = self._parsed.get(definition.sha256)
            if definitions is None:
                definitions = parse(
                    definition.source.encode("utf-8"),
                    strict=False,
                    expression_language=self.expression_language,
                    file=definition.resource_name,
                )
                self._parsed[definition.sha256] = definitions
            process = definitions.processes.get(definition.process_id)
            model = Model(
                definition_id=definition.id,
                process_id=definition.process_id,
                version=definition.version,
                definitions=definitions,
                triggers=tuple(
                    t for t in start_triggers(definitions) if t.process_id == definition.process_id
                ),
                needs_decisions=process is not None and _has_business_rules(process),
                trust=definition.trust,
            )
            self._models[definition.id] = model
            return model


def cycle_text(cycle: str | None, remaining: int | None) -> str | None:
    """How a start timer's repetition is kept in the `repeat` column."""
    if cycle is None:
        return None
    return json.dumps({"cycle": cycle, "remaining": remaining})


def read_cycle(repeat: str | None) -> tuple[str | None, int | None]:
    """The cycle and remaining repetitions of a start timer row."""
    if not repeat:
        return None, None
    data = json.loads(repeat)
    return data.get("cycle"), data.get("remaining")


def _is_dmn(process_id: str) -> bool:
    return process_id.startswith(DMN_PREFIX)


def is_process(process_id: str) -> bool:
    """Whether a definition row holds a BPMN process (DMN models, decisions and forms have
    a prefix with a colon, which no BPMN id can hold)."""
    return ":" not in process_id


def _deployed(definition: Definition, created: bool) -> Deployed:
    return Deployed(
        process_id=definition.process_id,
        version=definition.version,
        definition_id=definition.id,
        created=created,
        resource_name=definition.resource_name,
        trust=definition.trust,
    )


def _with_file(problem: Problem, file: str | None) -> Problem:
    if problem.file or file is None:
        return problem
    return Problem(
        severity=problem.severity,
        message=problem.message,
        element_id=problem.element_id,
        line=problem.line,
        file=file,
    )
