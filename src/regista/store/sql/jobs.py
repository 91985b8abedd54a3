"""The job operations of the SQL stores, a part of `SqlTransaction`: rows of `jobs`
inserted, claimed (one by id, or the claimable ones of some types: `job_claim`), completed,
failed, retried, updated and cancelled, each by its named statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from regista.store.params import NewJob
from regista.store.records import Job, Outcome
from regista.store.sql.base import Codec
from regista.store.sql.rows import Row, RowMapper
from regista.store.sql.session import SqlSession
from regista.store.values import aware

__all__ = ["SqlJobs"]


def _job_or_none(rows: RowMapper, row: Row | None) -> Job | None:
    return None if row is None else rows.job(row)


class SqlJobs:
    """Jobs over the transaction's `SqlSession`."""

    _s: SqlSession
    _c: Codec
    _rows: RowMapper

    def insert_job(self, new: NewJob, *, now: datetime) -> None:
        self._s.write(
            "job_insert",
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            type=new.type,
            retries=new.retries,
            attempt=1 if new.claimed else 0,
            status="claimed" if new.claimed else "ready",
            lease_owner=new.lease_owner,
            lease_until=self._c.ts(new.lease_until),
            due_at=self._c.ts(aware(new.due_at or now)),
            variables=self._c.json(new.variables, f"variables of job {new.id!r}"),
            headers=self._c.json(new.headers, f"headers of job {new.id!r}"),
            now=self._c.ts(aware(now)),
        )

    def get_job(self, job_id: str) -> Job | None:
        return _job_or_none(self._rows, self._s.one("job_get", id=job_id))

    def jobs_of_instance(self, instance_id: str) -> list[Job]:
        rows = self._s.all("jobs_of_instance", instance_id=instance_id)
        return [self._rows.job(r) for r in rows]

    def claim_job(
        self, job_id: str, worker_id: str, *, lease_seconds: float, now: datetime
    ) -> Job | None:
        now = aware(now)
        row = self._s.one(
            "job_claim_one",
            write=True,
            id=job_id,
            worker_id=worker_id,
            now=self._c.ts(now),
            lease_until=self._c.ts(now + timedelta(seconds=lease_seconds)),
        )
        return _job_or_none(self._rows, row)

    def claim_jobs(
        self,
        types: Sequence[str],
        worker_id: str,
        *,
        limit: int,
        lease_seconds: float,
        now: datetime,
    ) -> list[Job]:
        if not types or limit <= 0:
            return []
        now = aware(now)
        wanted = sorted(set(types))
        # one type (an activation): a statement that reads only :limit rows of each index
        name, of = (
            ("job_claim_type", {"type": wanted[0]})
            if len(wanted) == 1
            else ("job_claim", {"types": self._c.text_list(wanted)})
        )
        rows = self._s.all(
            name,
            write=True,
            worker_id=worker_id,
            now=self._c.ts(now),
            lease_until=self._c.ts(now + timedelta(seconds=lease_seconds)),
            limit=limit,
            **of,
        )
        return sorted((self._rows.job(r) for r in rows), key=lambda j: (j.due_at, j.id))

    def _report_outcome(self, job_id: str, attempt: int, done: tuple[str, ...]) -> Outcome:
        row = self._s.one("job_get", id=job_id)
        if row is None:
            return Outcome.MISSING
        if row["attempt"] == attempt and row["status"] in done:
            return Outcome.DUPLICATE
        return Outcome.STALE

    def complete_job(self, job_id: str, attempt: int, *, now: datetime) -> Outcome:
        row = self._s.one(
            "job_complete", write=True, id=job_id, attempt=attempt, now=self._c.ts(aware(now))
        )
        if row is not None:
            return Outcome.APPLIED
        return self._report_outcome(job_id, attempt, ("completed",))

    def fail_job(
        self, job_id: str, attempt: int, *, error: str, now: datetime, details: str | None = None
    ) -> Outcome:
        row = self._s.one(
            "job_fail", write=True, id=job_id, attempt=attempt, error=error, details=details
        )
        if row is not None:
            return Outcome.APPLIED
        return self._report_outcome(job_id, attempt, ("ready", "failed"))

    def retry_job(self, job_id: str, *, retries: int, due_at: datetime) -> bool:
        row = self._s.one(
            "job_retry",
            write=True,
            id=job_id,
            retries=max(retries, 0),
            due_at=self._c.ts(aware(due_at)),
        )
        return row is not None

    def update_job(
        self, job_id: str, *, retries: int | None = None, lease_until: datetime | None = None
    ) -> bool:
        row = self._s.one(
            "job_update",
            write=True,
            id=job_id,
            retries=None if retries is None else max(retries, 0),
            lease_until=None if lease_until is None else self._c.ts(aware(lease_until)),
        )
        return row is not None

    def cancel_job(self, job_id: str, *, now: datetime) -> bool:
        row = self._s.one("job_cancel", write=True, id=job_id, now=self._c.ts(aware(now)))
        return row is not None
