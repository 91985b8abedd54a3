"""The in-memory runtime: the imperative shell around `regista.engine.step`, without a store.

    >>> rt = MemoryRuntime(FakeClock(), workers=workers)        # doctest: +SKIP
    >>> rt.deploy("order.bpmn")                                 # doctest: +SKIP
    >>> iid = rt.start("order", {"amount": 1200})               # doctest: +SKIP
    >>> rt.complete_task(iid, "approve", {"approved": True})    # doctest: +SKIP
    >>> rt.advance("PT2H")                                      # doctest: +SKIP
    >>> rt.instance(iid).status                                 # doctest: +SKIP

Every request becomes one engine command applied to one instance; the effects it returns
are carried out here: jobs go to the registered workers, user tasks wait for
`complete_task`, timers wait in a due-time queue that `advance` fires in order, message and
signal subscriptions wait for `correlate`/`broadcast_signal`, call activities start child
instances and report back to their parent. With `roundtrip=True` each command is applied to
the state after a trip through JSON, proving that a restored instance runs on identically.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from regista.engine import (
    ASYNC_CONTINUATION,
    Activate,
    BroadcastSignal,
    Cancel,
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
    Context,
    CorrelateMessage,
    CreateJob,
    CreateUserTask,
    Effect,
    EngineError,
    FailJob,
    FireTimer,
    History,
    InstanceEnded,
    InstanceState,
    Modify,
    NotifyParent,
    OpenSubscription,
    PublishMessage,
    RaiseIncident,
    ResolveIncident,
    ScheduleTimer,
    SetVariables,
    StartChild,
    StartInstance,
    ThrowError,
    TriggerSignal,
    conditional_starts,
    step,
)
from regista.feel.values import to_feel, to_python
from regista.model.bpmn import Definitions, FlowNode
from regista.runtime.agenda import Agenda, Waiting, completion, correlation_key
from regista.runtime.clock import FakeClock, after, parse_instant, utc
from regista.runtime.deployment import Catalog, Deployment, Source
from regista.runtime.records import (
    BufferedMessage,
    HistoryEntry,
    IncidentView,
    InstanceView,
    JobRecord,
    MemoryRuntimeError,
    StartTimer,
    SubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)
from regista.runtime.workers import Job, Workers, perform

__all__ = ["MemoryRuntime", "MemoryRuntimeError"]

_ENDED = frozenset({"completed", "terminated", "cancelled"})
_BOOKKEEPING = (
    CreateJob,
    CancelJob,
    CreateUserTask,
    CancelUserTask,
    ScheduleTimer,
    CancelTimer,
    OpenSubscription,
    CloseSubscription,
)


def _counter() -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: str(next(numbers))


def _feel(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise MemoryRuntimeError(
            f"variables must be a mapping of names to values, not {type(variables).__name__}"
        )
    return {str(k): to_feel(v) for k, v in variables.items()}


@dataclass(slots=True)
class _Instance:
    state: InstanceState
    definitions: Definitions
    deployment: Deployment
    parent: tuple[str, str] | None = None
    children: list[str] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    detached: bool = False


class MemoryRuntime:
    """Deploys models and runs their instances in memory; see the module docstring.

    `clock` gives "now" (a `FakeClock` lets `advance` move time), `ids` the id source
    (default: "1", "2", ...), `workers` the service-task handlers. `missing_worker` says
    what a job nobody handles does: "wait" (for `complete_job`/`complete_task`) or
    "incident". With `auto_run` (the default) every request ends with `run_until_idle`.
    """

    def __init__(
        self,
        clock: FakeClock | Callable[[], dt.datetime] | None = None,
        *,
        ids: Callable[[], str] | None = None,
        workers: Workers | None = None,
        trusted: bool = False,
        roundtrip: bool = False,
        auto_run: bool = True,
        missing_worker: Literal["wait", "incident"] = "wait",
        message_ttl: dt.timedelta | None = None,
        max_steps: int = 10_000,
        max_rounds: int = 100_000,
    ) -> None:
        self.clock: Callable[[], dt.datetime] = clock if clock is not None else FakeClock()
        self.workers = workers if workers is not None else Workers()
        self.trusted = trusted
        self.roundtrip = roundtrip
        self.auto_run = auto_run
        self.missing_worker = missing_worker
        self.message_ttl = message_ttl
        self.max_steps = max_steps
        self.max_rounds = max_rounds
        self._new_id = ids if ids is not None else _counter()
        self._catalog = Catalog(self._now)
        self._instances: dict[str, _Instance] = {}
        self._agenda = Agenda()
        self._child_of_element: dict[str, str] = {}
        self._queue: deque[Callable[[], None]] = deque()
        self._passed: list[tuple[str, str]] = []
        self._running = False
        #: Commands the runtime sent on its own (a worker's result, a fired timer, a child's
        #: end) that the engine refused, with the reason: a stale timer is harmless, anything
        #: else points at a bug.
        self.rejections: list[tuple[str, Command, str]] = []

    # -- deployment ---------------------------------------------------------------------------

    def deploy(
        self,
        *sources: Source | Iterable[Source],
        trusted: bool | None = None,
        expression_language: str = "feel",
    ) -> Deployment:
        """Deploy BPMN and DMN models (files, directories, XML, parsed models or process
        builders). Every problem of every model is checked first: an error refuses the
        whole deployment with a `DeploymentError` listing them all."""
        flat: list[Source] = []
        for source in sources:
            if isinstance(source, list | tuple):
                flat.extend(source)
            else:
                flat.append(source)  # type: ignore[arg-type]
        deployment = self._catalog.add(
            self._new_id(),
            flat,
            trusted=self.trusted if trusted is None else trusted,
            expression_language=expression_language,
        )
        for process_id in deployment.process_ids:
            self._agenda.drop_start_timers(process_id)
        for definitions, trigger in self._catalog.timer_starts(deployment):
            context = self._make_context(deployment, definitions)
            due, cycle = self._catalog.first_due(definitions, trigger, context)
            start = StartTimer(trigger.process_id, trigger.start_event_id, deployment.id, cycle)
            self._agenda.add_start_timer(self._new_id(), due, trigger.start_event_id, start)
        self._settle()
        return deployment

    @property
    def deployments(self) -> list[Deployment]:
        """Every deployment, oldest first."""
        return list(self._catalog.deployments.values())

    @property
    def process_ids(self) -> list[str]:
        """The ids of the deployed processes."""
        return list(self._catalog.processes)

    # -- starting instances -------------------------------------------------------------------

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
        message: str | None = None,
        start_event_id: str | None = None,
    ) -> str:
        """Start an instance of `process_id`, through its none start event or, with
        `message`, the message start event of that name; returns the instance id. A process
        whose start events are all conditional starts at the one that holds for
        `variables`."""
        values = _feel(variables)
        if message is not None and start_event_id is None:
            start_event_id = self._catalog.start_event(process_id, "message", message)
        elif start_event_id is None:
            start_event_id = self._conditional_start(process_id, values)
        instance_id = self._start_instance(process_id, values, business_key, start_event_id, None)
        self._settle()
        return instance_id

    def _conditional_start(self, process_id: str, variables: dict[str, Any]) -> str | None:
        """The conditional start event to start `process_id` at when it has no none start
        event (None when it has one, or no conditional start event)."""
        deployment, definitions = self._catalog.process(process_id)
        kinds = {t.kind for t in self._catalog.triggers.get(process_id, [])}
        if "none" in kinds or "conditional" not in kinds:
            return None
        context = self._make_context(deployment, definitions)
        found = conditional_starts(definitions, variables, context, process_id)
        if not found:
            raise MemoryRuntimeError(
                f"'{process_id}' starts only by its conditional start events, and none of "
                "their conditions holds for the given variables"
            )
        return found[0].start_event_id

    def _start_instance(
        self,
        process_id: str,
        variables: dict[str, Any],
        business_key: str | None,
        start_event_id: str | None,
        parent: tuple[str, str] | None,
    ) -> str:
        deployment, definitions = self._catalog.process(process_id)
        command = StartInstance(
            process_id=process_id,
            variables=variables,
            start_event_id=start_event_id,
            business_key=business_key,
            instance_id=self._new_id(),
            parent=parent,
        )
        try:
            state, effects = step(None, command, self._make_context(deployment, definitions))
        except EngineError as exc:
            raise MemoryRuntimeError(f"cannot start '{process_id}': {exc}") from exc
        record = _Instance(state, definitions, deployment, parent)
        self._instances[state.id] = record
        if parent is not None and parent[0] in self._instances:
            self._instances[parent[0]].children.append(state.id)
            self._child_of_element[parent[1]] = state.id
        self._passed.extend((state.id, element) for element in state.passed)
        self._carry_out(state.id, effects)
        return state.id

    # -- commands on instances ----------------------------------------------------------------

    def complete_task(
        self,
        target: str,
        element_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Complete a waiting user task, job or receive task: by task id, or by instance id
        and element id (the oldest one waiting there, child instances included)."""
        if element_id is None:
            waiting: Waiting | None = self._agenda.tasks.get(target) or self._agenda.jobs.get(
                target
            )
            if waiting is None:
                raise MemoryRuntimeError(
                    f"no user task or job '{target}' waits; to name a task by its element, "
                    "give the instance id and the element id"
                )
        else:
            waiting = self.waiting_at(target, element_id)
        self._apply(waiting.instance_id, completion(waiting, _feel(variables)))
        self._settle()

    def complete_job(self, job_id: str, variables: Mapping[str, Any] | None = None) -> None:
        """Complete the job `job_id` with `variables`, as a worker would."""
        job = self._job(job_id)
        self._apply(job.instance_id, CompleteJob(job.id, _feel(variables)))
        self._settle()

    def throw_error(
        self,
        instance_id: str,
        element_id: str,
        code: str,
        message: str = "",
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Throw the BPMN error `code` from the job waiting at `element_id`, as a worker
        raising `BpmnError` would."""
        job = self._job_at(instance_id, element_id)
        self._apply(job.instance_id, ThrowError(job.id, code, message, _feel(variables)))
        self._settle()

    def fail(self, instance_id: str, element_id: str, message: str, retries: int = 0) -> None:
        """Fail the job waiting at `element_id` leaving `retries` retries (0: incident)."""
        job = self._job_at(instance_id, element_id)
        self._fail_job(job, message, retries)
        self._settle()

    def correlate(
        self,
        name: str,
        key: Any = None,
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: dt.timedelta | None = None,
    ) -> list[str]:
        """Deliver the message `name` with correlation `key` to every instance waiting for
        it (one subscription per instance), else start the processes with a message start
        event of that name; returns the instance ids reached.

        A subscription without a key takes any key, and no key reaches any subscription.
        When nobody waits the message is kept for `ttl` (or the runtime's `message_ttl`);
        without one it is an error.
        """
        values = _feel(variables)
        reached = self._publish(
            name, correlation_key(key), values, ttl if ttl is not None else self.message_ttl
        )
        if reached is None:
            shown = f"'{name}'" + (f" with key {correlation_key(key)!r}" if key is not None else "")
            raise MemoryRuntimeError(
                f"no instance waits for the message {shown} and no process starts with it; "
                + self._agenda.describe_messages()
            )
        self._settle()
        return reached

    def evaluate_conditions(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        process_id: str | None = None,
        business_key: str | None = None,
    ) -> list[str]:
        """Start an instance (with `variables`) of every deployed process — or only of
        `process_id` — whose conditional start event holds for `variables`, as Camunda's
        "evaluate start conditions"; returns the ids of the instances started."""
        values = _feel(variables)
        if process_id is not None:
            self._catalog.process(process_id)
        started: list[str] = []
        for pid, (deployment, definitions) in list(self._catalog.processes.items()):
            if process_id not in (None, pid):
                continue
            context = self._make_context(deployment, definitions)
            for trigger in conditional_starts(definitions, values, context, pid):
                started.append(
                    self._start_instance(
                        pid, dict(values), business_key, trigger.start_event_id, None
                    )
                )
        self._settle()
        return started

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> list[str]:
        """Deliver the signal `name` to every subscription waiting for it and start the
        processes with a signal start event of that name; returns the instance ids."""
        reached = self._broadcast(name, _feel(variables))
        self._settle()
        return reached

    def cancel(self, instance_id: str, reason: str = "") -> None:
        """Cancel the instance and the instances its call activities started."""
        self._instance(instance_id)
        self._apply(instance_id, Cancel(reason))
        self._settle()

    def modify(
        self,
        instance_id: str,
        *,
        activate: Sequence[Activate] = (),
        terminate: Sequence[str] = (),
    ) -> None:
        """Move tokens: activate elements, then terminate element instances (see
        `regista.engine.modification`)."""
        self._instance(instance_id)
        activations = tuple(
            Activate(a.element_id, _feel(a.variables), a.ancestor) for a in activate
        )
        self._apply(instance_id, Modify(activate=activations, terminate=tuple(terminate)))
        self._settle()

    def set_variables(
        self, instance_id: str, variables: Mapping[str, Any], scope_id: str | None = None
    ) -> None:
        """Set variables of the instance (its root scope by default)."""
        self._apply(instance_id, SetVariables(_feel(variables), scope_id))
        self._settle()

    def resolve_incident(self, instance_id: str, incident_id: str | None = None) -> None:
        """Resolve one incident (by default every open one) of the instance: what failed
        runs again (a failed job is created again)."""
        record = self._instance(instance_id)
        incidents = list(record.state.incidents)
        if incident_id is not None:
            incidents = [i for i in incidents if i.id == incident_id]
            if not incidents:
                raise MemoryRuntimeError(
                    f"instance {instance_id} has no open incident '{incident_id}'"
                )
        for incident in incidents:
            self._apply(instance_id, ResolveIncident(incident.id))
        self._settle()

    # -- time ---------------------------------------------------------------------------------

    def advance(self, duration: str | dt.timedelta) -> None:
        """Move the fake clock on by `duration` (`PT2H`, a timedelta), firing every timer
        that falls due on the way, in due order."""
        self.advance_to(after(self._fake_clock().now, duration))

    def advance_to(self, when: dt.datetime | str) -> None:
        """Move the fake clock to `when`, firing the timers due until then in due order."""
        clock = self._fake_clock()
        target = parse_instant(when) if isinstance(when, str) else utc(when)
        if target < clock.now:
            raise MemoryRuntimeError(
                f"cannot move the clock back from {clock.now.isoformat()} to {target.isoformat()}"
            )
        self._settle()
        while True:
            timer = self._agenda.next_timer(target)
            if timer is None:
                break
            if timer.due > clock.now:
                clock.set(timer.due)
            self._fire(timer)
            self._settle()
        clock.set(target)
        self._settle()

    def _fake_clock(self) -> FakeClock:
        if not isinstance(self.clock, FakeClock):
            raise MemoryRuntimeError("advance needs a FakeClock; this runtime reads a real clock")
        return self.clock

    def _now(self) -> dt.datetime:
        return utc(self.clock())

    def _fire(self, timer: TimerRecord) -> None:
        self._agenda.timers.pop(timer.id, None)
        if timer.start is None:
            if timer.instance_id is not None:
                self._apply(timer.instance_id, FireTimer(timer.id), internal=True)
            return
        start = timer.start
        current = self._catalog.processes.get(start.process_id)
        if current is None or current[0].id != start.deployment_id:
            return
        self._start_instance(start.process_id, {}, None, start.start_event_id, None)
        following = start.cycle.next(timer.due) if start.cycle is not None else None
        if following is not None and following.start is not None:
            self._agenda.add_start_timer(
                self._new_id(),
                following.start,
                timer.element_id,
                StartTimer(start.process_id, start.start_event_id, start.deployment_id, following),
            )

    # -- running ------------------------------------------------------------------------------

    def run_until_idle(self) -> None:
        """Carry out everything that can happen now: child instances, messages and signals
        thrown by the models, due timers, and jobs that have a worker."""
        if self._running:
            return
        self._running = True
        try:
            for _ in range(self.max_rounds):
                if self._queue:
                    self._queue.popleft()()
                    continue
                timer = self._agenda.next_timer(self._now())
                if timer is not None:
                    self._fire(timer)
                    continue
                job = self._agenda.next_job(
                    None
                    if self.missing_worker == "incident"
                    else [*self.workers.types, ASYNC_CONTINUATION]
                )
                if job is None:
                    return
                self._run_job(job)
            raise MemoryRuntimeError(
                f"still busy after {self.max_rounds} rounds: a loop of jobs or timers that "
                "never waits?"
            )
        finally:
            self._running = False

    def _settle(self) -> None:
        if self.auto_run:
            self.run_until_idle()
            return
        if self._running:
            return
        self._running = True
        try:
            while self._queue:
                self._queue.popleft()()
        finally:
            self._running = False

    def _run_job(self, record: JobRecord) -> None:
        if record.type == ASYNC_CONTINUATION:
            # An asynchronous continuation: in memory there is no transaction to end, so
            # the runtime goes on at once.
            self._apply(record.instance_id, CompleteJob(record.id, {}), internal=True)
            return
        handler = self.workers.handler(record.type)
        if handler is None:
            self._fail_job(
                record,
                f"no worker handles jobs of type '{record.type}' (task '{record.element_id}'); "
                f"register one with @worker('{record.type}')",
                0,
            )
            return
        instance = self._instances[record.instance_id]
        job = Job(
            id=record.id,
            type=record.type,
            instance_id=record.instance_id,
            element_id=record.element_id,
            element_instance_id=record.element_instance_id,
            variables=to_python(dict(record.variables)),
            headers=dict(record.headers),
            retries=record.retries,
            process_id=instance.state.process_id,
            business_key=instance.state.business_key,
        )
        outcome = perform(handler, job)
        if outcome.kind == "completed":
            command: Command = CompleteJob(record.id, _feel(outcome.variables))
        elif outcome.kind == "error":
            command = ThrowError(record.id, outcome.code, outcome.message, _feel(outcome.variables))
        else:
            self._fail_job(record, outcome.message, record.retries - 1)
            return
        self._apply(record.instance_id, command, internal=True)

    def _fail_job(self, record: JobRecord, message: str, retries: int) -> None:
        command = FailJob(record.id, message, max(retries, 0))
        self._apply(record.instance_id, command, internal=True)

    # -- applying commands and carrying out effects ---------------------------------------

    def _make_context(self, deployment: Deployment, definitions: Definitions) -> Context:
        return Context(
            now=self._now(),
            new_id=self._new_id,
            definitions=definitions,
            decisions=self._catalog.decisions,
            trusted=deployment.trusted,
            expression_language=deployment.expression_language,
            max_steps=self.max_steps,
        )

    def _apply(self, instance_id: str, command: Command, *, internal: bool = False) -> bool:
        record = self._instance(instance_id)
        state = record.state
        if self.roundtrip:
            state = InstanceState.from_json(json.loads(json.dumps(state.to_json())))
        before = len(state.passed)
        try:
            new_state, effects = step(
                state, command, self._make_context(record.deployment, record.definitions)
            )
        except EngineError as exc:
            if internal:
                self.rejections.append((instance_id, command, str(exc)))
                return False
            raise MemoryRuntimeError(f"instance {instance_id}: {exc}") from exc
        record.state = new_state
        self._agenda.consumed(command)
        self._passed.extend((instance_id, element) for element in new_state.passed[before:])
        self._carry_out(instance_id, effects)
        return True

    def _carry_out(self, instance_id: str, effects: Iterable[Effect]) -> None:
        record = self._instances[instance_id]
        now = self._now()
        for effect in effects:
            if isinstance(effect, _BOOKKEEPING):
                opened = self._agenda.record(instance_id, effect)
                if opened is not None and opened.kind == "message" and self._agenda.buffer:
                    self._queue.append(partial(self._take_buffered, opened))
            elif isinstance(effect, PublishMessage):
                self._queue.append(
                    partial(
                        self._publish_quietly,
                        effect.name,
                        correlation_key(effect.correlation_key),
                        dict(effect.variables),
                    )
                )
            elif isinstance(effect, BroadcastSignal):
                self._queue.append(partial(self._broadcast_quietly, effect.name, effect.variables))
            elif isinstance(effect, StartChild):
                self._queue.append(partial(self._start_child, instance_id, effect))
            elif isinstance(effect, CancelChild):
                child = self._child_of_element.get(effect.element_instance_id)
                if child is not None:
                    self._queue.append(partial(self._cancel_child, child))
            elif isinstance(effect, NotifyParent):
                if not record.detached:
                    self._queue.append(partial(self._notify_parent, effect))
            elif isinstance(effect, History):
                record.history.append(
                    HistoryEntry(
                        time=now,
                        instance_id=instance_id,
                        kind=effect.kind,
                        element_id=effect.element_id,
                        element_instance_id=effect.element_instance_id,
                        data=dict(effect.data),
                    )
                )
            elif isinstance(effect, InstanceEnded):
                self._agenda.drop(instance_id)
                for child in record.children:
                    self._queue.append(partial(self._cancel_child, child))
            elif isinstance(effect, RaiseIncident):
                pass  # the state holds the incident; `instance()` shows it

    def _start_child(self, parent_id: str, effect: StartChild) -> None:
        parent = self._instances.get(parent_id)
        if parent is None or parent.state.status in _ENDED:
            return
        try:
            self._start_instance(
                effect.process_id,
                dict(effect.variables),
                effect.business_key,
                None,
                (parent_id, effect.element_instance_id),
            )
        except MemoryRuntimeError as exc:
            self._apply(
                parent_id, ChildStartFailed(effect.element_instance_id, str(exc)), internal=True
            )

    def _notify_parent(self, effect: NotifyParent) -> None:
        parent = self._instances.get(effect.parent_instance_id)
        if parent is None or parent.state.status in _ENDED:
            return
        variables = dict(effect.variables)
        element = effect.parent_element_instance_id
        command: Command
        if effect.outcome == "error":
            command = ChildFailed(element, effect.code or "", effect.message, variables)
        elif effect.outcome == "escalation":
            command = ChildEscalated(element, effect.code or "", variables)
        else:
            command = ChildCompleted(element, variables)
        self._apply(effect.parent_instance_id, command, internal=True)

    def _cancel_child(self, child_id: str) -> None:
        child = self._instances.get(child_id)
        if child is None or child.state.status in _ENDED:
            return
        child.detached = True
        self._apply(child_id, Cancel("the calling activity ended"), internal=True)

    def _publish(
        self,
        name: str,
        key: str | None,
        variables: dict[str, Any],
        ttl: dt.timedelta | None,
        *,
        internal: bool = False,
    ) -> list[str] | None:
        reached: list[str] = []
        for sub in self._agenda.matching("message", name, key):
            if self._apply(sub.instance_id, CorrelateMessage(sub.id, variables), internal=internal):
                reached.append(sub.instance_id)
        if not reached:
            for process_id, start_event_id in self._catalog.starts("message", name):
                reached.append(
                    self._start_instance(process_id, variables, key, start_event_id, None)
                )
        if reached:
            return reached
        if ttl:
            self._agenda.keep(BufferedMessage(name, key, variables, self._now() + ttl))
            return []
        return None

    def _publish_quietly(self, name: str, key: str | None, variables: dict[str, Any]) -> None:
        self._publish(name, key, variables, self.message_ttl, internal=True)

    def _take_buffered(self, subscription: SubscriptionRecord) -> None:
        if subscription.id not in self._agenda.subscriptions:
            return
        message = self._agenda.take_buffered(subscription, self._now())
        if message is not None:
            self._apply(
                subscription.instance_id,
                CorrelateMessage(subscription.id, dict(message.variables)),
                internal=True,
            )

    def _broadcast(self, name: str, variables: Mapping[str, Any]) -> list[str]:
        reached: list[str] = []
        for sub in self._agenda.matching("signal", name, None):
            if sub.id not in self._agenda.subscriptions:
                continue  # an earlier delivery closed it
            if self._apply(sub.instance_id, TriggerSignal(sub.id, dict(variables)), internal=True):
                reached.append(sub.instance_id)
        for process_id, start_event_id in self._catalog.starts("signal", name):
            reached.append(
                self._start_instance(process_id, dict(variables), None, start_event_id, None)
            )
        return reached

    def _broadcast_quietly(self, name: str, variables: Mapping[str, Any]) -> None:
        self._broadcast(name, variables)

    # -- lookups ------------------------------------------------------------------------------

    def _instance(self, instance_id: str) -> _Instance:
        try:
            return self._instances[instance_id]
        except KeyError:
            raise MemoryRuntimeError(f"no instance '{instance_id}'") from None

    def _job(self, job_id: str) -> JobRecord:
        try:
            return self._agenda.jobs[job_id]
        except KeyError:
            raise MemoryRuntimeError(f"no job '{job_id}' waits") from None

    def tree(self, instance_id: str) -> list[str]:
        """The instance and, depth first, every instance its call activities started."""
        out: list[str] = []
        pending = [instance_id]
        while pending:
            current = pending.pop(0)
            out.append(current)
            pending[0:0] = self._instance(current).children
        return out

    def waiting_at(self, instance_id: str, element_id: str) -> Waiting:
        """The oldest user task, job or subscription waiting at `element_id` in the
        instance or in an instance it called."""
        waiting = self._agenda.waiting_at(self.tree(instance_id), element_id)
        if waiting is None:
            raise MemoryRuntimeError(self._nothing_at(instance_id, element_id))
        return waiting

    def _job_at(self, instance_id: str, element_id: str) -> JobRecord:
        job = self._agenda.job_at(self.tree(instance_id), element_id)
        if job is None:
            raise MemoryRuntimeError(
                self._nothing_at(instance_id, element_id, "job (service, send or script task)")
            )
        return job

    def _nothing_at(self, instance_id: str, element_id: str, what: str = "task") -> str:
        active = [
            e for member in self.tree(instance_id) for e in self.state(member).active_elements()
        ]
        return (
            f"no {what} waits at '{element_id}' in instance {instance_id}; "
            + ("waiting: " + ", ".join(active) if active else "nothing waits")
            + f" (state {self.state(instance_id).status})"
        )

    # -- inspection ---------------------------------------------------------------------------

    def state(self, instance_id: str) -> InstanceState:
        """The engine state of the instance (serialisable with `to_json`)."""
        return self._instance(instance_id).state

    def instance(self, instance_id: str) -> InstanceView:
        """A plain-Python snapshot of the instance."""
        record = self._instance(instance_id)
        state = record.state
        return InstanceView(
            id=state.id,
            process_id=state.process_id,
            business_key=state.business_key,
            status=state.status,
            variables=to_python(dict(state.variables())),
            active=list(state.active_elements()),
            passed=list(state.passed),
            incidents=[
                IncidentView(
                    id=i.id,
                    instance_id=state.id,
                    element_id=i.element_id,
                    message=i.message,
                    job_id=i.job_id,
                )
                for i in state.incidents
            ],
            history=list(record.history),
            parent_id=record.parent[0] if record.parent else None,
            children=list(record.children),
        )

    def instances(self) -> list[InstanceView]:
        """Every instance, in start order."""
        return [self.instance(i) for i in self._instances]

    def passed_in_tree(self, instance_id: str) -> list[str]:
        """The elements completed in the instance and the instances it called, in the order
        they completed."""
        members = set(self.tree(instance_id))
        return [element for owner, element in self._passed if owner in members]

    def element(self, instance_id: str, element_id: str) -> FlowNode | None:
        """The model element `element_id` of the instance's process."""
        record = self._instance(instance_id)
        process = record.definitions.processes.get(record.state.process_id)
        return process.elements.get(element_id) if process is not None else None

    def tasks(self, instance_id: str | None = None) -> list[UserTaskRecord]:
        """The user tasks waiting (of one instance tree, or all), oldest first."""
        return self._agenda.tasks_of(self.tree(instance_id) if instance_id else None)

    def jobs(self, instance_id: str | None = None) -> list[JobRecord]:
        """The jobs waiting or failed (of one instance tree, or all), oldest first."""
        return self._agenda.jobs_of(self.tree(instance_id) if instance_id else None)

    def timers(self, instance_id: str | None = None) -> list[TimerRecord]:
        """The scheduled timers (of one instance tree, or all with the timer start
        events), earliest first."""
        return self._agenda.timers_of(self.tree(instance_id) if instance_id else None)

    def subscriptions(self, instance_id: str | None = None) -> list[SubscriptionRecord]:
        """The open message and signal subscriptions (of one instance tree, or all)."""
        return self._agenda.subscriptions_of(self.tree(instance_id) if instance_id else None)
