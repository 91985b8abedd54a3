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
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from regista.api.context import Principal, require, services
from regista.api.problems import ApiError
from regista.runtime.jobs import Activated, ExternalJobs, Refusal
from regista.runtime.wakeup import Listener
from regista.runtime.workers import WorkResult

__all__ = ["DEFAULT_LONG_POLL", "external_jobs", "router"]

router = APIRouter(prefix="/v2/jobs", tags=["Job"])

#: How long an activation waits for jobs when `requestTimeout` is 0 or absent (the
#: Camunda gateway's default long-polling timeout).
DEFAULT_LONG_POLL = 10.0
_LOOK_AGAIN = 1.0
_guard = threading.Lock()

Worker = Annotated[Principal, Depends(require("operator", "worker"))]
_MISSING = {"description": "The job was not found (it never existed, completed or was cancelled)"}
_CONFLICT = {"description": "The job is in the wrong state (another activation holds it, ...)"}


def external_jobs(request: Request) -> ExternalJobs:
    """The application's `ExternalJobs` (made at first use; on PostgreSQL without an engine
    node, with a listener of other nodes' commits)."""
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
                listener = Listener(url, lambda payload: shell.signals.jobs.set())
                listener.start()
                state.jobs_listener = listener
            state.external_jobs = found
    return found


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
    timeout: int = Field(ge=1, description="How long (ms) the jobs are leased to this worker")
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


def _activated(found: Activated, lease: bool) -> ActivatedJobResult:
    job = found.job
    return ActivatedJobResult(
        type=job.type,
        processDefinitionId=found.process_id,
        processDefinitionVersion=found.version,
        elementId=job.element_id,
        customHeaders=dict(job.headers),
        worker=found.worker,
        retries=job.retries,
        deadline=_epoch_ms(job.lease_until),
        variables=dict(found.variables),
        jobKey=job.id,
        processInstanceKey=job.instance_id,
        processDefinitionKey=found.definition_id,
        elementInstanceKey=job.element_instance_id,
        businessId=found.business_key,
        jobLeaseToken=found.token if lease else None,
    )


@router.post(
    "/activation",
    response_model=ActivateJobsResponse,
    summary="Activate jobs of a type (long polling)",
)
async def activate_jobs(
    body: JobActivationRequest, request: Request, who: Worker, jobs: Jobs
) -> ActivateJobsResponse:
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
    return ActivateJobsResponse(jobs=[_activated(j, bool(body.withLease)) for j in found])


# -- reports --------------------------------------------------------------------------------


class JobCompletionRequest(BaseModel):
    variables: dict[str, Any] | None = Field(default=None, description="Variables to set")
    result: dict[str, Any] | None = None
    jobLeaseToken: str | None = Field(default=None, description="The token of the activation")


class JobFailRequest(BaseModel):
    retries: int = Field(default=0, ge=0, description="How many retries are left (0: an incident)")
    errorMessage: str | None = None
    retryBackOff: int = Field(default=0, ge=0, description="Wait this many ms before the retry")
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
def complete_job(
    jobKey: str, who: Worker, jobs: Jobs, body: JobCompletionRequest | None = None
) -> Response:
    body = body or JobCompletionRequest()
    result = WorkResult("completed", body.variables or {})
    return _refused(jobs.report(jobKey, result, token=body.jobLeaseToken, actor=who.username))


@router.post(
    "/{jobKey}/failure",
    status_code=204,
    response_class=Response,
    summary="Fail a job (retried after retryBackOff while retries are left)",
    responses={404: _MISSING, 409: _CONFLICT},
)
def fail_job(jobKey: str, who: Worker, jobs: Jobs, body: JobFailRequest | None = None) -> Response:
    body = body or JobFailRequest()
    result = WorkResult(
        "failed",
        body.variables or {},
        message=body.errorMessage or "",
        retries=body.retries,
        backoff=dt.timedelta(milliseconds=body.retryBackOff),
    )
    return _refused(jobs.report(jobKey, result, token=body.jobLeaseToken, actor=who.username))


@router.post(
    "/{jobKey}/error",
    status_code=204,
    response_class=Response,
    summary="Throw a BPMN error for a job",
    responses={404: _MISSING, 409: _CONFLICT},
)
def throw_job_error(jobKey: str, body: JobErrorRequest, who: Worker, jobs: Jobs) -> Response:
    result = WorkResult(
        "error", body.variables or {}, code=body.errorCode, message=body.errorMessage or ""
    )
    return _refused(jobs.report(jobKey, result, token=body.jobLeaseToken, actor=who.username))


# -- updates --------------------------------------------------------------------------------


class JobChangeset(BaseModel):
    retries: int | None = Field(default=None, ge=0, description="The job's retries")
    timeout: int | None = Field(default=None, ge=1, description="The new lease, ms from now")


class JobUpdateRequest(BaseModel):
    changeset: JobChangeset
    operationReference: int | None = None


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
        jobs.update(jobKey, retries=change.retries, timeout=timeout, actor=who.username)
    )
