"""Camunda 7's jobs: the unfinished jobs listed and counted, one by id, its error details
(`stacktrace`), and setting its retries.

Setting retries on a job that failed out of retries resolves its incident, as in Camunda 7:
what failed runs again — the engine makes the job anew (a new id), which gets the
retries asked for. Regista's timers are not jobs, so `timers=true` matches none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from regista.api.engine_rest.common import Count, Page, Worker, c7_date, sorted_page
from regista.api.engine_rest.incidents import open_incidents
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.api.v2.jobs import jobs_of
from regista.store import IncidentQuery, Instance, Job, JobQuery, Transaction

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: jobs"])

_UNFINISHED = ("ready", "claimed", "failed")
_BATCH = 500


class JobDto(BaseModel):
    id: str
    jobDefinitionId: str | None = None
    processInstanceId: str
    processDefinitionId: str | None
    processDefinitionKey: str | None
    executionId: str
    exceptionMessage: str | None
    failedActivityId: str | None
    retries: int
    dueDate: str | None
    suspended: bool = False
    priority: int = 0
    tenantId: str | None = None
    createTime: str | None
    batchId: str | None = None


def _dto(job: Job, instance: Instance | None) -> JobDto:
    return JobDto(
        id=job.id,
        processInstanceId=job.instance_id,
        processDefinitionId=instance.definition_id if instance else None,
        processDefinitionKey=instance.process_id if instance else None,
        executionId=job.element_instance_id,
        exceptionMessage=job.error,
        failedActivityId=job.element_id if job.error is not None else None,
        retries=job.retries,
        dueDate=c7_date(job.due_at),
        createTime=c7_date(job.created_at),
    )


class JobFilter(BaseModel):
    """The query parameters of the list and the count (lists are comma-separated)."""

    jobId: str | None = None
    jobIds: str | None = None
    processInstanceId: str | None = None
    processInstanceIds: str | None = None
    executionId: str | None = None
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    activityId: str | None = None
    withRetriesLeft: bool | None = None
    executable: bool | None = None
    timers: bool | None = None
    messages: bool | None = None
    withException: bool | None = None
    exceptionMessage: str | None = None
    noRetriesLeft: bool | None = None
    active: bool | None = None
    suspended: bool | None = None


Filter = Annotated[JobFilter, Query()]

_SORT: dict[str, Callable[[JobDto], Any]] = {
    "jobId": lambda j: j.id,
    "executionId": lambda j: j.executionId,
    "processInstanceId": lambda j: j.processInstanceId,
    "processDefinitionId": lambda j: j.processDefinitionId or "",
    "processDefinitionKey": lambda j: j.processDefinitionKey or "",
    "jobPriority": lambda j: j.priority,
    "jobRetries": lambda j: j.retries,
    "jobDueDate": lambda j: j.dueDate or "",
    "tenantId": lambda j: "",
}


def _unfinished(tx: Transaction, f: JobFilter) -> Iterator[Job]:
    base = JobQuery(
        job_id=f.jobId,
        statuses=_UNFINISHED,
        instance_id=f.processInstanceId,
        process_id=f.processDefinitionKey,
        definition_id=f.processDefinitionId,
        element_id=f.activityId,
        element_instance_id=f.executionId,
    )
    after: str | None = None
    while True:
        rows = tx.page_jobs(
            JobQuery(
                **{
                    **{n: getattr(base, n) for n in base.__slots__},
                    "after_id": after,
                    "limit": _BATCH,
                }
            )
        )
        yield from rows
        if len(rows) < _BATCH:
            return
        after = rows[-1].id


def _listed(request: Request, f: JobFilter) -> list[JobDto]:
    if f.timers or f.suspended or f.active is False:
        return []  # Regista's timers are not jobs; it suspends no job
    ids = None if f.jobIds is None else set(f.jobIds.split(","))
    instance_ids = None if f.processInstanceIds is None else set(f.processInstanceIds.split(","))
    client = client_of(request)
    now = client.shell.now()
    instances: dict[str, Instance | None] = {}
    found: list[JobDto] = []
    with client.store.transaction(write=False) as tx:
        for job in _unfinished(tx, f):
            if (
                (ids is not None and job.id not in ids)
                or (instance_ids is not None and job.instance_id not in instance_ids)
                or (f.withRetriesLeft and job.retries <= 0)
                or (f.noRetriesLeft and job.retries > 0)
                or (f.executable and (job.retries <= 0 or job.due_at > now))
                or (f.withException and job.error is None)
                or (f.exceptionMessage is not None and job.error != f.exceptionMessage)
            ):
                continue
            if job.instance_id not in instances:
                instances[job.instance_id] = tx.get_instance(job.instance_id)
            found.append(_dto(job, instances[job.instance_id]))
    return found


@router.get("/job", response_model=list[JobDto], summary="List unfinished jobs")
def list_jobs(
    request: Request,
    principal: Worker,
    paging: Page,
    f: Filter,
    sortBy: str | None = None,
    sortOrder: Annotated[Literal["asc", "desc"] | None, Query()] = None,
) -> list[JobDto]:
    return sorted_page(_listed(request, f), _SORT, sortBy, sortOrder, paging)


@router.get("/job/count", response_model=Count, summary="Count unfinished jobs")
def count_jobs(request: Request, principal: Worker, f: Filter) -> Count:
    return Count(count=len(_listed(request, f)))


def _job(request: Request, job_id: str) -> tuple[Job, Instance | None]:
    with client_of(request).store.transaction(write=False) as tx:
        job = tx.get_job(job_id)
        instance = tx.get_instance(job.instance_id) if job is not None else None
    if job is None or job.status not in _UNFINISHED or job.type.startswith("regista:"):
        raise ApiError(404, f"there is no unfinished job with the id {job_id!r}")
    return job, instance


@router.get("/job/{id}", response_model=JobDto, summary="Get an unfinished job")
def get_job(request: Request, id: str, principal: Worker) -> JobDto:
    return _dto(*_job(request, id))


@router.get(
    "/job/{id}/stacktrace",
    summary="The error details of a job's last failure (text/plain)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def get_stacktrace(request: Request, id: str, principal: Worker) -> Response:
    job, _instance = _job(request, id)
    if job.error is None:
        raise ApiError(404, f"the job {id!r} has not failed: it has no error details")
    return Response(job.error, media_type="text/plain")


class Retries(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retries: int = Field(ge=0, le=2**31 - 1)


@router.put(
    "/job/{id}/retries",
    status_code=204,
    response_class=Response,
    summary="Set a job's retries (a job out of retries runs again: its incident resolves)",
)
def set_retries(request: Request, id: str, body: Retries, principal: Worker) -> Response:
    job, _instance = _job(request, id)
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        incident = next(open_incidents(tx, IncidentQuery(job_id=id)), None)
    target = id
    if incident is not None and body.retries > 0:
        client.shell.resolve_incident(incident.id, actor=principal.username)
        target = _successor(request, job)
    refusal = jobs_of(request).update(target, retries=body.retries, actor=principal.username)
    if refusal is not None and not (target != id and refusal.kind == "missing"):
        # (a job made anew may already have run and finished: nothing left to set)
        raise ApiError(404 if refusal.kind == "missing" else 409, refusal.detail)
    return Response(status_code=204)


def _successor(request: Request, job: Job) -> str:
    """The job that runs again after its failed one's incident resolved: the same job
    made claimable (an incident of the runtime), or the engine's new job for the same
    element instance."""
    with client_of(request).store.transaction(write=False) as tx:
        again = tx.get_job(job.id)
        if again is not None and again.status in ("ready", "claimed"):
            return job.id
        for other in tx.jobs_of_instance(job.instance_id):
            if (
                other.element_instance_id == job.element_instance_id
                and other.id != job.id
                and other.status in ("ready", "claimed")
            ):
                return other.id
    return job.id
