"""Running scenarios (`regista.runtime.scenario`) on a fresh `LocalRuntime` each: the
production shell over the memory store with a fake clock. Running never raises for a
model's behaviour but returns a `ScenarioResult` saying why it failed.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from regista.engine import ElementInstance, Status
from regista.feel.values import DaysTimeDuration, YearsMonthsDuration, to_feel, to_string
from regista.model.bpmn import CallActivity, IntermediateCatchEvent, ReceiveTask
from regista.runtime.clock import FakeClock
from regista.runtime.errors import RequestError
from regista.runtime.local import LocalRuntime
from regista.runtime.scenario import (
    Expectation,
    Scenario,
    ScenarioError,
    ScenarioResult,
    Step,
    load_scenarios,
)
from regista.runtime.sources import DeploymentError
from regista.runtime.workers import Workers

__all__ = ["run_scenario"]

_MAX_AUTO = 10_000


class _Failure(Exception):
    def __init__(self, reason: str, step: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.step = step


def run_scenario(
    scenario: Scenario | str | Path,
    *,
    workers: Workers | None = None,
) -> ScenarioResult:
    """Run one scenario (or the only one of a file) in a fresh `LocalRuntime`: the
    production shell over the memory store, where every state goes through JSON.

    `workers` run the service tasks no step completes.
    """
    if not isinstance(scenario, Scenario):
        loaded = load_scenarios(scenario)
        if len(loaded) != 1:
            raise ScenarioError(
                f"the file holds {len(loaded)} scenarios; run each of load_scenarios(path)",
                file=str(scenario),
            )
        scenario = loaded[0]
    with LocalRuntime(FakeClock(), workers=workers, **_settings(scenario)) as runtime:
        return _Run(scenario, runtime).run()


def _settings(scenario: Scenario) -> dict[str, Any]:
    return {"trusted": scenario.trusted, "expression_language": scenario.expression_language}


class _Run:
    def __init__(self, scenario: Scenario, runtime: LocalRuntime) -> None:
        self.sc = scenario
        self.rt = runtime
        self.root = ""
        #: The instances the scenario drives: the one it started, or one per pool of a
        #: collaboration it started (the first is `root`).
        self.roots: list[str] = []
        self.referenced = {
            s.target
            for s in scenario.steps
            if s.action in ("complete", "trigger", "throw_error", "fail")
        }
        self.correlated = {s.target for s in scenario.steps if s.action == "correlate"}

    def result(self, passed: bool, reason: str = "", step: int | None = None) -> ScenarioResult:
        view = self.rt.instance(self.root) if self.root else None
        return ScenarioResult(self.sc.file, self.sc.name, passed, reason, step, view)

    def run(self) -> ScenarioResult:
        try:
            self.deploy_and_start()
            for index, step in enumerate(self.sc.steps):
                self.apply(step)
                following = self.sc.steps[index + 1] if index + 1 < len(self.sc.steps) else None
                self.auto_complete(following)
            if self.sc.expect is not None:
                problems = self.check(self.sc.expect)
                if problems:
                    raise _Failure("final expect: " + "; ".join(problems), None)
        except _Failure as failure:
            return self.result(False, failure.reason, failure.step)
        except Exception as exc:  # an engine bug must not stop the other scenarios
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            return self.result(
                False, f"internal error {type(exc).__name__}: {exc} (at {where})", None
            )
        return self.result(True)

    def deploy_and_start(self) -> None:
        try:
            self.rt.deploy(*self.sc.models)
        except DeploymentError as exc:
            raise _Failure(f"the model cannot be deployed: {exc}", None) from exc
        process = self.sc.process
        collaborations = self.rt.collaboration_ids()
        if process is None and self.sc.start_message is None and len(collaborations) == 1:
            process = collaborations[0]
        if process is not None and process in collaborations:
            try:
                self.roots = self.rt.start_collaboration(
                    process, self.sc.start_variables, business_key=self.sc.business_key
                )
            except RequestError as exc:
                raise _Failure(f"start: {exc}", None) from exc
            self.root = self.roots[0]
            self.auto_complete(self.sc.steps[0] if self.sc.steps else None)
            return
        if process is None and self.sc.start_message is None:
            ids = self.rt.process_ids
            if len(ids) != 1:
                raise _Failure(
                    "the model holds several processes (" + ", ".join(ids) + "); "
                    "name the one to start with `process:`",
                    None,
                )
            process = ids[0]
        try:
            if process is not None:
                self.root = self.rt.start(
                    process,
                    self.sc.start_variables,
                    business_key=self.sc.business_key,
                    message=self.sc.start_message,
                )
            else:
                assert self.sc.start_message is not None
                reached = self.rt.correlate(
                    self.sc.start_message, self.sc.start_key, self.sc.start_variables
                )
                self.root = reached[0]
        except RequestError as exc:
            raise _Failure(f"start: {exc}", None) from exc
        self.roots = [self.root]
        self.auto_complete(self.sc.steps[0] if self.sc.steps else None)

    def root_for(self, element_id: str) -> str:
        """The driven instance in whose tree something waits at `element_id` (the first
        one when none does, for the runtime to say so)."""
        for root in self.roots[1:]:
            try:
                self.rt.waiting_at(root, element_id)
            except RequestError:
                continue
            return root
        return self.root

    def tree(self) -> list[str]:
        """Every instance the scenario drives, with the instances they called."""
        return [member for root in self.roots for member in self.rt.tree(root)]

    def status(self) -> str:
        """The state of what the scenario drives: all its instances' when they agree, else
        an incident or an active instance wins."""
        statuses = [str(self.rt.instance(root).status) for root in self.roots]
        for status in ("incident", "active"):
            if len(set(statuses)) > 1 and status in statuses:
                return status
        return statuses[0]

    def apply(self, step: Step) -> None:
        rt = self.rt
        try:
            if step.action == "expect":
                assert step.expect is not None
                problems = self.check(step.expect)
                if problems:
                    raise _Failure(
                        f"step {step.index} (expect): " + "; ".join(problems), step.index
                    )
            elif step.action == "complete":
                rt.complete_task(self.root_for(step.target), step.target, step.variables)
            elif step.action == "trigger":
                rt.trigger(self.root_for(step.target), step.target, step.variables)
            elif step.action == "throw_error":
                root = self.root_for(step.target)
                rt.throw_error(root, step.target, step.code, step.message, step.variables)
            elif step.action == "fail":
                rt.fail(self.root_for(step.target), step.target, step.message, step.retries)
            elif step.action == "correlate":
                rt.correlate(step.target, step.key, step.variables)
            elif step.action == "signal":
                rt.broadcast_signal(step.target, step.variables)
            elif step.action == "advance":
                rt.advance(step.duration)
        except RequestError as exc:
            raise _Failure(f"step {step.index} ({step.describe()}): {exc}", step.index) from exc

    # -- auto_complete --------------------------------------------------------------------

    def auto_complete(self, following: Step | None) -> None:
        if not self.sc.auto_complete:
            return
        hold: set[str] = set()
        if following and following.expect:
            hold = set(following.expect.active or ()) | set(following.expect.waiting_at or ())
        for _ in range(_MAX_AUTO):
            if not self.complete_one(hold):
                return
        raise _Failure(
            f"auto_complete completed {_MAX_AUTO} tasks without reaching a wait state; "
            "does the model loop?",
            None,
        )

    def complete_one(self, hold: set[str]) -> bool:
        return any(self.complete_one_in(root, hold) for root in self.roots)

    def complete_one_in(self, root: str, hold: set[str]) -> bool:
        rt = self.rt
        skip = self.referenced | hold
        if "service" in self.sc.auto_complete:
            for job in rt.jobs(root):
                if job.element_id not in skip:
                    rt.complete_job(job.id)
                    return True
        if "user" in self.sc.auto_complete:
            for task in rt.tasks(root):
                if task.element_id not in skip:
                    rt.complete_task(task.id)
                    return True
        if "receive" in self.sc.auto_complete:
            for sub in rt.subscriptions(root):
                element = rt.element(sub.instance_id, sub.element_id)
                if (
                    sub.kind == "message"
                    and isinstance(element, ReceiveTask | IntermediateCatchEvent)
                    and sub.element_id not in skip
                    and sub.name not in self.correlated
                ):
                    rt.complete_task(sub.instance_id, sub.element_id)
                    return True
            for member in rt.tree(root):
                for ei in rt.state(member).instances.values():
                    if ei.wait == "trigger" and ei.element_id not in skip:
                        rt.trigger(member, ei.element_id)
                        return True
        return False

    # -- expectations ---------------------------------------------------------------------

    def situation(self) -> str:
        tree = self.tree()
        active = [e for i in tree for e in self.rt.instance(i).active]
        incidents = [x for i in tree for x in self.rt.instance(i).incidents]
        text = f"state {self.status()}"
        text += "; waiting at " + (", ".join(active) if active else "nothing")
        if incidents:
            text += "; incidents: " + "; ".join(f"{x.element_id}: {x.message}" for x in incidents)
        return text

    def waiting(self) -> set[str]:
        """The elements holding a waiting token anywhere in the instance tree, as Camunda
        BPM Assert's `isWaitingAt` sees them: waiting tasks, events, gateways and call
        activities, elements stopped by an incident, a throwing compensation event waiting
        for its handlers, and every subprocess around one of these; never a boundary
        event (it holds no token)."""
        found: set[str] = set()
        for member in self.tree():
            live = {ei.id: ei for ei in self.rt.state(member).element_instances()}
            for ei in live.values():
                if ei.wait is None and ei.status != Status.INCIDENT:
                    continue
                node: ElementInstance | None = ei
                while node is not None and node.role != "process":
                    found.add(node.element_id)
                    node = live.get(node.parent) if node.parent else None
        return found

    def check(self, expect: Expectation) -> list[str]:
        rt = self.rt
        tree = self.tree()
        variables: dict[str, Any] = {}
        for root in self.roots:
            for name, value in rt.instance(root).variables.items():
                variables.setdefault(name, value)
        problems: list[str] = []
        status = self.status()
        if expect.state is not None and status != expect.state:
            problems.append(f"state is {status}, expected {expect.state} ({self.situation()})")
        if expect.active is not None:
            actual: list[str] = []
            calls: set[str] = set()
            for member in tree:
                for element_id in rt.instance(member).active:
                    actual.append(element_id)
                    if isinstance(rt.element(member, element_id), CallActivity):
                        calls.add(element_id)
            wanted = set(expect.active)
            missing = sorted(wanted - set(actual))
            extra = sorted(set(actual) - wanted - calls)
            if missing or extra:
                problems.append(
                    "active elements are ["
                    + ", ".join(dict.fromkeys(actual))
                    + "], expected ["
                    + ", ".join(expect.active)
                    + "]"
                    + (f"; not active: {', '.join(missing)}" if missing else "")
                    + (f"; also active: {', '.join(extra)}" if extra else "")
                )
        if expect.waiting_at is not None:
            waiting = self.waiting()
            missing = [e for e in expect.waiting_at if e not in waiting]
            if missing:
                problems.append(f"nothing waits at {', '.join(missing)} ({self.situation()})")
        passed = [e for root in self.roots for e in rt.passed_in_tree(root)]
        if expect.passed is not None:
            problems.extend(_order_problems(expect.passed, passed))
        if expect.not_passed is not None:
            wrongly = [e for e in expect.not_passed if e in passed]
            if wrongly:
                problems.append(f"passed {', '.join(wrongly)}, expected not to")
        if expect.variables is not None:
            for name, wanted_value in expect.variables.items():
                if name not in variables:
                    problems.append(f"no variable '{name}' (expected {_show(wanted_value)})")
                elif not _same(wanted_value, variables[name]):
                    problems.append(
                        f"variable '{name}' is {_show(variables[name])}, "
                        f"expected {_show(wanted_value)}"
                    )
        if expect.incidents is not None:
            incidents = [x for member in tree for x in rt.instance(member).incidents]
            if len(incidents) != expect.incidents:
                listed = "; ".join(f"{x.element_id}: {x.message}" for x in incidents)
                problems.append(
                    f"{len(incidents)} incidents, expected {expect.incidents}"
                    + (f" ({listed})" if listed else "")
                )
        return problems


def _order_problems(expected: Sequence[str], passed: Sequence[str]) -> list[str]:
    missing = [e for e in expected if e not in passed]
    if missing:
        return [f"never passed {', '.join(missing)} (passed: {', '.join(passed) or 'nothing'})"]
    position = 0
    for element in expected:
        try:
            position = passed.index(element, position) + 1
        except ValueError:
            return [
                f"passed {element} but not in the expected order {', '.join(expected)} "
                f"(passed: {', '.join(passed)})"
            ]
    return []


def _normal(value: Any) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float | Decimal):
        try:
            return Decimal(str(value)).normalize()
        except InvalidOperation:
            return value
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    if isinstance(value, dt.date | dt.time | dt.timedelta | DaysTimeDuration | YearsMonthsDuration):
        return to_string(to_feel(value))
    return value


def _same(expected: Any, actual: Any) -> bool:
    return bool(_normal(expected) == _normal(actual))


def _show(value: Any) -> str:
    normal = _normal(value)
    if isinstance(normal, Decimal):
        return str(normal) if normal != normal.to_integral_value() else str(int(normal))
    return repr(value) if not isinstance(value, str) else f"'{value}'"
