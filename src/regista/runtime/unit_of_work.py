"""The unit of work: one transaction that applies commands to instances and writes it all.

docs/architecture.md, "The one shell": a command locks its instance, loads the
state, steps the pure engine, and the same transaction writes the new state (checked
against the version it read), the rows the effects ask for (jobs, user tasks, timers,
subscriptions, incidents) and the history events with the actor and the command. Nothing
is visible half done: an exception anywhere rolls every row back.

Some effects reach other instances. A called instance is new, so it is started in the same
transaction (nobody else can hold it); a parent or a message subscriber already loaded here
gets its command here too. Everything else that touches another instance — publishing a
message, broadcasting a signal, telling a parent its child ended, cancelling a child — goes
to the outbox (`regista.runtime.outbox`): a job row committed with the state, carried out
by an engine node in a transaction of its own. A transaction therefore only ever locks one
existing instance (broadcasts lock several, in id order), so nodes never wait on each other
in a cycle, and a crash between the two transactions loses nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from regista.engine import (
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
    CommandRejected,
    Context,
    CorrelateMessage,
    CreateJob,
    CreateUserTask,
    Effect,
    EngineError,
    History,
    InstanceEnded,
    InstanceMigrated,
    InstanceState,
    Migrate,
    NotifyParent,
    OpenSubscription,
    PublishMessage,
    RaiseIncident,
    ResolveIncidentEffect,
    RetryJob,
    ScheduleTimer,
    StartChild,
    StartInstance,
    decode_value,
    encode_value,
    step,
)
from regista.engine.state import ENDED
from regista.runtime import outbox
from regista.runtime.clock import utc
from regista.runtime.decision_records import DECISION_EVALUATED, record_decisions
from regista.runtime.definitions import Model, StoredModels
from regista.runtime.errors import LimitExceeded, RequestError
from regista.runtime.ids import IdSource
from regista.runtime.job_takers import JobTaker, locked_event
from regista.runtime.keys import correlation_key, lock_correlation, matching_keys
from regista.runtime.options import RuntimeOptions
from regista.runtime.sla import SlaTracker
from regista.runtime.variable_rows import write_variables
from regista.store import (
    CorruptState,
    InstanceUpdate,
    Job,
    NewEvent,
    NewIncident,
    NewInstance,
    NewJob,
    NewSubscription,
    NewTimer,
    NewUserTask,
    Transaction,
)

__all__ = ["ENDED", "JobTaker", "Loaded", "UnitOfWork", "child_key", "locked_event"]

log = logging.getLogger("regista.runtime")


def child_key(element_instance_id: str) -> str:
    """The idempotency key of the instance a call activity started: one child per
    activation, however often the start is attempted."""
    return f"child:{element_instance_id}"


@dataclass(slots=True)
class _NewRow:
    business_key: str | None
    parent: tuple[str, str] | None
    idempotency_key: str | None
    latest: bool = False


@dataclass(eq=False, slots=True)
class Loaded:
    """An instance held by the unit of work: locked (or created here), with its state."""

    id: str
    model: Model
    state: InstanceState
    version: int
    new: _NewRow | None = None
    dirty: bool = False
    ended_at: dt.datetime | None = None
    events: list[NewEvent] = field(default_factory=list)
    stored: Mapping[str, Any] | None = None
    """The state document the store holds (None: none yet); the variable rows mirror it."""
    stored_status: str | None = None
    """The status the store's row holds (None: not read), so that an update that keeps it
    can say so (`InstanceUpdate.same_status`)."""


class UnitOfWork:
    """Commands applied to instances within one store transaction; `finish` writes the
    instances and their history, after which the caller commits."""

    def __init__(
        self,
        tx: Transaction,
        *,
        now: dt.datetime,
        actor: str | None,
        ids: IdSource,
        models: StoredModels,
        options: RuntimeOptions,
        taker: JobTaker | None = None,
        sla: SlaTracker | None = None,
    ) -> None:
        self.tx = tx
        self.sla = sla
        self.now = now
        self.actor = actor
        self.ids = ids
        self.models = models
        self.options = options
        self.instances: dict[str, Loaded] = {}
        self.jobs_ready = False
        """Whether a job became claimable, so that executors are woken after commit."""
        self.next_timer: dt.datetime | None = None
        """The earliest timer scheduled, so that schedulers can be woken after commit."""
        self.taker = taker
        self.taken: list[Job] = []
        """Jobs created leased to `taker`, handed to it after commit."""
        self.incidents: list[NewIncident] = []
        """Incidents raised, logged by the shell once committed."""
        self.facts: list[tuple[str, str, str, float]] = []  # for an observer: runtime/metrics
        self._queue: deque[Callable[[], None]] = deque()
        self._command = "StartInstance"

    # -- instances --------------------------------------------------------------------------

    def context(self, model: Model) -> Context:
        decisions = self.models.decisions(self.tx) if model.needs_decisions else None
        return self.models.context(model, self.now, self.ids, decisions, self.options)

    def load(self, instance_id: str) -> Loaded:
        """Lock the instance for the rest of the transaction and read its state."""
        loaded = self.instances.get(instance_id)
        if loaded is not None:
            return loaded
        row = self.tx.lock_instance(instance_id)
        try:
            state = InstanceState.from_json(row.state)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CorruptState(instance_id, f"{type(exc).__name__}: {exc}") from exc
        model = self.models.get(self.tx, row.definition_id)
        loaded = Loaded(
            instance_id, model, state, row.version, stored=row.state, stored_status=row.status
        )
        self.instances[instance_id] = loaded
        return loaded

    def start(
        self,
        model: Model,
        variables: Mapping[str, Any],
        *,
        business_key: str | None = None,
        start_event_id: str | None = None,
        parent: tuple[str, str] | None = None,
        idempotency_key: str | None = None,
        latest: bool = False,
    ) -> Loaded:
        """Start an instance of `model`; its row is inserted by `finish` (with `latest`,
        only if `model` is still the latest version: see `Transaction.insert_instance`)."""
        command = StartInstance(
            process_id=model.process_id,
            variables=variables,
            start_event_id=start_event_id,
            business_key=business_key,
            instance_id=self.ids(),
            parent=parent,
        )
        try:
            state, effects = step(None, command, self.context(model))
        except EngineError as exc:
            raise RequestError(f"cannot start '{model.process_id}': {exc}") from exc
        loaded = Loaded(
            state.id,
            model,
            state,
            0,
            new=_NewRow(business_key, parent, idempotency_key, latest),
        )
        self.instances[state.id] = loaded
        self.facts.append(("started", model.process_id, "", 0.0))  # metrics.STARTED
        self._carry_out(loaded, command, effects)
        return loaded

    def apply(
        self, loaded: Loaded, command: Command, *, strict: bool = True, model: Model | None = None
    ) -> bool:
        """Step the instance with `command` and carry out the effects. A command the engine
        refuses raises `RequestError` when `strict`, else is logged and skipped (a late
        timer, a stale subscription: harmless). With `model`, the step runs against that
        definition version, which the instance then runs (a migration)."""
        try:
            state, effects = step(loaded.state, command, self.context(model or loaded.model))
        except CommandRejected as exc:
            if strict:
                raise RequestError(f"instance {loaded.id}: {exc}") from exc
            log.info("instance %s refused %s: %s", loaded.id, type(command).__name__, exc)
            return False
        if model is not None:
            loaded.model = model
        loaded.state = state
        loaded.dirty = True
        self._carry_out(loaded, command, effects)
        return True

    def migrate(self, loaded: Loaded, target: Model, mappings: Mapping[str, str]) -> None:
        """Move the instance to the definition version `target` (see
        `regista.engine.migration`); a migration that cannot apply raises `RequestError`."""
        source = loaded.model.definitions.processes[loaded.model.process_id]
        self.apply(loaded, Migrate(target.process_id, source, dict(mappings)), model=target)

    def later(self, action: Callable[[], None]) -> None:
        """Run `action` in this transaction once the current effects are carried out."""
        self._queue.append(action)

    def record(
        self,
        loaded: Loaded,
        kind: str,
        *,
        command: str,
        element_id: str | None = None,
        element_instance_id: str | None = None,
        data: Mapping[str, Any] | None = None,
        actor: str | None = None,
    ) -> None:
        """Append a history event of the runtime itself (job completed, message
        correlated, ...) before the engine's events of the command."""
        loaded.events.append(
            NewEvent(
                kind=kind,
                ts=self.now,
                element_id=element_id,
                element_instance_id=element_instance_id,
                actor=actor if actor is not None else self.actor,
                command=command,
                data=dict(encode_value(dict(data or {}))),
            )
        )

    def settle(self) -> None:
        """Carry out what is queued (`later`): a command applied, then settled, is done as
        if it had had a transaction of its own — before the next one is applied."""
        while self._queue:
            self._queue.popleft()()

    def ended(self) -> list[str]:
        """The instances this unit of work ended."""
        return [loaded.id for loaded in self.instances.values() if loaded.ended_at is not None]

    def finish(self) -> None:
        """Carry out what is queued, then write every instance and its history.

        The row of an instance comes before its history when it is new (the history of a
        new instance needs no lookup of its chain's head) and after it otherwise: a store
        that queues writes (PostgreSQL) sends the effect rows, the history and the version-
        checked update in one round trip, and the commit in the next."""
        self.settle()
        tx = self.tx
        for loaded in self.instances.values():
            state = loaded.state
            if loaded.new is not None:
                new = loaded.new
                document = state.to_json()
                self._check_size(loaded.id, document)
                row = NewInstance(
                    id=loaded.id,
                    definition_id=loaded.model.definition_id,
                    process_id=state.process_id,
                    state=document,
                    status=state.status,
                    business_key=new.business_key,
                    parent_instance_id=new.parent[0] if new.parent else None,
                    parent_element_instance_id=new.parent[1] if new.parent else None,
                    idempotency_key=new.idempotency_key,
                    ended_at=loaded.ended_at,
                    latest=new.latest,
                )
                tx.insert_instance(row, now=self.now)
                loaded.stored = write_variables(tx, loaded.id, loaded.stored, document, self.ids)
                loaded.new = None
                loaded.version = 1
                loaded.dirty = False
                loaded.stored_status = state.status
            if loaded.events:
                if self.sla is not None:
                    self.next_timer = self.sla.watch(
                        tx, self.now, self.ids, loaded.model, state, loaded.events, self.next_timer
                    )
                tx.add_history(loaded.id, loaded.events)
                loaded.events = []
            if loaded.dirty:
                document = state.to_json()
                self._check_size(loaded.id, document)
                update = InstanceUpdate(
                    id=loaded.id,
                    state=document,
                    status=state.status,
                    expected_version=loaded.version,
                    ended_at=loaded.ended_at,
                    deferred=True,  # locked by `load`: a conflict would be a bug, not a race
                    same_status=state.status == loaded.stored_status and loaded.ended_at is None,
                )
                loaded.version = tx.update_instance(update, now=self.now)
                loaded.stored_status = state.status
                loaded.stored = write_variables(tx, loaded.id, loaded.stored, document, self.ids)
                loaded.dirty = False

    def _check_size(self, instance_id: str, document: Mapping[str, Any]) -> None:
        """Refuse (`LimitExceeded`) a state whose variables are larger than the limit."""
        limit = self.options.max_variable_bytes
        size = 0
        for scope in document["instances"]:
            variables = scope.get("variables")
            if variables:
                size += len(json.dumps(variables, separators=(",", ":"), ensure_ascii=False))
        if size > limit:
            raise LimitExceeded(
                f"instance {instance_id}: its variables would take {size} bytes as JSON, over "
                f"the limit max_variable_bytes of {limit} (raise it with "
                "REGISTA_MAX_VARIABLE_BYTES or `--max-variable-bytes`, or keep large data "
                "outside the instance and pass a reference); nothing was applied",
                "max_variable_bytes",
            )

    # -- effects ----------------------------------------------------------------------------

    def _carry_out(self, loaded: Loaded, command: Command, effects: list[Effect]) -> None:
        self._command = type(command).__name__
        limit = self.options.max_history_events
        if len(effects) > limit and sum(type(e) is History for e in effects) > limit:
            raise LimitExceeded(
                f"instance {loaded.id}: the command {self._command} would write more than "
                f"{limit} history events, over the limit max_history_events (raise it with "
                "REGISTA_MAX_HISTORY_EVENTS or `--max-history-events`); nothing was applied",
                "max_history_events",
            )
        for effect in effects:
            _HANDLERS[type(effect)](self, loaded, command, effect)

    def _history(self, loaded: Loaded, _c: Command, effect: History) -> None:
        data = _event_data(effect.data) if effect.data else {}
        loaded.events.append(
            NewEvent(
                kind=effect.kind,
                ts=self.now,
                element_id=effect.element_id,
                element_instance_id=effect.element_instance_id,
                actor=self.actor,
                command=self._command,
                data=data,
            )
        )
        if effect.kind == DECISION_EVALUATED:  # recorded for /v2/decision-instances
            record_decisions(self.tx, effect, loaded.id, loaded.model, self.now, self.ids)

    def enqueue(self, loaded: Loaded, job_type: str, payload: Mapping[str, Any]) -> None:
        """Write an outbox job of `loaded` (`regista.runtime.outbox`), carried out after
        this transaction commits."""
        self.insert_job(
            loaded,
            job_id=self.ids(),
            element_id=loaded.state.process_id,
            element_instance_id=loaded.id,
            job_type=job_type,
            retries=outbox.RETRIES,
            variables=dict(payload),
        )

    def cancel_called(self, child: Loaded) -> None:
        """Cancel a called instance whose call activity was terminated."""
        if child.state.status in ENDED:
            return
        # the parent no longer waits: the child's end must not be reported to it
        self.apply(child, Cancel("the calling activity ended"), strict=False)

    def _take_buffered(
        self, loaded: Loaded, subscription: OpenSubscription, key: str | None
    ) -> None:
        """Give a kept message to a subscription just opened, if one waits for it."""
        subscription_id, name = subscription.subscription_id, subscription.name
        if subscription_id not in loaded.state.waits:
            return  # closed again within the same transaction
        lock_correlation(self.tx, name, key)
        keys = matching_keys(key)
        message = self.tx.take_message(name, keys, consumer=loaded.id, now=self.now)
        if message is None:
            return
        self.record(
            loaded,
            "message_correlated",
            command="CorrelateMessage",
            element_id=subscription.element_id,
            element_instance_id=subscription.element_instance_id,
            data={
                "name": name,
                "correlation_key": key,
                "subscription_id": subscription_id,
                "message_id": message.id,
                "buffered": True,
            },
        )
        variables = decode_value(message.variables)
        self.apply(loaded, CorrelateMessage(subscription_id, dict(variables)), strict=False)

    def insert_job(
        self,
        loaded: Loaded,
        *,
        job_id: str,
        element_id: str,
        element_instance_id: str,
        job_type: str,
        retries: int,
        variables: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> Job | None:
        """Write a job row of `loaded`: leased to the taker when it wants the job (and
        returned), else ready for any node (and executors are woken after commit)."""
        taker = self.taker
        owner: str | None = None
        until: dt.datetime | None = None
        if taker is not None and taker.wants(job_type, len(self.taken)):
            owner, until = taker.worker_id, self.now + dt.timedelta(seconds=taker.lease)
        row = NewJob(
            id=job_id,
            instance_id=loaded.id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            type=job_type,
            retries=retries,
            variables=variables,
            headers=headers or {},
            lease_owner=owner,
            lease_until=until,
        )
        self.tx.insert_job(row, now=self.now)
        if owner is None:
            self.jobs_ready = True
            return None
        taken = Job(
            id=job_id,
            instance_id=loaded.id,
            element_id=element_id,
            element_instance_id=element_instance_id,
            type=job_type,
            retries=retries,
            attempt=1,
            status="claimed",
            lease_owner=owner,
            lease_until=until,
            due_at=self.now,
            variables=variables,
            headers=headers or {},
            error=None,
            created_at=self.now,
            completed_at=None,
        )
        self.taken.append(taken)
        return taken

    def _create_job(self, loaded: Loaded, command: Command, effect: CreateJob) -> None:
        taken = self.insert_job(
            loaded,
            job_id=effect.job_id,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            job_type=effect.type,
            retries=effect.retries,
            variables=encode_value(dict(effect.variables)),
            headers={str(k): str(v) for k, v in effect.headers.items()},
        )
        self.record(
            loaded,
            "job_created",
            command=self._command,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            data={"job_id": effect.job_id, "type": effect.type, "retries": effect.retries},
        )
        if taken is not None and self.taker is not None:
            loaded.events.append(locked_event(taken, self.taker.worker_id, self._command, self.now))

    def _retry_job(self, _l: Loaded, _c: Command, effect: RetryJob) -> None:
        if self.tx.retry_job(effect.job_id, retries=effect.retries, due_at=utc(effect.due)):
            self.jobs_ready = True

    def _cancel_job(self, _l: Loaded, _c: Command, effect: CancelJob) -> None:
        self.tx.cancel_job(effect.job_id, now=self.now)

    def _create_user_task(self, loaded: Loaded, _c: Command, effect: CreateUserTask) -> None:
        task = NewUserTask(
            id=effect.task_id,
            instance_id=loaded.id,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            name=effect.name,
            assignee=effect.assignee,
            candidate_users=tuple(effect.candidate_users),
            candidate_groups=tuple(effect.candidate_groups),
            due_at=utc(effect.due_date) if effect.due_date else None,
            follow_up_at=utc(effect.follow_up_date) if effect.follow_up_date else None,
            form_key=effect.form_key,
            variables=encode_value(dict(effect.variables)),
            priority=effect.priority,
        )
        self.tx.insert_user_task(task, now=self.now)
        self.record(
            loaded,
            "user_task_created",
            command=self._command,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            data={
                "task_id": effect.task_id,
                "assignee": effect.assignee,
                "candidate_users": list(effect.candidate_users),
                "candidate_groups": list(effect.candidate_groups),
                "priority": effect.priority,
                **({"due_date": task.due_at.isoformat()} if task.due_at is not None else {}),
            },
        )

    def _cancel_user_task(self, loaded: Loaded, _c: Command, effect: CancelUserTask) -> None:
        task = self.tx.get_user_task(effect.task_id)
        if self.tx.cancel_user_task(effect.task_id, now=self.now) and task is not None:
            self.record(
                loaded,
                "user_task_cancelled",
                command=self._command,
                element_id=task.element_id,
                element_instance_id=task.element_instance_id,
                data={"task_id": task.id},
            )

    def _schedule_timer(self, loaded: Loaded, _c: Command, effect: ScheduleTimer) -> None:
        due = utc(effect.due)
        timer = NewTimer(
            id=effect.timer_id,
            instance_id=loaded.id,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            due_at=due,
            repeat=effect.repeat,
        )
        self.tx.insert_timer(timer, now=self.now)
        if self.next_timer is None or due < self.next_timer:
            self.next_timer = due

    def _cancel_timer(self, _l: Loaded, _c: Command, effect: CancelTimer) -> None:
        self.tx.cancel_timer(effect.timer_id)

    def _open_subscription(self, loaded: Loaded, _c: Command, effect: OpenSubscription) -> None:
        key = correlation_key(effect.correlation_key)
        subscription = NewSubscription(
            id=effect.subscription_id,
            instance_id=loaded.id,
            kind=effect.kind,
            name=effect.name,
            correlation_key=key,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
        )
        self.tx.insert_subscription(subscription, now=self.now)
        if effect.kind == "message":
            self.later(lambda: self._take_buffered(loaded, effect, key))

    def _close_subscription(self, _l: Loaded, _c: Command, effect: CloseSubscription) -> None:
        self.tx.delete_subscription(effect.subscription_id)

    def _publish(self, loaded: Loaded, _c: Command, effect: PublishMessage) -> None:
        self.enqueue(
            loaded,
            outbox.PUBLISH,
            {
                "name": effect.name,
                "key": correlation_key(effect.correlation_key),
                "variables": encode_value(dict(effect.variables)),
            },
        )

    def _broadcast(self, loaded: Loaded, _c: Command, effect: BroadcastSignal) -> None:
        self.enqueue(
            loaded,
            outbox.SIGNAL,
            {"name": effect.name, "variables": encode_value(dict(effect.variables))},
        )

    def _start_child(self, loaded: Loaded, _c: Command, effect: StartChild) -> None:
        self.later(lambda: self._run_child(loaded, effect))

    def _run_child(self, parent: Loaded, effect: StartChild) -> None:
        if parent.state.status in ENDED:
            return
        try:
            model = self.models.latest(self.tx, effect.process_id)
            self.start(
                model,
                dict(effect.variables),
                business_key=effect.business_key,
                parent=(parent.id, effect.element_instance_id),
                idempotency_key=child_key(effect.element_instance_id),
            )
        except RequestError as exc:  # an incident (CALLED_ELEMENT_ERROR), not a BPMN error
            self.apply(parent, ChildStartFailed(effect.element_instance_id, str(exc)), strict=False)

    def _cancel_child(self, loaded: Loaded, _c: Command, effect: CancelChild) -> None:
        here = next(
            (
                other
                for other in self.instances.values()
                if other.state.parent is not None
                and other.state.parent[1] == effect.element_instance_id
            ),
            None,
        )
        if here is not None:
            self.later(lambda: self.cancel_called(here))
            return
        self.enqueue(
            loaded,
            outbox.CANCEL_CHILD,
            {"element_instance_id": effect.element_instance_id},
        )

    def _notify_parent(self, loaded: Loaded, _c: Command, effect: NotifyParent) -> None:
        parent = self.instances.get(effect.parent_instance_id)
        if parent is None:
            self.enqueue(
                loaded,
                outbox.NOTIFY_PARENT,
                {
                    "parent": effect.parent_instance_id,
                    "element_instance_id": effect.parent_element_instance_id,
                    "outcome": effect.outcome,
                    "variables": encode_value(dict(effect.variables)),
                    "code": effect.code,
                    "message": effect.message,
                },
            )
            return
        command = parent_command(
            effect.outcome,
            effect.parent_element_instance_id,
            dict(effect.variables),
            effect.code,
            effect.message,
        )
        self.later(lambda: self._notify_here(parent, command))

    def _notify_here(self, parent: Loaded, command: Command) -> None:
        if parent.state.status not in ENDED:
            self.apply(parent, command, strict=False)

    def _raise_incident(self, loaded: Loaded, _c: Command, effect: RaiseIncident) -> None:
        incident = NewIncident(
            id=effect.incident_id,
            instance_id=loaded.id,
            message=effect.message,
            element_id=effect.element_id,
            element_instance_id=effect.element_instance_id,
            job_id=effect.job_id,
            error_type=effect.error_type,
        )
        self.tx.insert_incident(incident, now=self.now)
        self.incidents.append(incident)

    def _resolve_incident(self, _l: Loaded, _c: Command, effect: ResolveIncidentEffect) -> None:
        self.tx.resolve_incident(effect.incident_id, now=self.now)

    def _ended(self, loaded: Loaded, _c: Command, _e: InstanceEnded) -> None:
        loaded.ended_at = self.now

    def _migrated(self, loaded: Loaded, _c: Command, effect: InstanceMigrated) -> None:
        self.tx.redefine_instance(
            loaded.id,
            definition_id=loaded.model.definition_id,
            process_id=effect.process_id,
            rows=effect.rows,
        )


_PLAIN = (str, int, bool, type(None))


def _event_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """History data as JSON: most events hold only text and ids, which pass as they are;
    FEEL values (decimals, dates, ...) are encoded."""
    for key, value in data.items():
        kind = type(value)
        plain = kind in _PLAIN or (kind is list and all(type(v) is str for v in value))
        if not plain or key.startswith("$"):
            return dict(encode_value(dict(data)))
    return dict(data)


def parent_command(
    outcome: str,
    element_instance_id: str,
    variables: dict[str, Any],
    code: str | None,
    message: str,
) -> Command:
    """The command telling a call activity how its called instance ended."""
    if outcome == "error":
        return ChildFailed(element_instance_id, code or "", message, variables)
    if outcome == "escalation":
        return ChildEscalated(element_instance_id, code or "", variables)
    return ChildCompleted(element_instance_id, variables)


_Handler = Callable[[UnitOfWork, Loaded, Command, Any], None]
_HANDLERS: dict[type, _Handler] = {
    History: UnitOfWork._history,
    CreateJob: UnitOfWork._create_job,
    RetryJob: UnitOfWork._retry_job,
    CancelJob: UnitOfWork._cancel_job,
    CreateUserTask: UnitOfWork._create_user_task,
    CancelUserTask: UnitOfWork._cancel_user_task,
    ScheduleTimer: UnitOfWork._schedule_timer,
    CancelTimer: UnitOfWork._cancel_timer,
    OpenSubscription: UnitOfWork._open_subscription,
    CloseSubscription: UnitOfWork._close_subscription,
    PublishMessage: UnitOfWork._publish,
    BroadcastSignal: UnitOfWork._broadcast,
    StartChild: UnitOfWork._start_child,
    CancelChild: UnitOfWork._cancel_child,
    NotifyParent: UnitOfWork._notify_parent,
    RaiseIncident: UnitOfWork._raise_incident,
    ResolveIncidentEffect: UnitOfWork._resolve_incident,
    InstanceEnded: UnitOfWork._ended,
    InstanceMigrated: UnitOfWork._migrated,
}
