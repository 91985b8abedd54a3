"""Jobs done by workers outside the engine: activation, reports by job key, updates.

Which jobs wait for external workers: every job whose type no in-process worker of an
engine node handles. A node's executor claims only the types of its own `@worker`
handlers (and the runtime's internal ones), so any other job type stays ready until an
external worker activates it (`POST /v2/jobs/activation`, `regista worker`).

Activating leases jobs to the worker's name, like an engine node's claim (the history
records `job_locked` with the worker and the attempt). Each activation has a lease token
(Camunda's `jobLeaseToken`): a report carrying it applies only to that activation, so a
worker whose lease ran out and whose job another worker activated is refused. A report
without a token (Camunda 8.8's API carries only the key) applies to the job's current
activation, and completes or throws an error for a job that is ready but not activated, as
Camunda accepts. A job already completed or cancelled is gone (Camunda answers 404), a job
failed with no retries left waits for its incident (409).

Reports go through the shell's group commit (`Shell.shared`, `regista.runtime.batching`):
concurrent completions share one transaction with each other and with other requests
(starts, messages), each applied and settled before the next.

Camunda 7's external tasks (`/engine-rest/external-task`) name the worker instead of a
token: a report, a lock extension or a failure given a `holder` applies only while that
worker holds an unexpired lease on the job (else a `lock` refusal naming the holder).
Unlocking ends the lease at once, so the next fetch takes the job. A fetch that filters
by instance (business key, process, variables) claims job by job after reading each
instance (`activate_matching`), instead of the type-wide claim of `activate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from regista.engine import SetJobRetries, SetVariables, decode_value
from regista.feel.values import to_python
from regista.runtime import outbox
from regista.runtime.errors import RequestError
from regista.runtime.resolution import resolve_incident
from regista.runtime.shell import Shell, feel_variables
from regista.runtime.unit_of_work import UnitOfWork, locked_event
from regista.runtime.workers import WorkResult
from regista.store import CorruptState, Instance, Job, JobQuery, NotFound, Outcome

__all__ = ["SCAN", "Activated", "ExternalJobs", "Refusal", "holder_of", "lease_token"]

#: How many claimable jobs of a type a filtered fetch (`activate_matching`) looks at.
SCAN = 1000


@dataclass(frozen=True, slots=True)
class Activated:
    """A job leased to an external worker, with what the worker is told about it."""

    job: Job
    worker: str
    token: str
    process_id: str
    definition_id: str
    version: int
    business_key: str | None
    variables: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a report or an update was not applied: the job is `missing` (never existed,
    completed or cancelled), in a `conflict`ing state (a later activation holds it, it
    failed behind an incident, it is not activated), or not held by the worker that
    names itself (`lock`: its lease ran out, another worker holds it, it is not locked)."""

    kind: Literal["missing", "conflict", "lock"]
    detail: str


@dataclass(frozen=True, slots=True)
class _Report:
    job_id: str
    result: WorkResult
    token: str | None
    actor: str | None
    holder: str | None = None
    local: Mapping[str, Any] | None = None


def holder_of(job: Job, now: dt.datetime) -> str | None:
    """The worker that holds `job` at `now`: None when it is not claimed or its lease ran
    out (Camunda 7 shows such a task unlocked)."""
    if job.status != "claimed" or job.lease_until is None or job.lease_until <= now:
        return None
    return job.lease_owner


def _not_held(job: Job, worker: str, now: dt.datetime, what: str) -> Refusal | None:
    """Why `worker` may not `what` the job, unless it holds its lease now."""
    holder = holder_of(job, now)
    if holder == worker:
        return None
    if holder is None:
        held = (
            f"it is not locked (the lock of {job.lease_owner!r} ended at {_when(job.lease_until)})"
            if job.status == "claimed"
            else "it is not locked by any worker"
        )
    else:
        held = f"it is locked by worker {holder!r} until {_when(job.lease_until)}"
    return Refusal(
        "lock",
        f"the external task {job.id} cannot be {what} by worker {worker!r}: {held}; "
        "fetch and lock it first",
    )


def lease_token(job: Job) -> str:
    """The token of one activation of a job (opaque to clients: equality only)."""
    return f"{job.id}.{job.attempt}"


def _token_attempt(token: str, job_id: str) -> int | None:
    head, _, attempt = token.rpartition(".")
    if head != job_id or not attempt.isdigit():
        return None
    return int(attempt)


def _when(moment: dt.datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "an earlier time"


@dataclass(frozen=True, slots=True)
class _Owner:
    """What an activation tells a worker about the instance of a job."""

    process_id: str
    definition_id: str
    version: int
    business_key: str | None


def _record_claims(uow: UnitOfWork, jobs: Sequence[Job], worker: str) -> dict[str, _Owner]:
    """Record each claim (`job_locked`) in its instance's history, instances locked in id
    order; returns the owner of each job's instance. An instance that an earlier unit of
    work of the same transaction holds (it may have created the job just now, its row and
    events not written yet) gets the events after its own; any other is locked and
    appended to at once."""
    by_instance: dict[str, list[Job]] = {}
    for job in jobs:
        by_instance.setdefault(job.instance_id, []).append(job)
    owners: dict[str, _Owner] = {}
    tx, now, models = uow.tx, uow.now, uow.models
    for instance_id in sorted(by_instance):  # lock order: no cycles between nodes
        events = [
            locked_event(job, worker, "ActivateJobs", now) for job in by_instance[instance_id]
        ]
        loaded = uow.instances.get(instance_id)
        if loaded is not None:
            loaded.events.extend(events)
            model = loaded.model
            business_key = loaded.state.business_key
        else:
            try:
                row = tx.lock_instance(instance_id)
            except (NotFound, CorruptState):
                continue
            model = models.get(tx, row.definition_id)
            business_key = row.business_key
            tx.add_history(instance_id, events)
        owners[instance_id] = _Owner(
            model.process_id, model.definition_id, model.version, business_key
        )
    return owners


class ExternalJobs:
    """Activation, reports and updates of jobs by key, over one shell (thread-safe)."""

    def __init__(self, shell: Shell) -> None:
        self.shell = shell

    # -- activation -------------------------------------------------------------------------

    def activate(
        self,
        job_type: str,
        worker: str,
        *,
        limit: int,
        lease: dt.timedelta,
        fetch: Sequence[str] | None = None,
    ) -> list[Activated]:
        """Lease up to `limit` ready jobs of `job_type` to `worker` for `lease`, with their
        variables (only those named in `fetch` when given)."""
        if outbox.is_internal(job_type):
            raise RequestError(
                f"jobs of type {job_type!r} are the engine's own work; workers cannot take them"
            )
        if limit <= 0:
            return []
        seconds = max(lease.total_seconds(), 0.001)

        def work(uow: UnitOfWork) -> tuple[list[Job], dict[str, _Owner]]:
            jobs = uow.tx.claim_jobs(
                [job_type], worker, limit=limit, lease_seconds=seconds, now=uow.now
            )
            return jobs, _record_claims(uow, jobs, worker)

        # the claim shares a transaction (and its commit) with concurrent reports and starts
        jobs, owners = self.shell.shared.run(work, actor=worker, kind="activate_jobs")
        wanted = None if fetch is None else set(fetch)
        out: list[Activated] = []
        for job in jobs:
            owner = owners.get(job.instance_id)
            variables = to_python(decode_value(job.variables))
            if wanted is not None and isinstance(variables, dict):
                variables = {k: v for k, v in variables.items() if k in wanted}
            out.append(
                Activated(
                    job=job,
                    worker=worker,
                    token=lease_token(job),
                    process_id=owner.process_id if owner else "",
                    definition_id=owner.definition_id if owner else "",
                    version=owner.version if owner else 0,
                    business_key=owner.business_key if owner else None,
                    variables=variables if isinstance(variables, dict) else {},
                )
            )
        return out

    # -- reports ----------------------------------------------------------------------------

    def report(
        self,
        job_id: str,
        result: WorkResult,
        *,
        token: str | None = None,
        actor: str | None = None,
        holder: str | None = None,
        local: Mapping[str, Any] | None = None,
    ) -> Refusal | None:
        """Complete, fail or throw an error for the job `job_id` (see the module docstring);
        None when applied, else why not. With `holder`, only while that worker holds the
        job's lease; `local` variables are set on the task's own scope first. Concurrent
        reports share transactions."""
        report = _Report(job_id, result, token, actor, holder, local)
        return self.shell.shared.run(
            lambda uow: self._apply(uow, report), actor=actor, kind="report_job"
        )

    async def report_async(
        self,
        job_id: str,
        result: WorkResult,
        *,
        token: str | None = None,
        actor: str | None = None,
    ) -> Refusal | None:
        """`report` for the API's event loop: it waits for its group commit without a
        thread of its own."""
        report = _Report(job_id, result, token, actor)
        return await self.shell.shared.run_async(
            lambda uow: self._apply(uow, report), actor=actor, kind="report_job"
        )

    def _apply(self, uow: UnitOfWork, report: _Report) -> Refusal | None:
        tx = uow.tx
        job_id, result = report.job_id, report.result
        job = tx.get_job(job_id)
        refusal = _finished(job_id, job)
        if refusal is not None or job is None:
            return refusal
        if outbox.is_internal(job.type):
            return Refusal("conflict", f"the job {job_id} is the engine's own work")
        if report.holder is not None:
            what = {"completed": "completed", "failed": "failed", "error": "reported"}
            refusal = _not_held(job, report.holder, uow.now, what[result.kind])
            if refusal is not None:
                return refusal
        if report.token is not None:
            refusal = _fence(job, report.token)
            if refusal is not None:
                return refusal
        if job.status == "ready":
            if result.kind == "failed":
                return Refusal(
                    "conflict",
                    f"the job {job_id} is not activated (it waits for a worker), so it "
                    "cannot fail; activate it first",
                )
            worker = report.actor or "api"
            claimed = tx.claim_job(job_id, worker, lease_seconds=60.0, now=uow.now)
            if claimed is None:
                return Refusal("conflict", f"the job {job_id} was activated meanwhile")
            job = claimed
            if not outbox.is_internal(job.type):
                loaded = uow.load(job.instance_id)
                loaded.events.append(locked_event(job, worker, "CompleteJob", uow.now))
        local = dict(report.local or {})
        if result.kind == "failed":
            local.update(result.variables)
        if local:
            loaded = uow.load(job.instance_id)
            scope = SetVariables(feel_variables(local), job.element_instance_id)
            uow.apply(loaded, scope, strict=False)
        outcome = self.shell._report(uow, job, result)
        if outcome is Outcome.APPLIED:
            return None
        again = tx.get_job(job_id)
        return _finished(job_id, again) or Refusal("conflict", _superseded(again or job, None))

    # -- updates ----------------------------------------------------------------------------

    def update(
        self,
        job_id: str,
        *,
        retries: int | None = None,
        timeout: dt.timedelta | None = None,
        token: str | None = None,
        actor: str | None = None,
    ) -> Refusal | None:
        """Change an unfinished job's retries and, when it is activated, its deadline (now +
        `timeout`); None when applied. With the lease `token` of an activation, fenced like
        a report: refused unless that activation still holds the job."""

        def work(uow: UnitOfWork) -> Refusal | None:
            job = uow.tx.get_job(job_id)
            refusal = _finished(job_id, job, failed_ok=True)
            if refusal is not None or job is None:
                return refusal
            if token is not None:
                refusal = _fence(job, token)
                if refusal is not None:
                    return refusal
            if timeout is not None and job.status != "claimed":
                return Refusal(
                    "conflict",
                    f"the job {job_id} is not activated, so it has no deadline to change",
                )
            until = uow.now + timeout if timeout is not None else None
            uow.tx.update_job(job_id, retries=retries, lease_until=until)
            if retries is not None and not outbox.is_internal(job.type):
                loaded = uow.load(job.instance_id)
                uow.apply(loaded, SetJobRetries(job_id, retries), strict=False)
            return None

        return self.shell.transact(work, actor=actor)

    def set_retries(self, job_id: str, retries: int, *, actor: str | None = None) -> Refusal | None:
        """Camunda 7's retries of an external task: set them on an open task; a task that
        failed behind an incident and gets retries has its incident resolved, and the
        task is created again (a new id) for a worker to fetch, as Camunda 7's retries
        resolve the incident. None when applied."""

        def work(uow: UnitOfWork) -> Refusal | None:
            job = uow.tx.get_job(job_id)
            refusal = _finished(job_id, job, failed_ok=True)
            if refusal is not None or job is None:
                return refusal
            loaded = uow.load(job.instance_id)
            stuck = next((i for i in loaded.state.incidents if i.job_id == job_id), None)
            if job.status == "failed" and retries > 0 and stuck is not None:
                resolve_incident(uow, stuck.id)
                return None
            uow.tx.update_job(job_id, retries=retries)
            uow.apply(loaded, SetJobRetries(job_id, retries), strict=False)
            return None

        return self.shell.transact(work, actor=actor)

    # -- Camunda 7 locks --------------------------------------------------------------------

    def extend_lock(
        self, job_id: str, worker: str, duration: dt.timedelta, *, actor: str | None = None
    ) -> Refusal | None:
        """Make the lease `worker` holds on the job end `duration` from now; None when
        applied."""

        def work(uow: UnitOfWork) -> Refusal | None:
            job = uow.tx.get_job(job_id)
            refusal = _finished(job_id, job)
            if refusal is not None or job is None:
                return refusal
            refusal = _not_held(job, worker, uow.now, "extended")
            if refusal is not None:
                return refusal
            uow.tx.update_job(job_id, lease_until=uow.now + duration)
            return None

        return self.shell.transact(work, actor=actor)

    def unlock(self, job_id: str, *, actor: str | None = None) -> Refusal | None:
        """End the job's lease now, whoever holds it, so that the next fetch takes it;
        None when applied (also when it was not locked)."""

        def work(uow: UnitOfWork) -> Refusal | None:
            job = uow.tx.get_job(job_id)
            refusal = _finished(job_id, job, failed_ok=True)
            if refusal is not None or job is None:
                return refusal
            if holder_of(job, uow.now) is not None:
                uow.tx.update_job(job_id, lease_until=uow.now)
            return None

        return self.shell.transact(work, actor=actor)

    def activate_matching(
        self,
        job_type: str,
        worker: str,
        *,
        limit: int,
        lease: dt.timedelta,
        accept: Callable[[Instance, Mapping[str, Any]], bool],
        fetch: Sequence[str] | None = None,
    ) -> list[Activated]:
        """`activate`, taking only the jobs whose instance (and variables) `accept` likes:
        of the first `SCAN` claimable jobs of the type, oldest first, each instance is
        read, locked and its jobs claimed one by one in one transaction."""
        if outbox.is_internal(job_type):
            raise RequestError(
                f"jobs of type {job_type!r} are the engine's own work; workers cannot take them"
            )
        shell = self.shell
        seconds = max(lease.total_seconds(), 0.001)

        def work(uow: UnitOfWork) -> list[tuple[Job, Instance, int]]:
            tx, now = uow.tx, uow.now
            query = JobQuery(type=job_type, statuses=("ready", "claimed"), limit=SCAN)
            open_jobs = [
                job
                for job in tx.page_jobs(query)
                if (job.status == "ready" and job.due_at <= now)
                or (job.status == "claimed" and holder_of(job, now) is None)
            ]
            taken: list[tuple[Job, Instance, int]] = []
            for instance_id in sorted({job.instance_id for job in open_jobs}):
                if len(taken) >= limit:
                    break
                events = []
                for job in (j for j in open_jobs if j.instance_id == instance_id):
                    if len(taken) >= limit:
                        break
                    values = to_python(decode_value(job.variables))
                    row = tx.get_instance(instance_id)
                    if row is None or not accept(row, values if isinstance(values, dict) else {}):
                        continue
                    row = tx.lock_instance(instance_id)
                    got = tx.claim_job(job.id, worker, lease_seconds=seconds, now=now)
                    if got is None:
                        continue
                    version = shell.models.get(tx, row.definition_id).version
                    taken.append((got, row, version))
                    events.append(locked_event(got, worker, "ActivateJobs", now))
                if events:
                    tx.add_history(instance_id, events)
            return taken

        wanted = None if fetch is None else set(fetch)
        out: list[Activated] = []
        for job, row, version in shell.transact(work, actor=worker):
            variables = to_python(decode_value(job.variables))
            if not isinstance(variables, dict):
                variables = {}
            if wanted is not None:
                variables = {k: v for k, v in variables.items() if k in wanted}
            out.append(
                Activated(
                    job=job,
                    worker=worker,
                    token=lease_token(job),
                    process_id=row.process_id,
                    definition_id=row.definition_id,
                    version=version,
                    business_key=row.business_key,
                    variables=variables,
                )
            )
        return out


def _fence(job: Job, token: str) -> Refusal | None:
    """Why the activation of `token` may not act on `job` any more, if it may not."""
    attempt = _token_attempt(token, job.id)
    if attempt is None:
        return Refusal(
            "conflict",
            f"the lease token does not belong to job {job.id}; send the jobLeaseToken of "
            "its activation",
        )
    if job.status != "claimed" or attempt != job.attempt:
        return Refusal("conflict", _superseded(job, attempt))
    return None


def _finished(job_id: str, job: Job | None, *, failed_ok: bool = False) -> Refusal | None:
    """Why a job cannot take a report any more, if it cannot."""
    if job is None:
        return Refusal("missing", f"there is no job {job_id}")
    if job.status == "completed":
        return Refusal(
            "missing",
            f"the job {job_id} was already completed (at {_when(job.completed_at)}); "
            "a job is completed once",
        )
    if job.status == "cancelled":
        return Refusal(
            "missing",
            f"the job {job_id} was cancelled (at {_when(job.completed_at)}): its task was "
            "terminated or its instance cancelled",
        )
    if job.status == "failed" and not failed_ok:
        return Refusal(
            "conflict",
            f"the job {job_id} failed with no retries left and its instance has an "
            f"incident ({job.error or 'no message'}); give it retries and resolve the "
            "incident",
        )
    return None


def _superseded(job: Job, attempt: int | None) -> str:
    """Why a report for an earlier activation is refused."""
    earlier = f"activation {attempt}" if attempt is not None else "an earlier activation"
    if job.status == "claimed":
        return (
            f"the job {job.id} is held by another activation now (worker "
            f"{job.lease_owner!r}, activation {job.attempt}, until "
            f"{_when(job.lease_until)}): the lease of {earlier} ran out"
        )
    return (
        f"the lease of {earlier} of job {job.id} is over (the job is {job.status} again, "
        "waiting for a worker); activate it again"
    )
