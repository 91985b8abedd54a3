"""What a simulation draws from: arrivals, task durations, branch shares and capacities,
taken from the history of a definition or given in a YAML file (which wins).

    instances: 1000          # how many cases (the command line wins)
    arrival: PT2M            # mean time between two starts (exponential)
    durations:               # per element id: fixed, {mean: ...} exponential,
      check: PT5M            #   {min: ..., max: ...} uniform; seconds or ISO 8601
      approve: {mean: PT1H}
    branches:                # per exclusive gateway id: share per flow (or target) id
      ok: {Flow_yes: 0.7, Flow_no: 0.3}
    resources:               # capacity per resource (a user task's candidate group,
      clerks: 2              #   else its assignee or element id; a job's type)

From the history, a duration is drawn from the service times recorded for the element,
a branch share is how often each flow out of the gateway was taken, and the arrival the
mean gap between the starts of the cases in scope.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from regista.bpmn import BpmnParseError, parse
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.mining import ACTIVITY_TYPES
from regista.insight.scope import Scope, resolve, source_sql
from regista.model.bpmn import Definitions
from regista.runtime.clock import TimeError, after
from regista.runtime.clock import parse_instant as _instant

__all__ = [
    "Duration",
    "SimulationInput",
    "SimulationInputError",
    "deployed_model",
    "from_history",
    "load_input",
]

_SAMPLES = 1_000
"""How many recorded service times per element a duration draws from."""
_EPOCH = _instant("2030-01-01T00:00:00Z")


class SimulationInputError(InsightError):
    """A simulation file that is not valid: names the file, the line and the field."""

    def __init__(self, path: str, line: int | None, field: str, problem: str) -> None:
        self.path, self.line = path, line
        where = path if line is None else f"{path}, line {line}"
        super().__init__(f"{where}, field {field!r}: {problem}", field=field)


@dataclass(frozen=True, slots=True)
class Duration:
    """How long an element's work takes, in seconds: a fixed value, an exponential with a
    mean, a uniform range, or one of the recorded values."""

    kind: str
    values: tuple[float, ...]

    def draw(self, rnd: random.Random) -> float:
        if self.kind == "fixed":
            return self.values[0]
        if self.kind == "exponential":
            return rnd.expovariate(1 / self.values[0]) if self.values[0] > 0 else 0.0
        if self.kind == "uniform":
            return rnd.uniform(self.values[0], self.values[1])
        return rnd.choice(self.values)

    @property
    def mean(self) -> float:
        if self.kind == "uniform":
            return (self.values[0] + self.values[1]) / 2
        return sum(self.values) / len(self.values) if self.values else 0.0


@dataclass
class SimulationInput:
    """Everything a simulation draws from (see the module docstring)."""

    instances: int | None = None
    arrival: float | None = None
    """Mean seconds between two starts."""
    durations: dict[str, Duration] = field(default_factory=dict)
    branches: dict[str, dict[str, float]] = field(default_factory=dict)
    """Gateway id -> flow (or target) id -> share."""
    capacities: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    """Where the values came from, for the report's notes."""
    places: dict[str, str] = field(default_factory=dict)
    """Element or gateway id -> where the file gives it ("FILE, line N"), for errors."""

    def over(self, base: SimulationInput) -> SimulationInput:
        """These values, and `base`'s where these have none."""
        return SimulationInput(
            self.instances if self.instances is not None else base.instances,
            self.arrival if self.arrival is not None else base.arrival,
            {**base.durations, **self.durations},
            {**base.branches, **self.branches},
            {**base.capacities, **self.capacities},
            [*base.sources, *self.sources],
            {**base.places, **self.places},
        )


# -- the history --------------------------------------------------------------------------------


def from_history(db: EventDatabase, scope: Scope) -> SimulationInput:
    """Durations, branch shares and the arrival rate recorded for the scope."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    kinds = ", ".join(f"'{k}'" for k in ACTIVITY_TYPES)
    samples: dict[str, list[float]] = defaultdict(list)
    rows = db.stream(
        f"""{sql} SELECT activity, ended - started AS service FROM step_rows
        WHERE ended IS NOT NULL AND lifecycle = 'complete'
          AND (element_type IS NULL OR element_type IN ({kinds}))
        ORDER BY activity, case_id, ord""",
        params,
    )
    for row in rows:
        found = samples[str(row["activity"])]
        if len(found) < _SAMPLES:
            found.append(max(0.0, round(float(row["service"]), 3)))
    durations = {a: Duration("recorded", tuple(v)) for a, v in samples.items() if v}
    span = db.one(
        f"{sql} SELECT COUNT(*) AS n, MIN(case_start) AS first, MAX(case_start) AS last FROM cases",
        params,
    )
    n = int(span["n"] or 0)
    arrival = None
    if n > 1 and span["first"] is not None:
        arrival = (float(span["last"]) - float(span["first"])) / (n - 1)
    branches: dict[str, dict[str, float]] = {}
    if not scope.imported:
        taken = db.all(
            f"""{sql} SELECT {db.dialect.json_text("h.data", "flow")} AS flow, COUNT(*) AS n
            FROM history_events h JOIN cases c ON c.case_id = h.instance_id
            WHERE h.kind = 'element_activated' GROUP BY 1""",
            params,
        )
        for row in taken:
            if row["flow"] is not None:
                branches.setdefault("*", {})[str(row["flow"])] = float(row["n"])
    return SimulationInput(
        instances=None,
        arrival=arrival,
        durations=durations,
        branches=branches,
        sources=[f"history: {n} case(s), durations of {len(durations)} element(s)"],
    )


# -- the file ------------------------------------------------------------------------------------


class _Map(dict[str, Any]):
    line: int = 0
    lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    """A safe loader whose mappings remember the line of each key."""


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.lines[str(key)] = key_node.start_mark.line + 1
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)

_FIELDS = ("instances", "arrival", "durations", "branches", "resources")


def load_input(path: Path) -> SimulationInput:
    """The simulation file at `path`; any problem names the file, line and field."""
    name = str(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except OSError as exc:
        raise SimulationInputError(name, None, "-", f"cannot read it: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise SimulationInputError(name, line, "-", f"not valid YAML: {exc}") from None
    if data is None:
        return SimulationInput(sources=[f"file {name}"])
    if not isinstance(data, _Map):
        raise SimulationInputError(
            name, 1, "-", "the file must be a mapping of " + ", ".join(_FIELDS)
        )
    problem = _Problems(name)
    for key in data:
        if key not in _FIELDS:
            problem(data.lines[key], key, "unknown field; the fields are " + ", ".join(_FIELDS))
    found = SimulationInput(sources=[f"file {name}"])
    if "instances" in data:
        value = data["instances"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problem(
                data.lines["instances"], "instances", "write a whole number of cases, 1 or more"
            )
        found.instances = value
    if "arrival" in data:
        found.arrival = _seconds(data["arrival"], data.lines["arrival"], "arrival", problem)
    for element, value in _section(data, "durations", problem).items():
        found.places[element] = f"{name}, line {data['durations'].lines[element]}"
        found.durations[element] = _duration(
            value, data["durations"].lines[element], element, problem
        )
    for gateway, shares in _section(data, "branches", problem).items():
        line = data["branches"].lines[gateway]
        if not isinstance(shares, dict) or not shares:
            problem(line, gateway, "write the share of each flow: {Flow_1: 0.7, Flow_2: 0.3}")
        parsed = {}
        for flow, share in shares.items():
            at = shares.lines[flow] if isinstance(shares, _Map) else line
            if isinstance(share, bool) or not isinstance(share, int | float) or share < 0:
                problem(at, f"{gateway}.{flow}", "a share is a number, 0 or more")
            parsed[str(flow)] = float(share)
            found.places[f"{gateway}.{flow}"] = f"{name}, line {at}"
        if sum(parsed.values()) <= 0:
            problem(line, gateway, "the shares add up to 0; give at least one a share")
        found.branches[gateway] = parsed
        found.places[gateway] = f"{name}, line {line}"
    for resource, capacity in _section(data, "resources", problem).items():
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            problem(
                data["resources"].lines[resource],
                resource,
                "a capacity is a whole number, 1 or more",
            )
        found.capacities[resource] = capacity
    return found


class _Problems:
    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, line: int | None, field_name: str, message: str) -> None:
        raise SimulationInputError(self.path, line, field_name, message)


def _section(data: _Map, key: str, problem: _Problems) -> _Map:
    if key not in data:
        return _Map()
    value = data[key]
    if not isinstance(value, _Map):
        problem(data.lines[key], key, "write a mapping by element, gateway or resource id")
    assert isinstance(value, _Map)
    return value


def _seconds(value: Any, line: int, name: str, problem: _Problems) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        try:
            return (after(_EPOCH, value) - _EPOCH) / dt.timedelta(seconds=1)
        except TimeError as exc:
            problem(line, name, str(exc))
    problem(line, name, "write seconds (90) or an ISO 8601 duration (PT1M30S)")
    raise AssertionError  # unreachable: problem raises


def _duration(value: Any, line: int, name: str, problem: _Problems) -> Duration:
    if isinstance(value, _Map):
        if set(value) == {"mean"}:
            return Duration("exponential", (_seconds(value["mean"], line, name, problem),))
        if set(value) == {"min", "max"}:
            low = _seconds(value["min"], line, name, problem)
            high = _seconds(value["max"], line, name, problem)
            if high < low:
                problem(line, name, "max is before min")
            return Duration("uniform", (low, high))
        problem(line, name, "write a duration, {mean: PT5M} or {min: PT1M, max: PT9M}")
    return Duration("fixed", (_seconds(value, line, name, problem),))


def deployed_model(db: EventDatabase, scope: Scope) -> tuple[Definitions, str]:
    """The deployed definitions of the scope's process (its version, else the latest) and
    the process id."""
    resolve(db, scope)
    rows = db.all(
        "SELECT process_id, version, source FROM definitions "
        "WHERE process_id = :definition OR id = :definition ORDER BY version DESC",
        {"definition": scope.definition},
    )
    chosen = [r for r in rows if scope.version is None or int(r["version"]) == scope.version]
    row = chosen[0]
    try:
        return parse(str(row["source"])), str(row["process_id"])
    except BpmnParseError as exc:
        raise InsightError(
            f"the deployed model of {scope.definition!r} does not parse: {exc}"
        ) from None
