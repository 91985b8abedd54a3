"""The local runtime: the durable shell over a store in this process, driven until idle.

    >>> rt = LocalRuntime(FakeClock(), workers=workers)         # doctest: +SKIP
    >>> rt.deploy("order.bpmn")                                 # doctest: +SKIP
    >>> iid = rt.start("order", {"amount": 1200})               # doctest: +SKIP
    >>> rt.complete_task(iid, "approve", {"approved": True})    # doctest: +SKIP
    >>> rt.advance("PT2H")                                      # doctest: +SKIP
    >>> rt.instance(iid).status                                 # doctest: +SKIP

There is one runtime: this class is a `Client` and an engine `Node` sharing one `Shell`,
over the memory store by default, with a fake clock. After every request it runs the
node until nothing is left to do now (due timers, jobs of the registered workers, the
outbox, asynchronous continuations), so a request returns when the instance waits again.
`regista run`, `regista test` and `regista.testing` all go through it, so they exercise
the path production runs — including a JSON round trip of every state, which the store
keeps as text.

Jobs of a type no worker handles wait for `complete_job` / `complete_task` (or, with
`missing_worker="incident"`, fail at once with an incident); failed jobs are retried
without a back-off unless `options` says otherwise; a message nobody waits for is an
error unless it has a time to live.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from regista.engine import RUNNING, Activate, InstanceState
from regista.model.bpmn import FlowNode
from regista.runtime import outbox
from regista.runtime.clock import FakeClock, after, parse_instant, utc
from regista.runtime.collaborations import find_collaboration, pools_to_start
from regista.runtime.definitions import Deployed, Source, flatten_sources
from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.node import Node
from regista.runtime.options import RuntimeOptions
from regista.runtime.shell import Clock, Shell
from regista.runtime.sla import is_sla_timer
from regista.runtime.views import (
    IncidentInfo,
    InstanceInfo,
    TaskInfo,
    incident_info,
    read_instance,
    task_info,
)
from regista.runtime.workers import Workers, WorkResult
from regista.store import HistoryEvent, Job, Outcome, Store, Subscription, Timer, open_store
from regista.store.memory import MemoryStore

__all__ = ["LocalRuntime", "Waiting"]

#: What waits at an element: a user task, a job or a message/signal subscription.
Waiting = TaskInfo | Job | Subscription

_OPEN_JOB = ("ready", "claimed", "failed")
_ALL = 1_000_000_000
_WORKER = "local"


class LocalRuntime:
    """Deploys models and runs their instances in this process; see the module docstring.

    `clock` gives "now" (a `FakeClock` lets `advance` move time), `workers` the service-task
    handlers, `store` the database (default: a new memory store, closed with the runtime).
    `missing_worker` says what a job nobody handles does: "wait" (for `complete_job`) or
    "incident". `trusted` deploys every model as trusted (its Python runs, with the
    restricted builtins unless `full_builtins`): the user runs their own models here.
    `options` replaces the runtime options built from `expression_language`, `max_steps`
    and `message_ttl`.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        *,
        workers: Workers | None = None,
        store: Store | None = None,
        trusted: bool = False,
        full_builtins: bool = False,
        expression_language: str = "feel",
        missing_worker: Literal["wait", "incident"] = "wait",
        message_ttl: dt.timedelta | None = None,
        max_steps: int = 10_000,
        max_rounds: int = 100_000,
        options: RuntimeOptions | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else FakeClock()
        self.workers = workers if workers is not None else Workers()
        self.missing_worker = missing_worker
        self.max_rounds = max_rounds
        self.trust = ("full" if full_builtins else "trusted") if trusted else "untrusted"
        self._owns_store = store is None
        self.store: Store = store if store is not None else MemoryStore()
        if options is None:
            options = RuntimeOptions(
                expression_language=expression_language,
                max_steps=max_steps,
                message_ttl=message_ttl or dt.timedelta(0),
                retry_backoff=dt.timedelta(0),
            )
        self.shell = Shell(self.store, options=options, clock=self.clock)
        self.node = Node(self.shell, self.workers, node_id=_WORKER)

    @classmethod
    def open(cls, database_url: str, **kwargs: Any) -> LocalRuntime:
        """A local runtime over the database `database_url` names (its schema upgraded)."""
        from regista.settings import Settings

        return cls(store=open_store(Settings(database_url=database_url)), **kwargs)

    def close(self) -> None:
        """Release the store (when the runtime opened it)."""
        self.node.close()
        self.shell.close()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> LocalRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> dt.datetime:
        return self.shell.now()

    # -- deployment and starts --------------------------------------------------------------

    def deploy(self, *sources: Source | Iterable[Source]) -> list[Deployed]:
        """Deploy BPMN and DMN models (files, directories, XML, parsed models or process
        builders). Every problem of every model is checked first: an error refuses the
        whole deployment with a `DeploymentError` listing them all."""
        deployed = self.shell.deploy(flatten_sources(sources), trust=self.trust, authorized=True)
        self.run_until_idle()
        return deployed

    @property
    def process_ids(self) -> list[str]:
        """The ids of the deployed processes."""
        with self.store.transaction(write=False) as tx:
            return [m.process_id for m in self.shell.models.latest_models(tx)]

    def is_executable(self, process_id: str) -> bool:
        """Whether the latest version of `process_id` is marked executable."""
        with self.store.transaction(write=False) as tx:
            model = self.shell.models.latest(tx, process_id)
        process = model.definitions.processes.get(process_id)
        return process is not None and process.is_executable

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
        message: str | None = None,
        start_event_id: str | None = None,
        version: int | None = None,
    ) -> str:
        """Start an instance of `process_id` (see `Client.start`); returns its id once it
        waits."""
        instance_id = self.shell.start(
            process_id,
            variables,
            business_key=business_key,
            message=message,
            start_event_id=start_event_id,
            version=version,
        )
        self.run_until_idle()
        return instance_id

    def start_collaboration(
        self,
        collaboration_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
    ) -> list[str]:
        """Start a collaboration: an instance of each executable pool with a none start
        event (see `regista.runtime.collaborations`), all with `variables`; their ids."""
        with self.store.transaction(write=False) as tx:
            models = [m.definitions for m in self.shell.models.latest_models(tx)]
        found = find_collaboration(models, collaboration_id)
        if found is None:
            raise NotFoundError(f"no collaboration {collaboration_id!r} is deployed")
        pools = pools_to_start(*found)
        if not pools:
            raise RequestError(
                f"the collaboration {collaboration_id!r} has no executable pool with a none "
                "start event to start; start its processes by their messages instead"
            )
        ids = [self.shell.start(p, variables, business_key=business_key) for p in pools]
        self.run_until_idle()
        return ids

    def collaboration_ids(self) -> list[str]:
        """The ids of the deployed collaborations."""
        with self.store.transaction(write=False) as tx:
            models = [m.definitions for m in self.shell.models.latest_models(tx)]
        return list(dict.fromkeys(c.id for d in models for c in d.collaborations))

    def evaluate_conditions(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        process_id: str | None = None,
        business_key: str | None = None,
    ) -> list[str]:
        """Start every process (or only `process_id`) whose conditional start event holds
        for `variables`; returns the ids of the instances started."""
        started = self.shell.evaluate_conditions(
            variables, process_id=process_id, business_key=business_key
        )
        self.run_until_idle()
        return started

    # -- commands ---------------------------------------------------------------------------

    def complete_task(
        self,
        target: str,
        element_id: str | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Complete what waits: a user task or job by its id, or — given an instance id and
        an element id — the oldest user task, job or message/signal wait at that element
        in the instance or an instance it called, or a receive task without a message
        there (triggered)."""
        if element_id is None:
            with self.store.transaction(write=False) as tx:
                task = tx.get_user_task(target)
                job = None if task is not None else tx.get_job(target)
            if task is not None and task.status == "open":
                self.shell.complete_user_task(target, variables)
                self.run_until_idle()
                return
            if job is None or job.status not in _OPEN_JOB:
                raise RequestError(
                    f"no user task or job '{target}' waits; to name a task by its element, "
                    "give the instance id and the element id"
                )
            waiting: Waiting = job
        else:
            triggered = self._triggerable(target, element_id)
            if triggered is not None and not self._waits_otherwise(target, element_id):
                self.shell.trigger(triggered, element_id, variables)
                self.run_until_idle()
                return
            waiting = self.waiting_at(target, element_id)
        if isinstance(waiting, TaskInfo):
            self.shell.complete_user_task(waiting.id, variables)
        elif isinstance(waiting, Job):
            self._report(waiting.id, WorkResult("completed", dict(variables or {})))
        else:
            self.shell.deliver(waiting.id, variables)
        self.run_until_idle()

    def trigger(
        self,
        instance_id: str,
        element_id: str,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        """Trigger the receive task without a message at `element_id` in the instance or
        an instance it called (its oldest waiting token goes on with `variables`)."""
        member = self._triggerable(instance_id, element_id)
        if member is None:
            raise RequestError(
                self._nothing_at(
                    instance_id, element_id, "receive task without a message (to trigger)"
                )
            )
        self.shell.trigger(member, element_id, variables)
        self.run_until_idle()

    def _triggerable(self, instance_id: str, element_id: str) -> str | None:
        """The instance of the tree where `element_id` waits to be triggered, if any."""
        for member in self.tree(instance_id):
            state = self.state(member)
            if any(
                ei.element_id == element_id and ei.wait == "trigger"
                for ei in state.instances.values()
            ):
                return member
        return None

    def _waits_otherwise(self, instance_id: str, element_id: str) -> bool:
        try:
            self.waiting_at(instance_id, element_id)
        except RequestError:
            return False
        return True

    def complete_job(self, job_id: str, variables: Mapping[str, Any] | None = None) -> None:
        """Complete the job `job_id` with `variables`, as a worker would."""
        self._report(job_id, WorkResult("completed", dict(variables or {})))
        self.run_until_idle()

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
        self._report(job.id, WorkResult("error", dict(variables or {}), code, message))
        self.run_until_idle()

    def fail(self, instance_id: str, element_id: str, message: str, retries: int = 0) -> None:
        """Fail the job waiting at `element_id` leaving `retries` retries (0: incident)."""
        job = self._job_at(instance_id, element_id)
        self._report(job.id, WorkResult("failed", message=message, retries=retries))
        self.run_until_idle()

    def _report(self, job_id: str, result: WorkResult) -> None:
        outcome = self.shell.report_job(job_id, result, _WORKER)
        if outcome is not Outcome.APPLIED:
            raise RequestError(f"the job {job_id!r} could not be reported ({outcome})")

    def correlate(
        self,
        name: str,
        key: Any = None,
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: dt.timedelta | None = None,
    ) -> list[str]:
        """Publish the message `name` with correlation `key` (see `Client.correlate`): the
        oldest instance waiting for it takes it, else the processes it starts start, else
        it is kept for `ttl`; with neither, it is an error. Returns the instances reached."""
        correlation = self.shell.correlate(name, key, variables, ttl=ttl)
        if not correlation.instance_ids and correlation.buffered_id is None:
            shown = f"'{name}'" + (f" with key {key!r}" if key is not None else "")
            raise RequestError(
                f"no instance waits for the message {shown} and no process starts with it; "
                + self._awaited_messages()
            )
        self.run_until_idle()
        return list(correlation.instance_ids)

    def _awaited_messages(self) -> str:
        awaited = sorted(
            f"'{s.name}'" + (f" (key {s.correlation_key!r})" if s.correlation_key else "")
            for s in self.subscriptions()
            if s.kind == "message"
        )
        return "awaited: " + ", ".join(awaited) if awaited else "no message is awaited"

    def broadcast_signal(self, name: str, variables: Mapping[str, Any] | None = None) -> list[str]:
        """Deliver the signal `name` to every instance waiting for it and start the
        processes with a signal start event of that name; returns the instance ids."""
        reached = self.shell.signal(name, variables)
        self.run_until_idle()
        return reached

    def cancel(self, instance_id: str, reason: str = "") -> None:
        """Cancel the instance and the instances its call activities started."""
        self.shell.cancel(instance_id, reason)
        self.run_until_idle()

    def modify(
        self,
        instance_id: str,
        *,
        activate: Sequence[Activate] = (),
        terminate: Sequence[str] = (),
    ) -> None:
        """Move tokens (see `Client.modify`)."""
        self.shell.modify(instance_id, activate=activate, terminate=terminate)
        self.run_until_idle()

    def migrate(
        self,
        instance_id: str,
        *,
        version: int | None = None,
        mappings: Mapping[str, str] | None = None,
    ) -> int:
        """Move a running instance to another version of its process (see
        `Client.migrate`); returns the version it now runs."""
        moved = self.shell.migrate(instance_id, version=version, mappings=mappings)
        self.run_until_idle()
        return moved

    def set_variables(
        self, instance_id: str, variables: Mapping[str, Any], scope_id: str | None = None
    ) -> None:
        """Set variables of the instance (its root scope by default)."""
        self.shell.set_variables(instance_id, variables, scope_id=scope_id)
        self.run_until_idle()

    def resolve_incident(self, instance_id: str, incident_id: str | None = None) -> None:
        """Resolve one incident (by default every open one) of the instance: what failed
        runs again."""
        open_ids = [i.id for i in self.incidents(instance_id)]
        if incident_id is not None:
            if incident_id not in open_ids:
                raise NotFoundError(f"instance {instance_id} has no open incident '{incident_id}'")
            open_ids = [incident_id]
        for found in open_ids:
            self.shell.resolve_incident(found)
        self.run_until_idle()

    # -- time and running ---------------------------------------------------------------------

    def advance(self, duration: str | dt.timedelta) -> None:
        """Move the fake clock on by `duration` (`PT2H`, a timedelta), firing every timer
        that falls due on the way, in due order, each at its due time."""
        self.advance_to(after(self._fake_clock().now, duration))

    def advance_to(self, when: dt.datetime | str) -> None:
        """Move the fake clock to `when`, firing the timers due until then in due order."""
        clock = self._fake_clock()
        target = parse_instant(when) if isinstance(when, str) else utc(when)
        if target < clock.now:
            raise RequestError(
                f"cannot move the clock back from {clock.now.isoformat()} to {target.isoformat()}"
            )
        self.run_until_idle()
        while True:
            due = self.store.next_timer_due()
            if due is None or due > target or due <= clock.now:
                break  # (a timer due now that did not fire is not fired by moving time)
            clock.set(due)
            self.run_until_idle()
        clock.set(target)
        self.run_until_idle()

    def _fake_clock(self) -> FakeClock:
        if not isinstance(self.clock, FakeClock):
            raise RequestError("advance needs a FakeClock; this runtime reads a real clock")
        return self.clock

    def run_until_idle(self) -> None:
        """Carry out everything that can happen now: due timers, jobs that have a worker,
        the outbox (messages and signals thrown, child instances) and asynchronous
        continuations; with `missing_worker="incident"`, jobs nobody handles fail."""
        for _ in range(self.max_rounds):
            self.node.run_until_idle(self.max_rounds)
            if self.missing_worker != "incident" or not self._fail_unhandled():
                return
        raise RequestError(f"still busy after {self.max_rounds} rounds: a loop that never waits?")

    def _fail_unhandled(self) -> bool:
        handled = set(self.workers.types)
        unhandled = [
            job for job in self.jobs() if job.status == "ready" and job.type not in handled
        ]
        for job in unhandled:
            message = (
                f"no worker handles jobs of type '{job.type}' (task '{job.element_id}'); "
                f"register one with @worker('{job.type}')"
            )
            self._report(job.id, WorkResult("failed", message=message, retries=0))
        return bool(unhandled)

    # -- inspection ---------------------------------------------------------------------------

    def instance(self, instance_id: str) -> InstanceInfo:
        """A plain-Python snapshot of the instance (see `Client.instance`)."""
        with self.store.transaction(write=False) as tx:
            return read_instance(tx, self.shell.models, instance_id)

    def instances(self) -> list[InstanceInfo]:
        """Every instance, in start order."""
        with self.store.transaction(write=False) as tx:
            rows = tx.list_instances(limit=_ALL)
            return [read_instance(tx, self.shell.models, row.id) for row in rows]

    def state(self, instance_id: str) -> InstanceState:
        """The engine state of the instance (serialisable with `to_json`)."""
        with self.store.transaction(write=False) as tx:
            row = tx.get_instance(instance_id)
        if row is None:
            raise NotFoundError(f"there is no process instance {instance_id!r}")
        return InstanceState.from_json(row.state)

    def history(self, instance_id: str) -> list[HistoryEvent]:
        """The audit trail of the instance, in order."""
        with self.store.transaction(write=False) as tx:
            return tx.history(instance_id)

    def incidents(self, instance_id: str | None = None) -> list[IncidentInfo]:
        """The open incidents (of one instance, or all), oldest first."""
        with self.store.transaction(write=False) as tx:
            found = tx.list_open_incidents(instance_id=instance_id, limit=_ALL)
        return [incident_info(i) for i in found]

    def tree(self, instance_id: str) -> list[str]:
        """The instance and, depth first, every instance its call activities started."""
        out: list[str] = []
        with self.store.transaction(write=False) as tx:
            if tx.get_instance(instance_id) is None:
                raise NotFoundError(f"there is no process instance {instance_id!r}")
            pending = [instance_id]
            while pending:
                current = pending.pop(0)
                out.append(current)
                children = tx.list_instances(parent_instance_id=current, limit=_ALL)
                pending[0:0] = [child.id for child in children]
        return out

    def _members(self, instance_id: str | None) -> list[str]:
        """The instance tree, or every instance not ended."""
        if instance_id is not None:
            return self.tree(instance_id)
        with self.store.transaction(write=False) as tx:
            return [
                row.id for status in RUNNING for row in tx.list_instances(status=status, limit=_ALL)
            ]

    def passed_in_tree(self, instance_id: str) -> list[str]:
        """The elements completed in the instance and the instances it called, in the order
        they completed (by their history)."""
        events = [e for member in self.tree(instance_id) for e in self.history(member)]
        events.sort(key=lambda e: e.id)
        return [e.element_id for e in events if e.kind == "element_completed" and e.element_id]

    def element(self, instance_id: str, element_id: str) -> FlowNode | None:
        """The model element `element_id` of the instance's process."""
        with self.store.transaction(write=False) as tx:
            row = tx.get_instance(instance_id)
            if row is None:
                raise NotFoundError(f"there is no process instance {instance_id!r}")
            model = self.shell.models.get(tx, row.definition_id)
        process = model.definitions.processes.get(model.process_id)
        return process.elements.get(element_id) if process is not None else None

    def tasks(self, instance_id: str | None = None) -> list[TaskInfo]:
        """The user tasks waiting (of one instance tree, or all), oldest first."""
        members = None if instance_id is None else self.tree(instance_id)
        with self.store.transaction(write=False) as tx:
            if members is None:
                found = tx.list_open_user_tasks(limit=_ALL)
            else:
                found = [
                    task
                    for member in members
                    for task in tx.list_open_user_tasks(instance_id=member, limit=_ALL)
                ]
        return sorted((task_info(t) for t in found), key=lambda t: (t.created_at, t.id))

    def jobs(self, instance_id: str | None = None) -> list[Job]:
        """The jobs for workers waiting, running or failed (of one instance tree, or all),
        oldest first."""
        members = self._members(instance_id)
        with self.store.transaction(write=False) as tx:
            found = [
                job
                for member in members
                for job in tx.jobs_of_instance(member)
                if job.status in _OPEN_JOB and not outbox.is_internal(job.type)
            ]
        return sorted(found, key=lambda j: (j.created_at, j.id))

    def timers(self, instance_id: str | None = None) -> list[Timer]:
        """The scheduled timers (of one instance tree, or all with the timer start
        events), earliest first."""
        members = self._members(instance_id)
        if instance_id is None:
            members.append("")  # the timer start events
        with self.store.transaction(write=False) as tx:
            found = [
                timer
                for member in members
                for timer in tx.timers_of_instance(member)
                if not is_sla_timer(timer.id)  # SLA deadlines: `regista.runtime.sla`
            ]
        return sorted(found, key=lambda t: (t.due_at, t.id))

    def subscriptions(self, instance_id: str | None = None) -> list[Subscription]:
        """The open message and signal subscriptions (of one instance tree, or all)."""
        members = self._members(instance_id)
        with self.store.transaction(write=False) as tx:
            return [sub for member in members for sub in tx.subscriptions_of_instance(member)]

    def waiting_at(self, instance_id: str, element_id: str) -> Waiting:
        """The oldest user task, job or subscription waiting at `element_id` in the
        instance or in an instance it called."""
        for task in self.tasks(instance_id):
            if task.element_id == element_id:
                return task
        for job in self.jobs(instance_id):
            if job.element_id == element_id and job.status == "ready":
                return job
        for sub in self.subscriptions(instance_id):
            if sub.element_id == element_id:
                return sub
        raise RequestError(self._nothing_at(instance_id, element_id))

    def _job_at(self, instance_id: str, element_id: str) -> Job:
        for job in self.jobs(instance_id):
            if job.element_id == element_id and job.status == "ready":
                return job
        raise RequestError(
            self._nothing_at(instance_id, element_id, "job (service, send or script task)")
        )

    def _nothing_at(self, instance_id: str, element_id: str, what: str = "task") -> str:
        active = [e for member in self.tree(instance_id) for e in self.instance(member).active]
        return (
            f"no {what} waits at '{element_id}' in instance {instance_id}; "
            + ("waiting: " + ", ".join(active) if active else "nothing waits")
            + f" (state {self.instance(instance_id).status})"
        )
