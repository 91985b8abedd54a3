"""What a unit of work needs of the job executor of its process: the `JobTaker` that takes
the jobs the unit creates for it, and the history event of a job leased to a worker."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from regista.store import Job, NewEvent

__all__ = ["JobTaker", "locked_event"]


def locked_event(job: Job, worker_id: str, command: str, now: dt.datetime) -> NewEvent:
    """The history event of a job leased to a worker (claimed, or taken by the executor
    of the report that created it)."""
    lease_until = job.lease_until.isoformat() if job.lease_until is not None else None
    return NewEvent(
        kind="job_locked",
        ts=now,
        element_id=job.element_id,
        element_instance_id=job.element_instance_id,
        actor=worker_id,
        command=command,
        data={
            "job_id": job.id,
            "type": job.type,
            "attempt": job.attempt,
            "lease_until": lease_until,
        },
    )


class JobTaker(Protocol):
    """A job executor of this process that takes the jobs a unit of work creates for it:
    they are inserted already leased to `worker_id` (see `Transaction.insert_job`), and
    handed to `taken` once the transaction committed — no claim, no wait for a wake-up."""

    @property
    def worker_id(self) -> str: ...

    @property
    def lease(self) -> float:
        """Seconds of the lease."""
        ...

    def wants(self, job_type: str, pending: int = 0) -> bool:
        """Whether to take a job of this type now (it runs the type and has room beside
        the `pending` jobs this transaction already took for it)."""
        ...

    def taken(self, jobs: Sequence[Job]) -> None:
        """Run these jobs, leased to `worker_id` by the transaction that just committed."""
        ...
