"""The durable shell: every request and every piece of engine work as one unit of work.

The `Shell` holds what the units of work share — the store, the deployed models, the id
source, the clock and the options — and runs each request in a transaction of its own
(`transact`), again when the database reports a lost race (busy SQLite, a PostgreSQL
deadlock). The client (`regista.Client`) and the engine node (executor, scheduler) both
go through it, so there is one way of applying a command to the store.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from regista.engine import (
    Activate,
    Cancel,
    CompleteJob,
    FailJob,
    FireTimer,
    Modify,
    SetVariables,
    ThrowError,
    TriggerElement,
)
from regista.engine.triggers import conditional_starts
from regista.feel.values import to_feel
from regista.runtime import delivery, messages, outbox, starts, user_tasks
from regista.runtime.batching import SharedWork
from regista.runtime.breaches import breach
from regista.runtime.clock import utc
from regista.runtime.definitions import (
    Deployed,
    Source,
    StoredModels,
)
from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.ids import IdSource
from regista.runtime.incident_log import log_incidents
from regista.runtime.keys import correlation_key
from regista.runtime.messages import Correlation
from regista.runtime.metrics import JOB, TIMER, Observer, report
from regista.runtime.options import RuntimeOptions
from regista.runtime.resolution import resolve_incident
from regista.runtime.sla import SlaTracker, is_sla_timer
from regista.runtime.trust import check_trust_key
from regista.runtime.unit_of_work import ENDED, JobTaker, Loaded, UnitOfWork, locked_event
from regista.runtime.wakeup import Notifier, Signals
from regista.runtime.workers import WorkResult
from regista.store import (
    CorruptState,
    DuplicateKey,
    InstanceKeys,
    Job,
    NewIncident,
    NotFound,
    Outcome,
    RetryableError,
    StaleDefinition,
    Store,
    StoreError,
    Timer,
    Transaction,
    UserTask,
)

__all__ = ["Clock", "Shell", "feel_variables"]

log = logging.getLogger("regista.runtime")

T = TypeVar("T")
Clock = Callable[[], dt.datetime]


def _system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def feel_variables(variables: Mapping[str, Any] | None) -> dict[str, Any]:
    """Plain Python variables as FEEL values; anything but a mapping is refused."""
    if variables is None:
        return {}
    if not isinstance(variables, Mapping):
        raise RequestError(
            f"variables must be a mapping of names to values, not {type(variables).__name__}"
        )
    return {str(k): to_feel(v) for k, v in variables.items()}


class Shell:
    """Applies requests and engine work to the instances of one store (thread-safe)."""

    def __init__(
        self,
        store: Store,
        *,
        options: RuntimeOptions | None = None,
        clock: Clock | None = None,
        ids: IdSource | None = None,
        notify: bool = True,
        observer: Observer | None = None,
    ) -> None:
        self.store = store
        self.observer = observer
        """Told what each committed unit of work did (`runtime/metrics.py`); may be set
        later, before work starts."""
        self.options = options or RuntimeOptions()
        self.clock: Clock = clock or _system_clock
        self.ids = ids or IdSource(store.reserve_id_block)
        self.models = StoredModels(expression_language=self.options.expression_language)
        self.sla = SlaTracker()  # SLA timers and alerts, written by each unit of work
        self.signals = Signals()
        url = getattr(store, "url", None)
        self._notifier = (
            Notifier(url) if notify and store.dialect == "postgres" and url is not None else None
        )
        # SQLite has one writer: queueing writers here beats SQLite's sleeping busy handler
        self._write_lock = threading.Lock() if store.dialect == "sqlite" else None
        # requests share transactions (group commit): one writer at a time on SQLite, a
        # few on PostgreSQL, where batches of different connections commit side by side
        self.shared = SharedWork(self.transact, leaders=4 if store.dialect == "postgres" else 1)

    def now(self) -> dt.datetime:
        return utc(self.clock())

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the in-process write lock (SQLite) around a write transaction."""
        if self._write_lock is None:
            yield
            return
        with self._write_lock:
            yield

    # -- units of work ----------------------------------------------------------------------

    def transact(
        self,
        work: Callable[[UnitOfWork], T],
        *,
        actor: str | None = None,
        taker: JobTaker | None = None,
        kind: str = "other",
    ) -> T:
        """Run `work` in a unit of work and commit; again when the database reports a lost
        race (nothing was committed then). Jobs that `taker` wants are leased to it in the
        transaction and handed to it after the commit. `kind` names the command for the
        observer's latency."""
        observer, began = self.observer, time.perf_counter()
        try:
            return self._transact(work, actor, taker)
        except StoreError as exc:
            if observer is not None:
                observer.database_error(type(exc).__name__)
            raise
        finally:
            if observer is not None:
                observer.command(kind, time.perf_counter() - began)

    def _transact(
        self, work: Callable[[UnitOfWork], T], actor: str | None, taker: JobTaker | None
    ) -> T:
        attempts = max(self.options.transaction_attempts, 1)
        if self.ids.needs_block:  # taken ahead, outside the transaction (runtime/ids.py)
            with self.writing():
                self.ids.prepare()
        for attempt in range(1, attempts + 1):
            try:
                with self.writing(), self.store.transaction() as tx:
                    uow = UnitOfWork(
                        tx,
                        now=self.now(),
                        actor=actor,
                        ids=self.ids,
                        models=self.models,
                        options=self.options,
                        taker=taker,
                        sla=self.sla,
                    )
                    result = work(uow)
                    uow.finish()
            except RetryableError as exc:
                if isinstance(exc, StaleDefinition):
                    self.models.forget_latest(exc.process_id)  # the next attempt asks
                if attempt == attempts:
                    raise
                if self.observer is not None:
                    self.observer.database_error(type(exc).__name__)
                log.debug("unit of work lost a race (attempt %d): %s", attempt, exc)
                time.sleep(random.uniform(0, min(0.005 * 2**attempt, 0.5)))
                continue
            self._committed(uow)
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    def _committed(self, uow: UnitOfWork) -> None:
        log_incidents(uow.incidents)
        if self.observer is not None:
            report(self.observer, uow)
        if uow.taken and uow.taker is not None:
            uow.taker.taken(uow.taken)
        if uow.jobs_ready:
            self.signals.jobs.set()
            if self._notifier is not None:
                self._notifier.notify("jobs")
        if uow.next_timer is not None:
            self.signals.timers.set()
            if self._notifier is not None:
                self._notifier.notify("timers")
        self.signals.endings.ended(uow.ended(), self._notifier)  # awaiting starts wake

    # -- requests ---------------------------------------------------------------------------

    def deploy(
        self,
        sources: Iterable[Source],
        *,
        actor: str | None = None,
        trust: str = "untrusted",
        trust_key: str | None = None,
        authorized: bool = False,
        name: str | None = None,
        source_name: str | None = None,
    ) -> list[Deployed]:
        """Deploy BPMN and DMN sources (`StoredModels.deploy`) with `trust`, `actor` as the
        deployer; trusted needs the database's key (`trust_key`, `runtime/trust.py`) unless
        the caller checked the right (`authorized`: the server's admin role, a local run);
        `name` and `source_name` name the deployment (Camunda 7's)."""
        items = list(sources)

        def work(uow: UnitOfWork) -> list[Deployed]:
            if trust != "untrusted" and not authorized:
                check_trust_key(uow.tx, trust_key)
            deployed = self.models.deploy(
                uow.tx,
                items,
                now=uow.now,
                ids=self.ids,
                trust=trust,
                deployed_by=actor,
                deployment_name=name,
                source_name=source_name,
            )
            uow.next_timer = uow.now  # start timers may have been scheduled
            return deployed

        return self.transact(work, actor=actor, kind="deploy")

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
        version: int | None = None,
        idempotency_key: str | None = None,
        start_event_id: str | None = None,
        message: str | None = None,
        actor: str | None = None,
    ) -> str:
        """Start an instance (latest version unless `version`); with `idempotency_key`,
        a second start with the same key returns the first instance instead. It starts at
        `start_event_id`, or the message start event of `message`, or the none start
        event; a process that has only conditional start events starts at the first whose
        condition holds for `variables`. Concurrent starts share transactions."""
        request = starts.StartRequest(
            process_id,
            feel_variables(variables),
            business_key=business_key,
            version=version,
            idempotency_key=idempotency_key,
            start_event_id=start_event_id,
            message=message,
        )
        return self.start_instance(request, actor=actor).instance_id

    def start_instance(
        self, request: starts.StartRequest, *, actor: str | None = None
    ) -> starts.Started:
        """`start`, answering with the definition version the instance runs."""

        work = functools.partial(starts.start, request=request)
        try:
            return self.shared.run(work, actor=actor, kind="start")
        except DuplicateKey:  # a concurrent start with the same key won: it is found now
            if request.idempotency_key is None:
                raise
            return self.shared.run(work, actor=actor, kind="start")

    async def start_instance_async(
        self, request: starts.StartRequest, *, actor: str | None = None
    ) -> starts.Started:
        """`start_instance` for the API's event loop: it waits for its group commit
        without a thread of its own."""
        work = functools.partial(starts.start, request=request)
        try:
            return await self.shared.run_async(work, actor=actor, kind="start")
        except DuplicateKey:
            if request.idempotency_key is None:
                raise
            return await self.shared.run_async(work, actor=actor, kind="start")

    def evaluate_conditions(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        process_id: str | None = None,
        business_key: str | None = None,
        actor: str | None = None,
    ) -> list[str]:
        """Start an instance of every deployed process (or only `process_id`) at its
        conditional start event that holds for `variables`, as Camunda's "evaluate start
        conditions"; returns the ids of the instances started."""
        values = feel_variables(variables)

        def work(uow: UnitOfWork) -> list[str]:
            if process_id is not None:
                models = [self.models.latest(uow.tx, process_id)]
            else:
                models = self.models.latest_models(uow.tx)
            started: list[str] = []
            for model in models:
                for trigger in conditional_starts(
                    model.definitions, values, uow.context(model), model.process_id
                ):
                    loaded = uow.start(
                        model,
                        dict(values),
                        business_key=business_key,
                        start_event_id=trigger.start_event_id,
                    )
                    started.append(loaded.id)
            return started

        return self.transact(work, actor=actor, kind="start")

    def complete_user_task(
        self,
        task_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        by: str | None = None,
        action: str | None = None,
        guard: user_tasks.Guard | None = None,
        strict: bool = False,
    ) -> bool:
        """Complete a user task (see `runtime/user_tasks.py`); False when it was already
        completed (harmless), or with `strict` a `TaskConflict` naming who and when."""
        feel_variables(variables)  # refuses what is not a mapping
        values = dict(variables or {})
        return self.shared.run(
            lambda uow: user_tasks.complete(
                uow, task_id, values, by=by, action=action, guard=guard, strict=strict
            ),
            actor=by,
            kind="complete_user_task",
        )

    def assign_user_task(
        self,
        task_id: str,
        assignee: str | None,
        *,
        actor: str | None = None,
        allow_override: bool = True,
        action: str | None = None,
        guard: user_tasks.Guard | None = None,
    ) -> str:
        """Give a user task to `assignee` (None: unassign); returns what happened
        ("claimed", "assigned", "delegated", "unclaimed" or "unchanged")."""
        return self.transact(
            lambda uow: user_tasks.assign(
                uow, task_id, assignee, allow_override=allow_override, action=action, guard=guard
            ),
            actor=actor,
            kind="assign_user_task",
        )

    def update_user_task(
        self,
        task_id: str,
        changes: user_tasks.TaskUpdate,
        *,
        actor: str | None = None,
        action: str | None = None,
        guard: user_tasks.Guard | None = None,
    ) -> UserTask:
        """Change the dates, candidates or priority of an open user task."""
        return self.transact(
            lambda uow: user_tasks.update(uow, task_id, changes, action=action, guard=guard),
            actor=actor,
            kind="update_user_task",
        )

    def correlate(
        self,
        name: str,
        key: Any = None,
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: dt.timedelta | None = None,
        unique: bool | None = None,
        message_id: str | None = None,
        dedupe: dt.timedelta | None = None,
        actor: str | None = None,
    ) -> Correlation:
        """Publish a message (see `regista.runtime.messages`)."""
        values = feel_variables(variables)
        text_key = correlation_key(key)
        return self.shared.run(
            lambda uow: messages.publish(
                uow,
                name,
                text_key,
                values,
                ttl=ttl,
                unique=unique,
                message_id=message_id,
                dedupe=dedupe,
            ),
            actor=actor,
            kind="publish",
        )

    def signal(
        self, name: str, variables: Mapping[str, Any] | None = None, *, actor: str | None = None
    ) -> list[str]:
        """Broadcast a signal; returns the instances it reached or started."""
        values = feel_variables(variables)
        return self.transact(
            lambda uow: messages.broadcast(uow, name, values), actor=actor, kind="signal"
        )

    def deliver(
        self,
        subscription_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> str:
        """Deliver a message or signal to one subscription (see `messages.deliver`)."""
        values = feel_variables(variables)
        return self.transact(
            lambda uow: messages.deliver(uow, subscription_id, values), actor=actor, kind="deliver"
        )

    def trigger(
        self,
        instance_id: str,
        element_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        """Trigger the plain wait state `element_id` of an instance (a receive task without
        a message): its oldest waiting token goes on with `variables`."""
        command = TriggerElement(element_id, feel_variables(variables))

        def work(uow: UnitOfWork) -> None:
            uow.apply(self._load_running(uow, instance_id), command)

        self.transact(work, actor=actor, kind="trigger")

    def cancel(self, instance_id: str, reason: str = "", *, actor: str | None = None) -> None:
        """Cancel an instance (and, through the outbox, the instances it called)."""

        def work(uow: UnitOfWork) -> None:
            uow.apply(self._load_running(uow, instance_id), Cancel(reason))

        self.transact(work, actor=actor, kind="cancel")

    def modify(
        self,
        instance_id: str,
        *,
        activate: Sequence[Activate] = (),
        terminate: Sequence[str] = (),
        actor: str | None = None,
    ) -> None:
        """Move tokens of a running instance (see `regista.engine.modification`)."""
        command = Modify(
            activate=tuple(
                Activate(a.element_id, feel_variables(a.variables), a.ancestor) for a in activate
            ),
            terminate=tuple(terminate),
        )

        def work(uow: UnitOfWork) -> None:
            uow.apply(self._load_running(uow, instance_id), command)

        self.transact(work, actor=actor, kind="modify")

    def migrate(
        self,
        instance_id: str,
        *,
        version: int | None = None,
        mappings: Mapping[str, str] | None = None,
        actor: str | None = None,
    ) -> int:
        """Move a running instance to another version of its process (the latest unless
        `version`); `mappings` names the new element of an element that changed its id.
        Returns the version the instance now runs."""

        def work(uow: UnitOfWork) -> int:
            loaded = self._load_running(uow, instance_id)
            target = self.models.latest(uow.tx, loaded.model.process_id, version)
            if target.definition_id == loaded.model.definition_id:
                raise RequestError(
                    f"instance {instance_id} already runs version {target.version} of "
                    f"{target.process_id!r}"
                )
            uow.migrate(loaded, target, mappings or {})
            return target.version

        return self.transact(work, actor=actor, kind="migrate")

    def set_variables(
        self,
        instance_id: str,
        variables: Mapping[str, Any],
        *,
        scope_id: str | None = None,
        actor: str | None = None,
        deletions: Sequence[str] = (),
        local: bool = True,
    ) -> None:
        """Set variables of an instance (its root scope by default; not `local`: each where
        it is defined, looking up from the scope), then remove `deletions` from that scope."""
        command = SetVariables(feel_variables(variables), scope_id, tuple(deletions), local)

        def work(uow: UnitOfWork) -> None:
            uow.apply(self._load(uow, instance_id), command)

        self.transact(work, actor=actor, kind="set_variables")

    def resolve_incident(self, incident_id: str, *, actor: str | None = None) -> bool:
        """Resolve an incident (`runtime/resolution.py`); False when it was resolved already."""
        return self.transact(
            lambda uow: resolve_incident(uow, incident_id), actor=actor, kind="resolve_incident"
        )

    @staticmethod
    def _load_if_any(uow: UnitOfWork, instance_id: str) -> Loaded | None:
        try:
            return uow.load(instance_id)
        except NotFound:
            return None

    def _load(self, uow: UnitOfWork, instance_id: str) -> Loaded:
        try:
            return uow.load(instance_id)
        except NotFound:
            raise NotFoundError(f"there is no process instance {instance_id!r}") from None

    def _load_running(self, uow: UnitOfWork, instance_id: str) -> Loaded:
        """The instance, which must not have ended (an operator's request on it)."""
        loaded = self._load(uow, instance_id)
        if loaded.state.status in ENDED:
            raise RequestError(f"instance {instance_id} already ended ({loaded.state.status})")
        return loaded

    # -- engine work (executor, scheduler) --------------------------------------------------

    def report(
        self, job: Job, outcome: WorkResult, worker_id: str, *, taker: JobTaker | None = None
    ) -> Outcome:
        """Apply what a worker made of a claimed job; the attempt number fences off a
        worker whose lease was taken over (STALE) and a repeated report (DUPLICATE). The
        jobs that follow go to `taker` when it wants them."""
        return self.transact(
            lambda uow: self._report(uow, job, outcome),
            actor=worker_id,
            taker=taker,
            kind="report_job",
        )

    def report_many(
        self,
        reports: Sequence[tuple[Job, WorkResult]],
        worker_id: str,
        *,
        taker: JobTaker | None = None,
    ) -> list[Outcome]:
        """Apply several reports of one worker in one transaction (group commit): one
        commit, and one write of each page they share, instead of one per report. All or
        nothing: when one of them fails, none is applied and the caller reports them one
        by one (`report`), so the failing job alone gets its fault."""

        # instances are locked in id order, so two batches never wait on each other in
        # a cycle (PostgreSQL, several nodes)
        order = sorted(range(len(reports)), key=lambda i: reports[i][0].instance_id)

        def work(uow: UnitOfWork) -> list[Outcome]:
            outcomes: list[Outcome] = [Outcome.APPLIED] * len(reports)
            for i in order:
                job, outcome = reports[i]
                outcomes[i] = self._report(uow, job, outcome)
                # what the report queued (a kept message taken, a parent told) happens
                # before the next report, as it would in a transaction of its own
                uow.settle()
            return outcomes

        return self.transact(work, actor=worker_id, taker=taker, kind="report_jobs")

    def _report(self, uow: UnitOfWork, job: Job, outcome: WorkResult) -> Outcome:
        tx = uow.tx
        # the instance is locked before the job row changes, and on PostgreSQL both go
        # out in one round trip
        tx.will_lock(job.instance_id)
        if outcome.kind == "failed":
            # the attempt is recorded failed; the engine says what that means (a retry
            # after a backoff: `RetryJob`, else an incident)
            result = tx.fail_job(
                job.id, job.attempt, error=outcome.message, now=uow.now, details=outcome.details
            )
            uow.facts.append((JOB, job.type, "failed", (uow.now - job.created_at).total_seconds()))
            loaded = self._load_if_any(uow, job.instance_id)
            if result is Outcome.APPLIED and loaded is not None:
                failed = FailJob(
                    job.id, outcome.message, outcome.retries, job.attempt, outcome.backoff
                )
                uow.apply(loaded, failed, strict=False)
            return result
        result = tx.complete_job(job.id, job.attempt, now=uow.now)
        loaded = self._load_if_any(uow, job.instance_id)
        if result is not Outcome.APPLIED or loaded is None:
            return result
        uow.facts.append((JOB, job.type, outcome.kind, (uow.now - job.created_at).total_seconds()))
        uow.record(
            loaded,
            "job_completed",
            command="CompleteJob" if outcome.kind == "completed" else "ThrowError",
            element_id=job.element_id,
            element_instance_id=job.element_instance_id,
            data={"job_id": job.id, "type": job.type, "attempt": job.attempt}
            | ({} if outcome.kind == "completed" else {"error_code": outcome.code}),
        )
        values = feel_variables(outcome.variables)
        if outcome.kind == "completed":
            uow.apply(loaded, CompleteJob(job.id, values), strict=False)
        else:
            command = ThrowError(job.id, outcome.code, outcome.message, values)
            uow.apply(loaded, command, strict=False)
        return result

    def report_job(self, job_id: str, result: WorkResult, worker_id: str) -> Outcome:
        """Lease the job `job_id` (ready, or its lease ran out) and apply `result` to it, in
        one unit of work: for a caller that picks a job itself instead of claiming work by
        type, such as a test runtime completing a job that no worker handles."""

        def work(uow: UnitOfWork) -> Outcome:
            job = uow.tx.claim_job(job_id, worker_id, lease_seconds=60.0, now=uow.now)
            if job is None:
                found = uow.tx.get_job(job_id)
                if found is None:
                    raise NotFoundError(f"there is no job {job_id!r}")
                raise RequestError(f"the job {job_id!r} is {found.status}; it cannot be reported")
            loaded = self._load_if_any(uow, job.instance_id)
            if loaded is not None and not outbox.is_internal(job.type):
                loaded.events.append(locked_event(job, worker_id, "ClaimJob", uow.now))
            return self._report(uow, job, result)

        return self.transact(work, actor=worker_id, kind="report_job")

    def claim(
        self,
        types: Sequence[str],
        worker_id: str,
        *,
        limit: int,
        lease_seconds: float,
        keys: dict[str, InstanceKeys] | None = None,
    ) -> list[Job]:
        """Lease up to `limit` jobs of these types to `worker_id`, and record each claim
        (`job_locked`) in its instance's history in the same transaction. `keys` gets
        the process id and business key of their instances (read with the lock)."""
        now = self.now()

        def record(tx: Transaction, jobs: list[Job]) -> None:
            by_instance: dict[str, list[Job]] = {}
            for job in jobs:
                if not outbox.is_internal(job.type):  # the runtime's own work: not audited
                    by_instance.setdefault(job.instance_id, []).append(job)
            for instance_id in sorted(by_instance):  # lock order: no cycles between nodes
                try:
                    row = tx.lock_instance(instance_id)  # the history head cannot move now
                except (NotFound, CorruptState):
                    continue  # its report will find out (and raise the incident)
                if keys is not None:
                    keys[instance_id] = InstanceKeys(row.process_id, row.business_key)
                tx.add_history(
                    instance_id,
                    [
                        locked_event(job, worker_id, "ClaimJobs", now)
                        for job in by_instance[instance_id]
                    ],
                )

        with self.writing():
            return self.store.claim_jobs(
                types, worker_id, limit=limit, lease_seconds=lease_seconds, now=now, then=record
            )

    def run_outbox(self, job: Job, *, taker: JobTaker | None = None) -> Outcome:
        """Carry out an outbox job and mark it completed, in one transaction."""

        def work(uow: UnitOfWork) -> Outcome:
            result = uow.tx.complete_job(job.id, job.attempt, now=uow.now)
            if result is Outcome.APPLIED:
                delivery.carry_out(uow, job)
            return result

        return self.transact(work, taker=taker, kind="outbox")

    def job_fault(self, job: Job, message: str) -> None:
        """Applying a job's result failed (a corrupt state, a bug): count it as a failed
        attempt, and raise an incident when none is left, so nothing loops for ever."""

        def work(uow: UnitOfWork) -> None:
            left = max(job.retries - 1, 0)
            backoff = (
                outbox.backoff(job.attempt)
                if outbox.is_internal(job.type)
                else self.options.backoff(job.attempt)
            )
            result = uow.tx.fail_job(job.id, job.attempt, error=message, now=uow.now)
            if result is not Outcome.APPLIED:
                return
            if left:
                uow.tx.retry_job(job.id, retries=left, due_at=uow.now + backoff)
                return
            incident = NewIncident(
                id=self.ids(),
                instance_id=job.instance_id,
                message=message,
                element_id=job.element_id,
                element_instance_id=job.element_instance_id,
                job_id=job.id,
                error_type="JOB_NO_RETRIES",
            )
            uow.tx.insert_incident(incident, now=uow.now)

        self.transact(work, kind="job_fault")

    def fire_timer(self, timer: Timer) -> bool:
        """Fire a claimed timer, unless it was fired, cancelled or moved meanwhile."""
        if timer.instance_id == "":
            return self._fire_start_timer(timer)
        if is_sla_timer(timer.id):
            return self.transact(lambda uow: breach(uow, timer))

        def work(uow: UnitOfWork) -> bool:
            try:
                loaded = uow.load(timer.instance_id)
            except NotFound:
                uow.tx.take_timer(timer.id)
                return False
            current = uow.tx.get_timer(timer.id)
            if current is None or current.due_at != timer.due_at:
                return False
            uow.tx.take_timer(timer.id)
            uow.record(
                loaded,
                "timer_fired",
                command="FireTimer",
                element_id=timer.element_id,
                element_instance_id=timer.element_instance_id,
                data={"timer_id": timer.id, "due": timer.due_at.isoformat()},
            )
            uow.facts.append((TIMER, "", "", (uow.now - timer.due_at).total_seconds()))
            return uow.apply(loaded, FireTimer(timer.id), strict=False)

        return self.transact(work, kind="fire_timer")

    def _fire_start_timer(self, timer: Timer) -> bool:
        return self.transact(
            functools.partial(starts.fire_start_timer, timer=timer), kind="fire_timer"
        )
