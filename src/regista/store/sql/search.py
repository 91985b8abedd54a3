"""The pages the API's searches read (instances, incidents) and the messageId record,
over one SQL session: the statements live in `queries/<dialect>/search.sql`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regista.store.params import IncidentQuery, InstanceQuery, JobQuery
from regista.store.records import Incident, Instance, Job
from regista.store.sql.base import key_in
from regista.store.sql.session import SqlSession

__all__ = [
    "claim_message_id",
    "count_incidents",
    "count_instances",
    "count_jobs",
    "page_incidents",
    "page_instances",
    "page_jobs",
]


def _instance_filters(s: SqlSession, q: InstanceQuery) -> dict[str, Any]:
    c = s.codec
    return {
        "instance_id": q.instance_id,
        "process_id": q.process_id,
        "definition_id": q.definition_id,
        "parent_instance_id": q.parent_instance_id,
        "statuses": None if q.statuses is None else c.text_list(list(q.statuses)),
        "started_from": c.ts(q.started_from),
        "started_to": c.ts(q.started_to),
        "ended_from": c.ts(q.ended_from),
        "ended_to": c.ts(q.ended_to),
    }


def page_instances(s: SqlSession, q: InstanceQuery) -> list[Instance]:
    name = f"instance_page_{q.order}_{'desc' if q.descending else 'asc'}"
    params = _instance_filters(s, q)
    params.update(after_id=q.after_id, limit=q.limit, offset=q.offset)
    if q.order == "started":
        params["after_started"] = s.codec.ts(q.after_started)
    return [s.rows.instance(r) for r in s.all(name, **params)]


def count_instances(s: SqlSession, q: InstanceQuery, cap: int) -> int:
    row = s.one("instance_count", cap=cap, **_instance_filters(s, q))
    return 0 if row is None else int(row["n"])


def _incident_filters(q: IncidentQuery) -> dict[str, Any]:
    return {
        "incident_id": q.incident_id,
        "instance_id": q.instance_id,
        "element_id": q.element_id,
        "job_id": q.job_id,
        "resolved": q.resolved,
    }


def page_incidents(s: SqlSession, q: IncidentQuery) -> list[Incident]:
    name = f"incident_page_{'desc' if q.descending else 'asc'}"
    rows = s.all(
        name,
        after_id=q.after_id,
        after_created=s.codec.ts(q.after_created),
        limit=q.limit,
        offset=q.offset,
        **_incident_filters(q),
    )
    return [s.rows.incident(r) for r in rows]


def count_incidents(s: SqlSession, q: IncidentQuery, cap: int) -> int:
    row = s.one("incident_count", cap=cap, **_incident_filters(q))
    return 0 if row is None else int(row["n"])


def _job_filters(s: SqlSession, q: JobQuery) -> dict[str, Any]:
    return {
        "internal": "regista:%",
        "job_id": q.job_id,
        "type": q.type,
        "worker": q.worker,
        "statuses": None if q.statuses is None else s.codec.text_list(list(q.statuses)),
        "instance_id": q.instance_id,
        "process_id": q.process_id,
        "definition_id": q.definition_id,
        "element_id": q.element_id,
        "element_instance_id": q.element_instance_id,
        "retries": q.retries,
        "retried": q.retried,
    }


def page_jobs(s: SqlSession, q: JobQuery) -> list[Job]:
    name = f"job_page_{'desc' if q.descending else 'asc'}"
    rows = s.all(name, after_id=q.after_id, limit=q.limit, offset=q.offset, **_job_filters(s, q))
    return [s.rows.job(r) for r in rows]


def count_jobs(s: SqlSession, q: JobQuery, cap: int) -> int:
    row = s.one("job_count", cap=cap, **_job_filters(s, q))
    return 0 if row is None else int(row["n"])


def claim_message_id(
    s: SqlSession,
    name: str,
    correlation_key: str | None,
    message_id: str,
    *,
    message_key: str,
    expires_at: datetime,
    now: datetime,
) -> bool:
    row = s.one(
        "message_id_claim",
        write=True,
        name=name,
        correlation_key=key_in(correlation_key),
        message_id=message_id,
        message_key=message_key,
        expires_at=s.codec.ts(expires_at),
        now=s.codec.ts(now),
    )
    return row is not None
