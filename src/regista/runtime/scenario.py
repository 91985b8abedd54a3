"""Scenario tests: YAML files that drive a model through the local runtime and check the
path it took — the format `regista test` runs.

    model: order.bpmn            # relative to the file, or a list of .bpmn/.dmn files
    process: order
    start: {variables: {amount: 1200}}
    steps:
      - expect: {active: [approve]}    # exactly these wait; waiting_at: these wait, others may
      - complete: approve
        variables: {approved: true}
    expect: {state: completed, passed: [approve, charge], variables: {approved: true}}

A file may hold several scenarios as YAML documents separated by `---`. Loading checks the
whole file and raises `ScenarioError` naming the file, line and step index of the first
mistake. `regista.runtime.rehearsal` runs them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regista.engine import Status
from regista.runtime.clock import TimeError, after
from regista.runtime.views import InstanceInfo

__all__ = [
    "Expectation",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Step",
    "find_scenario_files",
    "load_scenarios",
]

ACTIONS = (
    "expect",
    "complete",
    "trigger",
    "throw_error",
    "fail",
    "correlate",
    "signal",
    "advance",
)
STATES = tuple(status.value for status in Status)
AUTO_KINDS = ("service", "user", "receive")
_TOP_KEYS = (
    "name",
    "description",
    "model",
    "process",
    "trusted",
    "expression_language",
    "start",
    "steps",
    "expect",
    "auto_complete",
)
_EXPECT_KEYS = (
    "state",
    "active",
    "waiting_at",
    "passed",
    "not_passed",
    "variables",
    "incidents",
)


class ScenarioError(ValueError):
    """A scenario file that is not valid: names the file, line and step, says what to write."""

    def __init__(
        self, message: str, *, file: str, line: int | None = None, step: int | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.step = step
        where = file + (f":{line}" if line else "")
        at = f" step {step}:" if step is not None else ""
        super().__init__(f"{where}:{at} {message}")


# --- the model of a scenario -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expectation:
    """What should hold at a point of the run; None fields are not checked."""

    state: str | None = None
    active: tuple[str, ...] | None = None
    waiting_at: tuple[str, ...] | None = None
    passed: tuple[str, ...] | None = None
    not_passed: tuple[str, ...] | None = None
    variables: Mapping[str, Any] | None = None
    incidents: int | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """One step: `action` is one of `ACTIONS`; `target` the task id, message or signal name."""

    index: int
    action: str
    target: str = ""
    variables: Mapping[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    retries: int = 0
    key: Any = None
    duration: str = ""
    expect: Expectation | None = None
    line: int | None = None

    def describe(self) -> str:
        """A short label such as `complete approve`."""
        if self.action == "expect":
            return "expect"
        return f"{self.action} {self.target or self.duration}".strip()


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario read from a YAML file (see the module docstring)."""

    file: Path
    name: str
    models: tuple[Path, ...]
    process: str | None = None
    trusted: bool = False
    expression_language: str = "feel"
    start_variables: Mapping[str, Any] = field(default_factory=dict)
    start_message: str | None = None
    start_key: Any = None
    business_key: str | None = None
    steps: tuple[Step, ...] = ()
    expect: Expectation | None = None
    auto_complete: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """The outcome of one scenario: `passed`, else `reason` (and the `step` that failed,
    None for the start or the final expectation)."""

    file: Path
    name: str
    passed: bool
    reason: str = ""
    step: int | None = None
    instance: InstanceInfo | None = None


# --- loading ---------------------------------------------------------------------------


class _Map(dict[str, Any]):
    line: int | None = None


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings remember their line."""


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
    result.line = node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)


def _line(value: Any, default: int | None) -> int | None:
    return value.line if isinstance(value, _Map) else default


class _Reader:
    """Checks one YAML document and builds the `Scenario`."""

    def __init__(self, file: Path, line: int | None) -> None:
        self.file = file
        self.line = line
        self.step: int | None = None

    def error(self, message: str, line: int | None = None) -> ScenarioError:
        return ScenarioError(message, file=str(self.file), line=line or self.line, step=self.step)

    def mapping(self, value: Any, what: str, keys: Sequence[str] | None = None) -> _Map:
        if value is None:
            value = _Map()
        if not isinstance(value, dict):
            raise self.error(f"{what} must be a mapping, not {_kind(value)}")
        result = value if isinstance(value, _Map) else _Map(value)
        if keys is not None:
            unknown = [k for k in result if k not in keys]
            if unknown:
                raise self.error(
                    f"unknown key '{unknown[0]}' in {what}; allowed: {', '.join(keys)}",
                    _line(value, None),
                )
        return result

    def text(self, value: Any, what: str, *, required: bool = True) -> str:
        if value is None and not required:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
            raise self.error(f"{what} must be a non-empty string, not {_kind(value)}")
        return str(value)

    def names(self, value: Any, what: str) -> tuple[str, ...]:
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list):
            raise self.error(f"{what} must be a list of element ids, not {_kind(value)}")
        return tuple(self.text(v, f"each entry of {what}") for v in value)

    def variables(self, value: Any, what: str) -> Mapping[str, Any]:
        return dict(self.mapping(value, what))

    def flag(self, value: Any, what: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(f"{what} must be true or false, not {_kind(value)}")
        return value

    def scenario(self, doc: Any, index: int, count: int) -> Scenario:
        top = self.mapping(doc, "a scenario", _TOP_KEYS)
        if "model" not in top:
            raise self.error("the scenario needs `model:` (a .bpmn file, or a list of files)")
        models = self.models(top["model"])
        language = self.text(top.get("expression_language", "feel"), "expression_language")
        if language not in ("feel", "python"):
            raise self.error("expression_language must be feel or python")
        process = self.text(top.get("process"), "process", required=False) or None
        name = self.text(top.get("name"), "name", required=False) or (
            self.file.stem if count == 1 else f"{self.file.stem} #{index}"
        )
        start = self.mapping(top.get("start"), "start", ("variables", "message", "business_key"))
        message: str | None = None
        key: Any = None
        variables = self.variables(start.get("variables"), "start.variables")
        if "message" in start:
            spec = self.mapping(start["message"], "start.message", ("name", "key", "variables"))
            message = self.text(spec.get("name"), "start.message.name")
            key = spec.get("key")
            variables = {**variables, **self.variables(spec.get("variables"), "message variables")}
        business_key = start.get("business_key")
        steps_value = top.get("steps") or []
        if not isinstance(steps_value, list):
            raise self.error(f"steps must be a list, not {_kind(steps_value)}")
        steps = tuple(self.read_step(s, i) for i, s in enumerate(steps_value, start=1))
        self.step = None
        expect = (
            self.expectation(top["expect"], "expect") if top.get("expect") is not None else None
        )
        auto = top.get("auto_complete") or []
        if isinstance(auto, str):
            auto = [auto]
        if not isinstance(auto, list) or any(a not in AUTO_KINDS for a in auto):
            raise self.error(
                f"auto_complete must be a list of {', '.join(AUTO_KINDS)}, not {auto!r}"
            )
        return Scenario(
            file=self.file,
            name=name,
            models=models,
            process=process,
            trusted=self.flag(top.get("trusted"), "trusted"),
            expression_language=language,
            start_variables=variables,
            start_message=message,
            start_key=key,
            business_key=None if business_key is None else str(business_key),
            steps=steps,
            expect=expect,
            auto_complete=frozenset(auto),
        )

    def models(self, value: Any) -> tuple[Path, ...]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise self.error("model must name at least one file")
        paths = []
        for item in items:
            text = self.text(item, "model")
            path = (self.file.parent / text).resolve()
            if not path.exists():
                raise self.error(f"the model file {text} does not exist (looked at {path})")
            paths.append(path)
        return tuple(paths)

    def expectation(self, value: Any, what: str) -> Expectation:
        spec = self.mapping(value, what, _EXPECT_KEYS)
        state = spec.get("state")
        if state is not None and state not in STATES:
            raise self.error(f"{what}.state must be one of {', '.join(STATES)}, not {state!r}")
        incidents = spec.get("incidents")
        if incidents is not None and (
            isinstance(incidents, bool) or not isinstance(incidents, int)
        ):
            raise self.error(f"{what}.incidents must be a number of incidents")
        return Expectation(
            state=state,
            active=self.names(spec["active"], f"{what}.active") if "active" in spec else None,
            waiting_at=(
                self.names(spec["waiting_at"], f"{what}.waiting_at")
                if "waiting_at" in spec
                else None
            ),
            passed=self.names(spec["passed"], f"{what}.passed") if "passed" in spec else None,
            not_passed=(
                self.names(spec["not_passed"], f"{what}.not_passed")
                if "not_passed" in spec
                else None
            ),
            variables=(
                self.variables(spec["variables"], f"{what}.variables")
                if "variables" in spec
                else None
            ),
            incidents=incidents,
        )

    def read_step(self, value: Any, index: int) -> Step:
        self.step = index
        line = _line(value, self.line)
        if not isinstance(value, dict):
            raise self.error(
                f"a step must be a mapping such as `complete: task_id`, not {_kind(value)}",
                line,
            )
        actions = [k for k in value if k in ACTIONS]
        unknown = [k for k in value if k not in ACTIONS and k != "variables"]
        if unknown:
            raise self.error(
                f"unknown step key '{unknown[0]}'; a step is one of: {', '.join(ACTIONS)}", line
            )
        if len(actions) != 1:
            raise self.error("a step holds exactly one action, one of: " + ", ".join(ACTIONS), line)
        action = actions[0]
        body = value[action]
        if "variables" in value and action not in ("complete", "trigger"):
            raise self.error(
                f"`variables` beside `{action}` is not allowed; put them inside it", line
            )
        if action == "expect":
            return Step(index, action, expect=self.expectation(body, "expect"), line=line)
        if action in ("complete", "trigger"):
            what = "a task id" if action == "complete" else "a receive task id"
            return Step(
                index,
                action,
                target=self.text(body, f"{action} ({what})"),
                variables=self.variables(value.get("variables"), "variables"),
                line=line,
            )
        if action == "advance":
            duration = self.text(body, "advance (an ISO 8601 duration such as PT2H)")
            try:
                after(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), duration)
            except TimeError as exc:
                raise self.error(str(exc), line) from exc
            return Step(index, action, duration=duration, line=line)
        if action == "signal" and isinstance(body, str):
            return Step(index, action, target=body, line=line)
        keys = {
            "throw_error": ("task", "code", "message", "variables"),
            "fail": ("task", "message", "retries"),
            "correlate": ("message", "key", "variables"),
            "signal": ("name", "variables"),
        }[action]
        spec = self.mapping(body, action, keys)
        variables = self.variables(spec.get("variables"), f"{action}.variables")
        if action == "throw_error":
            return Step(
                index,
                action,
                target=self.text(spec.get("task"), "throw_error.task"),
                code=self.text(spec.get("code"), "throw_error.code"),
                message=self.text(spec.get("message"), "throw_error.message", required=False),
                variables=variables,
                line=line,
            )
        if action == "fail":
            retries = spec.get("retries", 0)
            if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
                raise self.error("fail.retries must be a whole number, 0 or more", line)
            return Step(
                index,
                action,
                target=self.text(spec.get("task"), "fail.task"),
                message=self.text(spec.get("message"), "fail.message", required=False)
                or "failed by the scenario",
                retries=retries,
                line=line,
            )
        if action == "correlate":
            return Step(
                index,
                action,
                target=self.text(spec.get("message"), "correlate.message"),
                key=spec.get("key"),
                variables=variables,
                line=line,
            )
        return Step(
            index,
            action,
            target=self.text(spec.get("name"), "signal.name"),
            variables=variables,
            line=line,
        )


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"{type(value).__name__} {value!r}"


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Every scenario of the YAML file at `path` (raises `ScenarioError`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read the file: {exc.strerror or exc}", file=str(file)) from exc
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            f"not valid YAML: {problem}",
            file=str(file),
            line=mark.line + 1 if mark is not None else None,
        ) from exc
    if not docs:
        raise ScenarioError("the file holds no scenario", file=str(file))
    return [
        _Reader(file, _line(doc, None)).scenario(doc, i, len(docs))
        for i, doc in enumerate(docs, start=1)
    ]


def find_scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """The scenario files named, directories searched (recursively) for `*.yaml`/`*.yml`."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            )
        else:
            found.append(path)
    return found
