"""Jobs for external workers, as Camunda 8's REST API has them: activation with long
polling, completion, failure, BPMN errors, updates and search.

Activation waits up to `requestTimeout` for a job when none is ready: the shell's job
bell wakes it when a commit in this process creates jobs (and, on PostgreSQL, the
`NOTIFY` of another node through the engine node's listener, or the API's own when the
server runs without an engine); a wait of one second at most between looks is the
guarantee (retries after a back-off and leases that run out ring no bell). The waiting is
asyncio, so idle long polls hold no thread. Reports go through the runtime's group commit
(`regista.runtime.jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from pydantic_core import to_json
from starlette.concurrency import run_in_threadpool

from regista.api.context import Principal, require, services
from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, client_of, iso, json_value, root_key
from regista.api.v2.filters import one_of, values
from regista.api.v2.search import (
    COUNT_CAP,
    Model,
    Page,
    PageInfo,
    SearchResult,
    SortField,
    check_page,
    check_sort,
    decode_cursor,
    encode_cursor,
)
from regista.runtime.jobs import Activated, ExternalJobs, Refusal
from regista.runtime.shell import Shell
from regista.runtime.wakeup import Listener
from regista.runtime.workers import WorkResult
from regista.store import Instance, Job, JobQuery, Transaction

__all__ = [
    "DEFAULT_LONG_POLL",
    "JobActivationRequest",
    "JobCompletionRequest",
    "Worker",
    "activate",
    "complete",
    "external_jobs",
    "jobs_of",
    "router",
]

router = APIRouter(prefix="/v2/jobs", tags=["Job"])

#: How long an activation waits for jobs when `requestTimeout` is 0 or absent (the
#: Camunda gateway's default long-polling timeout).
DEFAULT_LONG_POLL = 10.0
_LOOK_AGAIN = 1.0
#: The longest lease or back-off (ms) a request may ask for: ten years (longer ones would
#: overflow the clock's arithmetic, a 500 instead of a 400).
LONGEST_MS = 10 * 366 * 24 * 3600 * 1000
_guard = threading.Lock()

Worker = Annotated[Principal, Depends(require("operator", "worker"))]
_MISSING = {"description": "The job was not found (it never existed, completed or was cancelled)"}
_CONFLICT = {"description": "The job is in the wrong state (another activation holds it, ...)"}


async def external_jobs(request: Request) -> ExternalJobs:
    """`jobs_of` as a dependency: a coroutine, so that FastAPI does not send every job
    request through a thread for it."""
    return jobs_of(request)


def jobs_of(request: Request) -> ExternalJobs:
    """The application's `ExternalJobs` (made at first use; on PostgreSQL without an engine
    node, with a listener of other nodes' commits: jobs made, instances ended)."""
    state = request.app.state
    found: ExternalJobs | None = getattr(state, "external_jobs", None)
    if found is not None:
        return found
    with _guard:
        found = getattr(state, "external_jobs", None)
        if found is None:
            svc = services(request)
            shell = svc.client.shell
            found = ExternalJobs(shell)
            url = getattr(shell.store, "url", None)
            if svc.node is None and shell.store.dialect == "postgres" and url is not None:
                listener = Listener(url, lambda payload: _heard(shell, payload))
                listener.start()
                state.jobs_listener = listener
            state.external_jobs = found
    return found


def _heard(shell: Shell, payload: str) -> None:
    """Another node committed: instances ended (awaiting starts look again) or jobs."""
    if payload == "ended":
        shell.signals.endings.ring_all()
    else:
        shell.signals.jobs.set()


def close_jobs(state: Any) -> None:
    """Stop what `external_jobs` started (the listener); for servers and tests."""
    listener: Listener | None = getattr(state, "jobs_listener", None)
    if listener is not None:
        listener.stop()
        state.jobs_listener = None


Jobs = Annotated[ExternalJobs, Depends(external_jobs)]


# -- activation -----------------------------------------------------------------------------


class JobActivationRequest(BaseModel):
    type: str = Field(min_length=1, description="The job type, as in the model's taskDefinition")
    worker: str | None = Field(
        default=None, description="The name of the worker activating the jobs"
    )
    timeout: int = Field(
        ge=1, le=LONGEST_MS, description="How long (ms) the jobs are leased to this worker"
    )
    maxJobsToActivate: int = Field(ge=1, le=10_000, description="At most this many jobs")
    fetchVariable: list[str] | None = Field(
        default=None, description="The variables to fetch; all visible ones when empty or absent"
    )
    requestTimeout: int | None = Field(
        default=None,
        description="Long polling: wait up to this many ms for a job (0 or absent: the "
        "default, 10 s; negative: answer at once)",
    )
    tenantIds: list[str] | None = None
    withLease: bool | None = Field(
        default=None,
        description="Return a jobLeaseToken that fences the reports of this activation",
    )


class ActivatedJobResult(BaseModel):
    type: str
    processDefinitionId: str
    processDefinitionVersion: int
    elementId: str
    customHeaders: dict[str, Any]
    worker: str
    retries: int
    deadline: int = Field(description="When the lease runs out (UNIX epoch, ms)")
    variables: dict[str, Any]
    tenantId: str = "<default>"
    physicalTenantId: str = "<default>"
    jobKey: str
    processInstanceKey: str
    processDefinitionKey: str
    elementInstanceKey: str
    kind: str = "BPMN_ELEMENT"
    listenerEventType: str = "UNSPECIFIED"
    userTask: dict[str, Any] | None = None
    tags: list[str] = []
    rootProcessInstanceKey: str | None = None
    businessId: str | None = None
    priority: int = 0
    jobLeaseToken: str | None = None


class ActivateJobsResponse(BaseModel):
    jobs: list[ActivatedJobResult]


def _epoch_ms(moment: dt.datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment is not None else 0


def _activated(found: Activated, lease: bool) -> dict[str, Any]:
    """An activated job as `ActivatedJobResult` describes it (the same members in the
    same order; `tests/unit/api/test_lane.py` holds them together): a plain dict, which
    encodes several times faster than a model built and validated per job."""
    job = found.job
    return {
        "type": job.type,
        "processDefinitionId": found.process_id,
        "processDefinitionVersion": found.version,
        "elementId": job.element_id,
        "customHeaders": dict(job.headers),
        "worker": found.worker,
        "retries": job.retries,
        "deadline": _epoch_ms(job.lease_until),
        # as plain JSON, as an instance's variables are read: FEEL decimals as numbers
        "variables": {name: json_value(value) for name, value in found.variables.items()},
        "tenantId": TENANT,
        "physicalTenantId": TENANT,
        "jobKey": job.id,
        "processInstanceKey": job.instance_id,
        "processDefinitionKey": found.definition_id,
        "elementInstanceKey": job.element_instance_id,
        "kind": "BPMN_ELEMENT",
        "listenerEventType": "UNSPECIFIED",
        "userTask": None,
        "tags": [],
        "rootProcessInstanceKey": None,
        "businessId": found.business_key,
        "priority": 0,
        "jobLeaseToken": found.token if lease else None,
    }


@router.post(
    "/activation",
    response_model=ActivateJobsResponse,
    summary="Activate jobs of a type (long polling)",
)
async def activate_jobs(
    body: JobActivationRequest, request: Request, who: Worker, jobs: Jobs
) -> Response:
    return await activate(request, body, who, jobs)


async def activate(
    request: Request, body: JobActivationRequest, who: Principal, jobs: ExternalJobs
) -> Response:
    """`POST /v2/jobs/activation` once its body is read and its caller known (FastAPI's
    route and the hot lane, `api/lane.py`). The answer is encoded here, once: FastAPI would
    validate the model it is given again before encoding it."""
    options = services(request).options
    wait = DEFAULT_LONG_POLL if not body.requestTimeout else body.requestTimeout / 1000
    wait = min(max(wait, 0.0), options.max_long_poll)
    worker = body.worker or who.username
    lease = dt.timedelta(milliseconds=body.timeout)
    fetch = body.fetchVariable or None
    loop = asyncio.get_running_loop()
    rang = asyncio.Event()

    def ring() -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody waits any more
            loop.call_soon_threadsafe(rang.set)

    forget = jobs.shell.signals.jobs.listen(ring)
    deadline = loop.time() + wait
    try:
        while True:
            rang.clear()
            found = await run_in_threadpool(
                jobs.activate,
                body.type,
                worker,
                limit=body.maxJobsToActivate,
                lease=lease,
                fetch=fetch,
            )
            left = deadline - loop.time()
            if found or left <= 0 or await request.is_disconnected():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rang.wait(), timeout=min(left, _LOOK_AGAIN))
    finally:
        forget()
    lease_token = bool(body.withLease)
    answer = to_json({"jobs": [_activated(j, lease_token) for j in found]})
    return Response(answer, media_type="application/json")


# -- reports --------------------------------------------------------------------------------


class JobCompletionRequest(BaseModel):
    variables: dict[str, Any] | None = Field(default=None, description="Variables to set")
    result: dict[str, Any] | None = None
    jobLeaseToken: str | None = Field(default=None, description="The token of the activation")


class JobFailRequest(BaseModel):
    retries: int = Field(default=0, ge=0, description="How many retries are left (0: an incident)")
    errorMessage: str | None = None
    retryBackOff: int = Field(
        default=0, ge=0, le=LONGEST_MS, description="Wait this many ms before the retry"
    )
    variables: dict[str, Any] | None = Field(
        default=None, description="Variables local to the task"
    )
    jobLeaseToken: str | None = None


class JobErrorRequest(BaseModel):
    errorCode: str = Field(min_length=1, description="The BPMN error code to throw")
    errorMessage: str | None = None
    variables: dict[str, Any] | None = None
    jobLeaseToken: str | None = None


def _refused(refusal: Refusal | None) -> Response:
    if refusal is None:
        return Response(status_code=204)
    raise ApiError(404 if refusal.kind == "missing" else 409, refusal.detail)


@router.post(
    "/{jobKey}/completion",
    status_code=204,
    response_class=Response,
    summary="Complete a job",
    responses={404: _MISSING, 409: _CONFLICT},
)
async def complete_job(
    jobKey: str, who: Worker, jobs: Jobs, body: JobCompletionRequest | None = None
) -> Response:
    return await complete(jobKey, body, who, jobs)


async def complete(
    jobKey: str, body: JobCompletionRequest | None, who: Principal, jobs: ExternalJobs
) -> Response:
    """`POST /v2/jobs/{jobKey}/completion` once its body is read and its caller known
    (FastAPI's route and the hot lane, `api/lane.py`)."""
    body = body or JobCompletionRequest()
    result = WorkResult("completed", body.variables or {})
    return _refused(
        await jobs.report_async(jobKey, result, token=body.jobLeaseToken, actor=who.username)
    )


@router.post(
    "/{jobKey}/failure",
    status_code=204,
    response_class=Response,
    summary="Fail a job (retried after retryBackOff while retries are left)",
    responses={404: _MISSING, 409: _CONFLICT},
)
async def fail_job(
    jobKey: str, who: Worker, jobs: Jobs, body: JobFailRequest | None = None
) -> Response:
    body = body or JobFailRequest()
    result = WorkResult(
        "failed",
        body.variables or {},
        message=body.errorMessage or "",
        retries=body.retries,
        backoff=dt.timedelta(milliseconds=body.retryBackOff),
    )
    return _refused(
        await jobs.report_async(jobKey, result, token=body.jobLeaseToken, actor=who.username)
    )


@router.post(
    "/{jobKey}/error",
    status_code=204,
    response_class=Response,
    summary="Throw a BPMN error for a job",
    responses={404: _MISSING, 409: _CONFLICT},
)
async def throw_job_error(jobKey: str, body: JobErrorRequest, who: Worker, jobs: Jobs) -> Response:
    result = WorkResult(
        "error", body.variables or {}, code=body.errorCode, message=body.errorMessage or ""
    )
    return _refused(
        await jobs.report_async(jobKey, result, token=body.jobLeaseToken, actor=who.username)
    )


# -- updates --------------------------------------------------------------------------------


class JobChangeset(BaseModel):
    retries: int | None = Field(default=None, ge=0, description="The job's retries")
    timeout: int | None = Field(
        default=None, ge=1, le=LONGEST_MS, description="The new lease, ms from now"
    )


class JobUpdateRequest(BaseModel):
    changeset: JobChangeset
    operationReference: int | None = None
    jobLeaseToken: str | None = Field(
        default=None,
        description="The token of the activation: the update applies only while that "
        "activation holds the job (409 otherwise), as a completion's does",
    )


@router.patch(
    "/{jobKey}",
    status_code=204,
    response_class=Response,
    summary="Update a job's retries or timeout",
    responses={404: _MISSING, 409: _CONFLICT},
)
def update_job(jobKey: str, body: JobUpdateRequest, who: Worker, jobs: Jobs) -> Response:
    change = body.changeset
    timeout = dt.timedelta(milliseconds=change.timeout) if change.timeout is not None else None
    return _refused(
        jobs.update(
            jobKey,
            retries=change.retries,
            timeout=timeout,
            token=body.jobLeaseToken,
            actor=who.username,
        )
    )


# -- search ---------------------------------------------------------------------------------

JobState = Literal[
    "CREATED",
    "COMPLETED",
    "FAILED",
    "RETRIES_UPDATED",
    "TIMED_OUT",
    "CANCELED",
    "ERROR_THROWN",
    "MIGRATED",
]

#: Camunda's job states, and the statuses of Regista's jobs each one is. A failed job with
#: retries left waits ready again (CREATED, `hasFailedWithRetriesLeft`); one without waits
#: for its incident (FAILED). A BPMN error ends the job as a completion does (COMPLETED);
#: the other states are events Regista's jobs never rest in, so they match none.
_STATES: dict[str, tuple[str, ...]] = {
    "CREATED": ("ready", "claimed"),
    "COMPLETED": ("completed",),
    "FAILED": ("failed",),
    "CANCELED": ("cancelled",),
    "ERROR_THROWN": (),
    "RETRIES_UPDATED": (),
    "TIMED_OUT": (),
    "MIGRATED": (),
}
_STATE_OF: dict[str, JobState] = {
    "ready": "CREATED",
    "claimed": "CREATED",
    "completed": "COMPLETED",
    "failed": "FAILED",
    "cancelled": "CANCELED",
}


class JobFilter(Model):
    jobKey: Any = None
    type: Any = None
    worker: Any = None
    state: Any = Field(default=None, description="CREATED, COMPLETED, FAILED, CANCELED, ...")
    kind: Any = None
    listenerEventType: Any = None
    processInstanceKey: Any = None
    processDefinitionKey: Any = None
    processDefinitionId: Any = None
    elementId: Any = None
    elementInstanceKey: Any = None
    hasFailedWithRetriesLeft: Any = None
    retries: Any = Field(default=None, description="A number, or $eq, $gt, $gte, $lt, $lte")
    tenantId: Any = None


class JobSearchQuery(Model):
    filter: JobFilter = Field(default_factory=JobFilter)
    sort: list[SortField] = Field(default_factory=list, description="By jobKey")
    page: Page | None = None


class JobSearchItem(BaseModel):
    jobKey: str
    type: str
    worker: str
    state: JobState
    kind: str = "BPMN_ELEMENT"
    listenerEventType: str = "UNSPECIFIED"
    retries: int
    isDenied: bool | None = None
    deniedReason: str | None = None
    hasFailedWithRetriesLeft: bool
    errorCode: str | None = None
    errorMessage: str | None = None
    customHeaders: dict[str, str]
    deadline: str | None = Field(default=None, description="When the lease runs out")
    endTime: str | None = None
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    processInstanceKey: str
    elementId: str
    elementInstanceKey: str
    tenantId: str = TENANT
    # present though empty when unknown: the Camunda 8 SDKs require them
    creationTime: str | None = None
    lastUpdateTime: str | None = None
    priority: int = 0
    rootProcessInstanceKey: str | None = None
    businessId: str | None = None


def _bad_filter(field: str, reason: str) -> ApiError:
    return ApiError(
        400,
        f"filter.{field}: {reason}",
        extra={"invalidParams": [{"name": f"filter.{field}", "reason": reason}]},
    )


def _statuses(raw: Any) -> list[str] | None:
    states = values(raw, "state")
    if states is None:
        return None
    found: list[str] = []
    for state in states:
        if state.upper() not in _STATES:
            raise _bad_filter(
                "state", f"{state!r} is not a job state; use one of " + ", ".join(_STATES)
            )
        found.extend(_STATES[state.upper()])
    return found


def _int32(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _bad_filter(field, "must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise _bad_filter(field, "must be an integer") from None
    if not -(2**31) <= number < 2**31:
        raise _bad_filter(field, "must be a 32-bit integer")
    return number


def _retries(raw: Any) -> tuple[int | None, int | None, int | None]:
    """The retries a filter asks for: (exactly, at least, at most), from a number or
    Camunda's integer operators `$eq`, `$gt`, `$gte`, `$lt`, `$lte`."""
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict) or "$in" in raw:
        return _int32(one_of(raw, "retries"), "retries"), None, None
    exactly: int | None = None
    low: int | None = None
    high: int | None = None
    for op, value in raw.items():
        number = _int32(value, "retries")
        if op == "$eq":
            exactly = number
        elif op == "$gte":
            low = number if low is None else max(low, number)
        elif op == "$gt":
            low = number + 1 if low is None else max(low, number + 1)
        elif op == "$lte":
            high = number if high is None else min(high, number)
        elif op == "$lt":
            high = number - 1 if high is None else min(high, number - 1)
        else:
            raise _bad_filter(
                "retries", f"operator {op} is not supported; use $eq, $gt, $gte, $lt or $lte"
            )
    return exactly, low, high


def _flag(raw: Any, field: str) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise _bad_filter(field, "must be true or false")


def _only(raw: Any, field: str, value: str) -> bool:
    """Whether a filter on a field every job has as `value` lets jobs through."""
    found = values(raw, field)
    return found is None or value in found


def _job_query(body: JobSearchQuery, page: Page) -> tuple[JobQuery, bool]:
    """The store's query of a search, and whether any job can match it."""
    f = body.filter
    backwards = page.before is not None
    cursor = page.after or page.before
    after_id: str | None = None
    if cursor is not None:
        mark = decode_cursor(cursor, "page.before" if backwards else "page.after")
        if len(mark) != 1 or not isinstance(mark[0], str):
            name = "page.before" if backwards else "page.after"
            raise ApiError(
                400,
                f"{name}: the cursor is not one of a job search",
                extra={"invalidParams": [{"name": name, "reason": "not a job cursor"}]},
            )
        after_id = mark[0]
    statuses = _statuses(f.state)
    possible = (
        statuses != []
        and _only(f.kind, "kind", "BPMN_ELEMENT")
        and _only(f.listenerEventType, "listenerEventType", "UNSPECIFIED")
        and _only(f.tenantId, "tenantId", TENANT)
    )
    descending = bool(body.sort and body.sort[0].descending)
    retries, retries_from, retries_to = _retries(f.retries)
    query = JobQuery(
        job_id=one_of(f.jobKey, "jobKey"),
        type=one_of(f.type, "type"),
        worker=one_of(f.worker, "worker"),
        statuses=statuses,
        instance_id=one_of(f.processInstanceKey, "processInstanceKey"),
        process_id=one_of(f.processDefinitionId, "processDefinitionId"),
        definition_id=one_of(f.processDefinitionKey, "processDefinitionKey"),
        element_id=one_of(f.elementId, "elementId"),
        element_instance_id=one_of(f.elementInstanceKey, "elementInstanceKey"),
        retries=retries,
        retries_from=retries_from,
        retries_to=retries_to,
        retried=_flag(f.hasFailedWithRetriesLeft, "hasFailedWithRetriesLeft"),
        descending=descending != backwards,
        after_id=after_id,
        offset=page.from_ or 0,
        limit=page.limit,
    )
    return query, possible


def _job_item(job: Job, instance: Instance | None, root: str | None = None) -> JobSearchItem:
    return JobSearchItem(
        jobKey=job.id,
        type=job.type,
        worker=job.lease_owner or "",
        state=_STATE_OF[job.status],
        retries=job.retries,
        hasFailedWithRetriesLeft=job.status == "ready" and job.error is not None,
        errorMessage=job.error,
        customHeaders=dict(job.headers),
        deadline=iso(job.lease_until) if job.status == "claimed" else None,
        endTime=iso(job.completed_at),
        processDefinitionId=instance.process_id if instance else None,
        processDefinitionKey=instance.definition_id if instance else None,
        processInstanceKey=job.instance_id,
        elementId=job.element_id,
        elementInstanceKey=job.element_instance_id,
        creationTime=iso(job.created_at),
        lastUpdateTime=iso(job.completed_at or job.created_at),
        rootProcessInstanceKey=root,
        businessId=instance.business_key if instance else None,
    )


def _items(tx: Transaction, jobs: list[Job]) -> list[JobSearchItem]:
    instances: dict[str, tuple[Instance | None, str | None]] = {}
    out = []
    for job in jobs:
        if job.instance_id not in instances:
            instance = tx.get_instance(job.instance_id)
            instances[job.instance_id] = (instance, root_key(tx, instance))
        out.append(_job_item(job, *instances[job.instance_id]))
    return out


@router.post(
    "/search",
    response_model=SearchResult[JobSearchItem],
    summary="Search jobs",
)
def search_jobs(request: Request, body: JobSearchQuery, who: Worker) -> SearchResult[JobSearchItem]:
    check_sort(body.sort, ("jobKey",))
    page = check_page(body.page)
    query, possible = _job_query(body, page)
    rows: list[Job] = []
    total = 0
    items: list[JobSearchItem] = []
    if possible:
        with client_of(request).store.transaction(write=False) as tx:
            rows = tx.page_jobs(query)
            if page.before is not None:
                rows.reverse()
            total = tx.count_jobs(query, cap=COUNT_CAP)
            items = _items(tx, rows)
    info = PageInfo(
        totalItems=total,
        hasMoreTotalItems=total >= COUNT_CAP,
        startCursor=encode_cursor([rows[0].id]) if rows else None,
        endCursor=encode_cursor([rows[-1].id]) if rows else None,
    )
    return SearchResult[JobSearchItem](items=items, page=info)
