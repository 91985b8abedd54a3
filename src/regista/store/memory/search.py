"""The API's searches over the memory store's tables: the same filters, orders and keyset
pages as the SQL stores' `search.sql`, computed by a scan."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from regista.store.memory.variables import instance_variables_match
from regista.store.params import IncidentQuery, InstanceQuery, JobQuery
from regista.store.records import Incident, Instance, Job
from regista.store.values import utc
from regista.store.variables import VariableValue

__all__ = [
    "incident_matches",
    "instance_matches",
    "job_matches",
    "page",
    "sorted_incidents",
    "sorted_instances",
    "sorted_jobs",
]

#: The prefix of the runtime's own job types, which searches never list.
_INTERNAL = "regista:"


def _within(value: datetime | None, low: datetime | None, high: datetime | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= utc(low)) and (high is None or value <= utc(high))


def instance_matches(
    row: Instance, q: InstanceQuery, variables: Mapping[str, VariableValue] | None = None
) -> bool:
    """Whether an instance row passes the filters of `q` (its variable conditions checked
    against `variables`, the table of variable rows)."""
    return (
        (q.instance_id is None or row.id == q.instance_id)
        and (q.process_id is None or row.process_id == q.process_id)
        and (q.definition_id is None or row.definition_id == q.definition_id)
        and (q.parent_instance_id is None or row.parent_instance_id == q.parent_instance_id)
        and (q.business_key is None or row.business_key == q.business_key)
        and (q.statuses is None or row.status in q.statuses)
        and _within(row.started_at, q.started_from, q.started_to)
        and _within(row.ended_at, q.ended_from, q.ended_to)
        and (not q.variables or instance_variables_match(variables or {}, row.id, q.variables))
    )


def sorted_instances(rows: list[Instance], q: InstanceQuery) -> list[Instance]:
    """The rows after the cursor of `q`, in its order."""
    key: Callable[[Instance], Any] = (
        (lambda r: (r.started_at, r.id)) if q.order == "started" else (lambda r: r.id)
    )
    rows = sorted(rows, key=key, reverse=q.descending)
    if q.after_id is not None:
        mark: Any = q.after_id
        if q.order == "started":
            if q.after_started is None:
                return []
            mark = (utc(q.after_started), q.after_id)
        rows = [r for r in rows if (key(r) < mark if q.descending else key(r) > mark)]
    return rows


def incident_matches(row: Incident, q: IncidentQuery) -> bool:
    """Whether an incident passes the filters of `q` that its own row answers (the
    instance's process and definition are the caller's to check)."""
    return (
        (q.incident_id is None or row.id == q.incident_id)
        and (q.instance_id is None or row.instance_id == q.instance_id)
        and (q.element_id is None or row.element_id == q.element_id)
        and (q.element_instance_id is None or row.element_instance_id == q.element_instance_id)
        and (q.job_id is None or row.job_id == q.job_id)
        and (q.error_types is None or row.error_type in q.error_types)
        and _within(row.created_at, q.created_from, q.created_to)
        and (q.resolved is None or (row.resolved_at is not None) == q.resolved)
    )


def sorted_incidents(rows: list[Incident], q: IncidentQuery) -> list[Incident]:
    """The incidents after the cursor of `q`, in its order."""
    rows = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=q.descending)
    if q.after_id is not None:
        if q.after_created is None:
            return []
        mark = (utc(q.after_created), q.after_id)
        rows = [
            r
            for r in rows
            if ((r.created_at, r.id) < mark if q.descending else (r.created_at, r.id) > mark)
        ]
    return rows


def job_matches(row: Job, q: JobQuery) -> bool:
    """Whether a job passes the filters of `q` that its own row answers (the instance's
    process and definition are the caller's to check)."""
    retried = row.status == "ready" and row.error is not None
    return (
        not row.type.startswith(_INTERNAL)
        and (q.job_id is None or row.id == q.job_id)
        and (q.type is None or row.type == q.type)
        and (q.worker is None or row.lease_owner == q.worker)
        and (q.statuses is None or row.status in q.statuses)
        and (q.instance_id is None or row.instance_id == q.instance_id)
        and (q.element_id is None or row.element_id == q.element_id)
        and (q.element_instance_id is None or row.element_instance_id == q.element_instance_id)
        and (q.retries is None or row.retries == q.retries)
        and (q.retries_from is None or row.retries >= q.retries_from)
        and (q.retries_to is None or row.retries <= q.retries_to)
        and (q.retried is None or retried == q.retried)
    )


def sorted_jobs(rows: list[Job], q: JobQuery) -> list[Job]:
    """The jobs after the cursor of `q`, by key."""
    rows = sorted(rows, key=lambda r: r.id, reverse=q.descending)
    if q.after_id is not None:
        mark = q.after_id
        rows = [r for r in rows if (r.id < mark if q.descending else r.id > mark)]
    return rows


def page(rows: list[Any], offset: int, limit: int) -> list[Any]:
    return rows[offset : offset + limit]
