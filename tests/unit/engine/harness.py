"""A tiny driver for `regista.engine.step` in tests, independent of the runtime.

`Harness` applies commands to instances, keeps the jobs, user tasks, timers and
subscriptions the effects asked for, runs called instances (or reports that it cannot),
records published messages and broadcast signals, and moves a fake clock firing due timers.
With `roundtrip=True` every state goes through JSON (`to_json` -> `json` text ->
`from_json`) before the next command, so each scenario also checks that an instance resumes
identically. After each step it checks that the given state was not changed and that
`passed` agrees with the history.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from regista.dmn import DecisionModels
from regista.engine import (
    BroadcastSignal,
    CancelChild,
    CancelJob,
    CancelTimer,
    CancelUserTask,
    ChildCompleted,
    ChildEscalated,
    ChildFailed,
    ChildStartFailed,
    CloseSubscription,
    Command,
    CompleteJob,
    CompleteUserTask,
    Context,
    CorrelateMessage,
    CreateJob,
    CreateUserTask,
    Effect,
    FailJob,
    FireTimer,
    History,
    InstanceState,
    NotifyParent,
    OpenSubscription,
    PublishMessage,
    ResolveIncident,
    RetryJob,
    ScheduleTimer,
    SetVariables,
    StartChild,
    StartInstance,
    ThrowError,
    TriggerSignal,
    step,
)
from regista.feel.values import to_python
from regista.model.bpmn import Definitions

__all__ = ["START", "Harness"]

START = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


class Harness:
    """Runs instances of `definitions` through `step`, playing the shell."""

    def __init__(
        self,
        definitions: Definitions,
        *,
        roundtrip: bool = False,
        trusted: bool = False,
        full_builtins: bool = False,
        decisions: DecisionModels | None = None,
        max_steps: int = 10_000,
        expression_language: str = "feel",
    ) -> None:
        self.definitions = definitions
        self.roundtrip = roundtrip
        self.trusted = trusted
        self.full_builtins = full_builtins
        self.decisions = decisions
        self.max_steps = max_steps
        self.expression_language = expression_language
        self.now = START
        self._ids = itertools.count(1)
        self.states: dict[str, InstanceState] = {}
        self.main: str | None = None
        self.effects: list[Effect] = []
        self.history: dict[str, list[History]] = {}
        self.jobs: dict[str, tuple[str, CreateJob]] = {}
        self.tasks: dict[str, tuple[str, CreateUserTask]] = {}
        self.timers: dict[str, tuple[str, ScheduleTimer]] = {}
        self.subscriptions: dict[str, tuple[str, OpenSubscription]] = {}
        self.children: dict[str, str] = {}
        self.published: list[PublishMessage] = []
        self.signals: list[BroadcastSignal] = []
        self.notified: list[NotifyParent] = []
        self.last: list[Effect] = []

    # -- plumbing ---------------------------------------------------------------------------

    def ctx(self) -> Context:
        return Context(
            now=self.now,
            new_id=lambda: f"id{next(self._ids)}",
            definitions=self.definitions,
            decisions=self.decisions,
            trusted=self.trusted,
            full_builtins=self.full_builtins,
            expression_language=self.expression_language,
            max_steps=self.max_steps,
        )

    @property
    def state(self) -> InstanceState:
        assert self.main is not None, "start an instance first"
        return self.states[self.main]

    def apply(self, command: Command, instance_id: str | None = None) -> list[Effect]:
        """Apply `command` to an instance (the main one by default) and play its effects."""
        if isinstance(command, StartInstance):
            before = None
        else:
            before = self.states[instance_id or self.state.id]
        snapshot = json.dumps(before.to_json(), sort_keys=True) if before else None
        state, effects = step(before, command, self.ctx())
        if before is not None:
            assert json.dumps(before.to_json(), sort_keys=True) == snapshot, "state mutated"
        if self.roundtrip:
            text = json.dumps(state.to_json())
            state = InstanceState.from_json(json.loads(text))
            assert json.dumps(state.to_json()) == text, "JSON round trip is not stable"
        self.states[state.id] = state
        if self.main is None:
            self.main = state.id
        self.last = effects
        self.effects.extend(effects)
        history = self.history.setdefault(state.id, [])
        history.extend(e for e in effects if isinstance(e, History))
        completed = [h.element_id for h in history if h.kind == "element_completed"]
        assert completed == state.passed, "passed and history disagree"
        self._play(state.id, effects)
        return effects

    def _play(self, instance_id: str, effects: list[Effect]) -> None:
        follow_ups: list[tuple[Command, str]] = []
        for effect in effects:
            if isinstance(effect, CreateJob):
                self.jobs[effect.job_id] = (instance_id, effect)
            elif isinstance(effect, RetryJob):  # the same job again, with fewer retries
                owner, job = self.jobs[effect.job_id]
                self.jobs[effect.job_id] = (owner, replace(job, retries=effect.retries))
            elif isinstance(effect, CancelJob):
                self.jobs.pop(effect.job_id, None)
            elif isinstance(effect, CreateUserTask):
                self.tasks[effect.task_id] = (instance_id, effect)
            elif isinstance(effect, CancelUserTask):
                self.tasks.pop(effect.task_id, None)
            elif isinstance(effect, ScheduleTimer):
                self.timers[effect.timer_id] = (instance_id, effect)
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.timer_id, None)
            elif isinstance(effect, OpenSubscription):
                self.subscriptions[effect.subscription_id] = (instance_id, effect)
            elif isinstance(effect, CloseSubscription):
                self.subscriptions.pop(effect.subscription_id, None)
            elif isinstance(effect, PublishMessage):
                self.published.append(effect)
            elif isinstance(effect, BroadcastSignal):
                self.signals.append(effect)
            elif isinstance(effect, StartChild):
                if effect.process_id not in self.definitions.processes:
                    message = f"no process {effect.process_id!r} is deployed"
                    follow_ups.append(
                        (ChildStartFailed(effect.element_instance_id, message), instance_id)
                    )
                    continue
                child = StartInstance(
                    effect.process_id,
                    effect.variables,
                    business_key=effect.business_key,
                    instance_id=f"child{next(self._ids)}",
                    parent=(instance_id, effect.element_instance_id),
                )
                follow_ups.append((child, ""))
            elif isinstance(effect, CancelChild):
                for child_id, parent_ei in list(self.children.items()):
                    if parent_ei == effect.element_instance_id:
                        state = self.states[child_id]
                        if state.status in ("active", "incident"):
                            from regista.engine import Cancel

                            follow_ups.append((Cancel("parent terminated"), child_id))
            elif isinstance(effect, NotifyParent):
                self.notified.append(effect)
                parent_id, ei_id = effect.parent_instance_id, effect.parent_element_instance_id
                command: Command
                if effect.outcome == "completed":
                    command = ChildCompleted(ei_id, effect.variables)
                elif effect.outcome == "error":
                    command = ChildFailed(
                        ei_id, effect.code or "", effect.message, effect.variables
                    )
                elif effect.outcome == "escalation":
                    command = ChildEscalated(ei_id, effect.code or "", effect.variables)
                else:
                    continue
                if self.states[parent_id].status in ("active", "incident"):
                    follow_ups.append((command, parent_id))
        for command, target in follow_ups:
            if isinstance(command, StartInstance):
                assert command.parent is not None and command.instance_id is not None
                self.children[command.instance_id] = command.parent[1]
                self.apply(command)
            else:
                self.apply(command, target)

    # -- driving ----------------------------------------------------------------------------

    def start(
        self,
        process_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> Harness:
        process = process_id or next(iter(self.definitions.processes))
        self.apply(StartInstance(process, dict(variables or {}), **kwargs))
        return self

    def _find(self, table: Mapping[str, tuple[str, Any]], element_id: str, what: str) -> str:
        for key, (_, effect) in table.items():
            if effect.element_id == element_id:
                return key
        open_ = sorted(e.element_id for _, e in table.values())
        raise AssertionError(f"no open {what} at {element_id!r}; open: {open_}")

    def job(self, element_id: str) -> CreateJob:
        return self.jobs[self._find(self.jobs, element_id, "job")][1]

    def complete_job(self, element_id: str, variables: Mapping[str, Any] | None = None) -> None:
        key = self._find(self.jobs, element_id, "job")
        instance_id, _ = self.jobs.pop(key)
        self.apply(CompleteJob(key, dict(variables or {})), instance_id)

    def fail_job(self, element_id: str, retries: int, message: str = "boom") -> None:
        key = self._find(self.jobs, element_id, "job")
        instance_id, _ = self.jobs[key]
        self.apply(FailJob(key, message, retries), instance_id)

    def throw_error(
        self, element_id: str, code: str, variables: Mapping[str, Any] | None = None
    ) -> None:
        key = self._find(self.jobs, element_id, "job")
        instance_id, _ = self.jobs.pop(key)
        self.apply(ThrowError(key, code, "thrown", dict(variables or {})), instance_id)

    def task(self, element_id: str) -> CreateUserTask:
        return self.tasks[self._find(self.tasks, element_id, "user task")][1]

    def complete_task(self, element_id: str, variables: Mapping[str, Any] | None = None) -> None:
        key = self._find(self.tasks, element_id, "user task")
        instance_id, _ = self.tasks.pop(key)
        self.apply(CompleteUserTask(key, dict(variables or {})), instance_id)

    def correlate(
        self, name: str, key: str | None = None, variables: Mapping[str, Any] | None = None
    ) -> None:
        for sub_id, (instance_id, sub) in list(self.subscriptions.items()):
            if sub.kind == "message" and sub.name == name and sub.correlation_key == key:
                self.apply(CorrelateMessage(sub_id, dict(variables or {})), instance_id)
                return
        raise AssertionError(f"no subscription for message {name!r} / {key!r}")

    def signal(self, name: str, variables: Mapping[str, Any] | None = None) -> None:
        targets = [
            (sub_id, instance_id)
            for sub_id, (instance_id, sub) in self.subscriptions.items()
            if sub.kind == "signal" and sub.name == name
        ]
        for sub_id, instance_id in targets:
            if sub_id in self.subscriptions:
                self.apply(TriggerSignal(sub_id, dict(variables or {})), instance_id)

    def advance(self, duration: dt.timedelta) -> None:
        """Move the clock, firing every timer that falls due on the way, in due order."""
        target = self.now + duration
        while True:
            due = sorted(
                (effect.due, key)
                for key, (_, effect) in self.timers.items()
                if effect.due <= target
            )
            if not due:
                break
            when, key = due[0]
            self.now = max(self.now, when)
            instance_id, _ = self.timers.pop(key)
            self.apply(FireTimer(key), instance_id)
        self.now = target

    def set_variables(self, variables: Mapping[str, Any], scope_id: str | None = None) -> None:
        self.apply(SetVariables(dict(variables), scope_id))

    def resolve(self, index: int = 0) -> None:
        self.apply(ResolveIncident(self.state.incidents[index].id))

    # -- reading ----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        return self.state.status

    @property
    def passed(self) -> list[str]:
        return self.state.passed

    @property
    def active(self) -> list[str]:
        return self.state.active_elements()

    @property
    def variables(self) -> dict[str, Any]:
        return {k: to_python(v) for k, v in self.state.variables().items()}

    def kinds(self, effects: list[Effect] | None = None) -> list[str]:
        return [type(e).__name__ for e in (self.last if effects is None else effects)]
