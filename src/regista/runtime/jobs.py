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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from regista.engine import SetJobRetries, SetVariables, decode_value
from regista.feel.values import to_python
from regista.runtime import outbox
from regista.runtime.errors import RequestError
from regista.runtime.shell import Shell, feel_variables
from regista.runtime.unit_of_work import UnitOfWork, locked_event
from regista.runtime.workers import WorkResult
from regista.store import CorruptState, Instance, Job, NotFound, Outcome, Transaction

__all__ = ["Activated", "ExternalJobs", "Refusal", "lease_token"]


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
    completed or cancelled) or in a `conflict`ing state (a later activation holds it, it
    failed behind an incident, it is not activated)."""

    kind: Literal["missing", "conflict"]
    detail: str


@dataclass(frozen=True, slots=True)
class _Report:
    job_id: str
    result: WorkResult
    token: str | None
    actor: str | None


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
        rows: dict[str, Instance] = {}
        versions: dict[str, int] = {}
        shell = self.shell

        def record(tx: Transaction, jobs: list[Job]) -> None:
            now = shell.now()
            by_instance: dict[str, list[Job]] = {}
            for job in jobs:
                by_instance.setdefault(job.instance_id, []).append(job)
            for instance_id in sorted(by_instance):  # lock order: no cycles between nodes
                try:
                    row = tx.lock_instance(instance_id)
                except (NotFound, CorruptState):
                    continue
                rows[instance_id] = row
                if row.definition_id not in versions:
                    versions[row.definition_id] = shell.models.get(tx, row.definition_id).version
                tx.add_history(
                    instance_id,
                    [
                        locked_event(job, worker, "ActivateJobs", now)
                        for job in by_instance[instance_id]
                    ],
                )

        with shell.writing():
            jobs = shell.store.claim_jobs(
                [job_type],
                worker,
                limit=limit,
                lease_seconds=max(lease.total_seconds(), 0.001),
                now=shell.now(),
                then=record,
            )
        wanted = None if fetch is None else set(fetch)
        out: list[Activated] = []
        for job in jobs:
            row = rows.get(job.instance_id)
            variables = to_python(decode_value(job.variables))
            if wanted is not None and isinstance(variables, dict):
                variables = {k: v for k, v in variables.items() if k in wanted}
            out.append(
                Activated(
                    job=job,
                    worker=worker,
                    token=lease_token(job),
                    process_id=row.process_id if row else "",
                    definition_id=row.definition_id if row else "",
                    version=versions.get(row.definition_id, 0) if row else 0,
                    business_key=row.business_key if row else None,
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
    ) -> Refusal | None:
        """Complete, fail or throw an error for the job `job_id` (see the module docstring);
        None when applied, else why not. Concurrent reports share transactions."""
        report = _Report(job_id, result, token, actor)
        return self.shell.shared.run(lambda uow: self._apply(uow, report), actor=actor)

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
        return await self.shell.shared.run_async(lambda uow: self._apply(uow, report), actor=actor)

    def _apply(self, uow: UnitOfWork, report: _Report) -> Refusal | None:
        tx = uow.tx
        job_id, result = report.job_id, report.result
        job = tx.get_job(job_id)
        refusal = _finished(job_id, job)
        if refusal is not None or job is None:
            return refusal
        if outbox.is_internal(job.type):
            return Refusal("conflict", f"the job {job_id} is the engine's own work")
        if report.token is not None:
            attempt = _token_attempt(report.token, job_id)
            if attempt is None:
                return Refusal(
                    "conflict",
                    f"the lease token does not belong to job {job_id}; send the "
                    "jobLeaseToken of its activation",
                )
            if job.status != "claimed" or attempt != job.attempt:
                return Refusal("conflict", _superseded(job, attempt))
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
        if result.kind == "failed" and result.variables:
            loaded = uow.load(job.instance_id)
            scope = SetVariables(feel_variables(result.variables), job.element_instance_id)
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
        actor: str | None = None,
    ) -> Refusal | None:
        """Change an unfinished job's retries and, when it is activated, its deadline (now +
        `timeout`); None when applied."""

        def work(uow: UnitOfWork) -> Refusal | None:
            job = uow.tx.get_job(job_id)
            refusal = _finished(job_id, job, failed_ok=True)
            if refusal is not None or job is None:
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
