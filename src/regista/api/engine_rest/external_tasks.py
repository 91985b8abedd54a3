"""Camunda 7's external tasks: fetchAndLock (with long polling), complete, failure,
bpmnError, extendLock, unlock, retries, and the list, count and get of open tasks.

An external task is a job (`regista.runtime.jobs`): a service task whose model says
`camunda:type="external"` with a `camunda:topic`, or whose `zeebe:taskDefinition` type no
in-process worker handles; its topic is the job type. A report names its worker, and
applies only while that worker holds the task's lock: a worker whose lock expired, or a
task another worker holds, is answered 400 `BadUserRequestException` naming the holder
(Camunda 7 answers 500 there; a client's mistake is never a 5xx here). A task that is gone
(completed, cancelled or never there) is a 404.

Differences from Camunda 7 kept on purpose: `retries` is null until the first failure (as
Camunda 7) and then the retries left; `priority` is 0 (Regista's jobs have none, so
`usePriority` changes nothing); tasks are handed out oldest first (`sorting` is not
read); retries given to a task that failed behind an incident resolve the incident and
create the task again, under a new id.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from regista.api.context import services
from regista.api.engine_rest.common import Count, Worker, c7_date
from regista.api.engine_rest.variables import read_variables, typed_variables
from regista.api.problems import ApiError
from regista.api.v2.common import json_value
from regista.api.v2.jobs import LONGEST_MS, Jobs
from regista.engine.state import InstanceState
from regista.runtime import outbox
from regista.runtime.jobs import Activated, ExternalJobs, Refusal, holder_of
from regista.runtime.workers import WorkResult
from regista.store import Instance, Job, JobQuery, Transaction

__all__ = ["router"]

router = APIRouter(prefix="/external-task", tags=["Camunda 7: external_tasks"])

#: How often an idle long poll looks again without a bell (retries after a back-off and
#: expired locks ring none).
_LOOK_AGAIN = 1.0
#: The most tasks an unpaged list answers, and a list filtered by lock state (or worker)
#: reads before paging in memory; a query matching more is refused with a 400, never
#: answered in part.
_FILTER_CAP = 10_000
#: The statuses of a job that is an open external task (failed: behind an incident).
_OPEN = ("ready", "claimed", "failed")
_BAD_USER = {"description": "The worker does not hold the task's lock (BadUserRequestException)"}
_MISSING = {"description": "The external task does not exist (any more)"}


# -- answers ---------------------------------------------------------------------------------


def _bad_user(message: str) -> JSONResponse:
    return JSONResponse({"type": "BadUserRequestException", "message": message}, status_code=400)


def _refused(refusal: Refusal | None) -> Response:
    """204 when applied; 404 for a task that is gone; 400 for a worker's mistake."""
    if refusal is None:
        return Response(status_code=204)
    if refusal.kind == "missing":
        raise ApiError(404, _named(refusal.detail))
    return _bad_user(_named(refusal.detail))


def _named(detail: str) -> str:
    """The runtime's sentence about a job, as one about an external task."""
    return detail.replace("no job", "no external task").replace("the job", "the external task")


def _retries(job: Job) -> int | None:
    # Camunda 7 has no retries until a worker or an operator sets them
    return job.retries if job.error is not None or job.status == "failed" else None


def _task_json(job: Job, instance: Instance | None, now: dt.datetime) -> dict[str, Any]:
    """An external task as Camunda 7's `GET /external-task/{id}` answers it."""
    holder = holder_of(job, now)
    return {
        "activityId": job.element_id,
        "activityInstanceId": job.element_instance_id,
        "errorMessage": job.error,
        "executionId": job.element_instance_id,
        "id": job.id,
        "lockExpirationTime": c7_date(job.lease_until) if holder is not None else None,
        "createTime": c7_date(job.created_at),
        "processDefinitionId": instance.definition_id if instance else None,
        "processDefinitionKey": instance.process_id if instance else None,
        "processDefinitionVersionTag": None,
        "processInstanceId": job.instance_id,
        "tenantId": None,
        "retries": _retries(job),
        "suspended": False,
        "workerId": holder,
        "priority": 0,
        "topicName": job.type,
        "businessKey": instance.business_key if instance else None,
    }


def _locked_json(found: Activated, extensions: Mapping[str, str]) -> dict[str, Any]:
    """A fetched task as Camunda 7's LockedExternalTask."""
    job = found.job
    return {
        "activityId": job.element_id,
        "activityInstanceId": job.element_instance_id,
        "errorMessage": job.error,
        "errorDetails": job.error_details,
        "executionId": job.element_instance_id,
        "id": job.id,
        "lockExpirationTime": c7_date(job.lease_until),
        "createTime": c7_date(job.created_at),
        "processDefinitionId": found.definition_id,
        "processDefinitionKey": found.process_id,
        "processDefinitionVersionTag": None,
        "processInstanceId": job.instance_id,
        "tenantId": None,
        "retries": _retries(job),
        "workerId": found.worker,
        "priority": 0,
        "topicName": job.type,
        "businessKey": found.business_key,
        "variables": typed_variables(found.variables),
        "extensionProperties": dict(extensions),
    }


# -- fetch and lock --------------------------------------------------------------------------


class FetchTopic(BaseModel):
    topicName: str = Field(min_length=1, description="The topic (the job type) to fetch")
    lockDuration: int = Field(ge=1, le=LONGEST_MS, description="How long (ms) to lock them")
    variables: list[str] | None = Field(
        default=None, description="The variables to fetch; all when absent"
    )
    localVariables: bool = False
    businessKey: str | None = None
    processDefinitionId: str | None = None
    processDefinitionIdIn: list[str] | None = None
    processDefinitionKey: str | None = None
    processDefinitionKeyIn: list[str] | None = None
    processDefinitionVersionTag: str | None = None
    processVariables: dict[str, Any] | None = Field(
        default=None, description="Only tasks whose variables have these values"
    )
    withoutTenantId: bool = False
    tenantIdIn: list[str] | None = None
    includeExtensionProperties: bool = False
    deserializeValues: bool = True


class FetchRequest(BaseModel):
    workerId: str = Field(min_length=1, description="The worker that locks the tasks")
    maxTasks: int = Field(ge=0, le=10_000, description="At most this many tasks")
    usePriority: bool | None = None
    asyncResponseTimeout: int | None = Field(
        default=None, ge=0, description="Long polling: wait up to this many ms for a task"
    )
    topics: list[FetchTopic] = Field(default_factory=list)
    sorting: list[dict[str, Any]] | None = None


def _accept(topic: FetchTopic) -> Callable[[Instance, Mapping[str, Any]], bool] | None:
    """The instance filter of a topic; None when it has none (the fast, type-wide claim)."""
    ids = set(topic.processDefinitionIdIn or ())
    if topic.processDefinitionId is not None:
        ids.add(topic.processDefinitionId)
    keys = set(topic.processDefinitionKeyIn or ())
    if topic.processDefinitionKey is not None:
        keys.add(topic.processDefinitionKey)
    wanted = dict(topic.processVariables or {})
    business_key = topic.businessKey
    if not ids and not keys and not wanted and business_key is None:
        return None

    def accept(instance: Instance, variables: Mapping[str, Any]) -> bool:
        return (
            (not ids or instance.definition_id in ids)
            and (not keys or instance.process_id in keys)
            and (business_key is None or instance.business_key == business_key)
            and all(name in variables and variables[name] == v for name, v in wanted.items())
        )

    return accept


def _fetch(jobs: ExternalJobs, body: FetchRequest) -> list[dict[str, Any]]:
    """One look: lock up to `maxTasks` tasks, topic by topic in the order given."""
    out: list[dict[str, Any]] = []
    for topic in body.topics:
        left = body.maxTasks - len(out)
        if left <= 0:
            break
        if topic.tenantIdIn or topic.processDefinitionVersionTag is not None:
            continue  # Regista has no tenants and no version tags: nothing matches
        lease = dt.timedelta(milliseconds=topic.lockDuration)
        accept = _accept(topic)
        if accept is None:
            found = jobs.activate(
                topic.topicName, body.workerId, limit=left, lease=lease, fetch=topic.variables
            )
        else:
            found = jobs.activate_matching(
                topic.topicName,
                body.workerId,
                limit=left,
                lease=lease,
                accept=accept,
                fetch=topic.variables,
            )
        if topic.localVariables:
            found = _local(jobs, found, topic.variables)
        properties = _properties(jobs, found) if topic.includeExtensionProperties else {}
        out.extend(_locked_json(f, properties.get(f.job.id, {})) for f in found)
    return out


def _local(jobs: ExternalJobs, found: list[Activated], names: list[str] | None) -> list[Activated]:
    """The fetched tasks with only the variables of their own scope (Camunda 7's
    `localVariables`: the task's input mappings), as the instance holds them now."""
    out: list[Activated] = []
    with jobs.shell.store.transaction(write=False) as tx:
        for task in found:
            row = tx.get_instance(task.job.instance_id)
            values: dict[str, Any] = {}
            if row is not None:
                state = InstanceState.from_json(row.state)
                scope = state.instances.get(task.job.element_instance_id)
                values = json_value(dict(scope.variables or {})) if scope is not None else {}
            if names is not None:
                values = {k: v for k, v in values.items() if k in names}
            out.append(replace(task, variables=values))
    return out


def _properties(jobs: ExternalJobs, found: list[Activated]) -> dict[str, Mapping[str, str]]:
    """The extension properties (`camunda:property`, `zeebe:property`) of each fetched
    task's element, by task id."""
    shell = jobs.shell
    out: dict[str, Mapping[str, str]] = {}
    with shell.store.transaction(write=False) as tx:
        for task in found:
            model = shell.models.get(tx, task.definition_id)
            process = model.definitions.processes.get(model.process_id)
            node = process.elements.get(task.job.element_id) if process is not None else None
            out[task.job.id] = dict(node.properties) if node is not None else {}
    return out


@router.post("/fetchAndLock", summary="Fetch and lock external tasks (long polling)")
async def fetch_and_lock(
    body: FetchRequest, request: Request, who: Worker, jobs: Jobs
) -> list[dict[str, Any]]:
    if body.maxTasks == 0 or not body.topics:
        return []  # nothing can be handed out: no reason to wait
    options = services(request).options
    wait = min((body.asyncResponseTimeout or 0) / 1000, options.max_long_poll)
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
            found = await run_in_threadpool(_fetch, jobs, body)
            left = deadline - loop.time()
            if found or left <= 0 or await request.is_disconnected():
                return found
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rang.wait(), timeout=min(left, _LOOK_AGAIN))
    finally:
        forget()


# -- reports ---------------------------------------------------------------------------------


class CompleteRequest(BaseModel):
    workerId: str = Field(min_length=1)
    variables: dict[str, Any] | None = None
    localVariables: dict[str, Any] | None = None


class FailureRequest(BaseModel):
    workerId: str = Field(min_length=1)
    errorMessage: str | None = None
    errorDetails: str | None = None
    retries: int = Field(default=0, ge=0, description="Retries left; 0 raises an incident")
    retryTimeout: int = Field(default=0, ge=0, le=LONGEST_MS, description="ms before the retry")
    variables: dict[str, Any] | None = None
    localVariables: dict[str, Any] | None = None


class BpmnErrorRequest(BaseModel):
    workerId: str = Field(min_length=1)
    errorCode: str = Field(min_length=1, description="The BPMN error code to throw")
    errorMessage: str | None = None
    variables: dict[str, Any] | None = None


class ExtendLockRequest(BaseModel):
    workerId: str = Field(min_length=1)
    newDuration: int = Field(ge=1, le=LONGEST_MS, description="The new lock, ms from now")


class RetriesRequest(BaseModel):
    retries: int = Field(ge=0, description="The retries the task has left")


def _report(method: Callable[..., Any], path: str, summary: str) -> Callable[[Any], Any]:
    """The decorator of an endpoint answering 204, or 400 / 404 (`_refused`)."""
    responses: dict[int | str, dict[str, Any]] = {400: _BAD_USER, 404: _MISSING}
    decorate: Callable[[Any], Any] = method(
        path, status_code=204, response_class=Response, summary=summary, responses=responses
    )
    return decorate


@_report(router.post, "/{id}/complete", "Complete an external task")
def complete(id: str, body: CompleteRequest, who: Worker, jobs: Jobs) -> Response:
    result = WorkResult("completed", read_variables(body.variables))
    local = read_variables(body.localVariables, "localVariables")
    return _refused(jobs.report(id, result, actor=who.username, holder=body.workerId, local=local))


@_report(
    router.post,
    "/{id}/failure",
    "Report an external task's failure (an incident when no retries are left)",
)
def failure(id: str, body: FailureRequest, who: Worker, jobs: Jobs) -> Response:
    variables = read_variables(body.variables)
    variables.update(read_variables(body.localVariables, "localVariables"))
    result = WorkResult(
        "failed",
        variables,
        message=body.errorMessage or "",
        retries=body.retries,
        backoff=dt.timedelta(milliseconds=body.retryTimeout),
        details=body.errorDetails,
    )
    return _refused(jobs.report(id, result, actor=who.username, holder=body.workerId))


@_report(router.post, "/{id}/bpmnError", "Throw a BPMN error for an external task")
def bpmn_error(id: str, body: BpmnErrorRequest, who: Worker, jobs: Jobs) -> Response:
    result = WorkResult(
        "error",
        read_variables(body.variables),
        code=body.errorCode,
        message=body.errorMessage or "",
    )
    return _refused(jobs.report(id, result, actor=who.username, holder=body.workerId))


@_report(router.post, "/{id}/extendLock", "Extend the lock of an external task")
def extend_lock(id: str, body: ExtendLockRequest, who: Worker, jobs: Jobs) -> Response:
    duration = dt.timedelta(milliseconds=body.newDuration)
    return _refused(jobs.extend_lock(id, body.workerId, duration, actor=who.username))


@_report(router.post, "/{id}/unlock", "Unlock an external task")
def unlock(id: str, who: Worker, jobs: Jobs) -> Response:
    return _refused(jobs.unlock(id, actor=who.username))


@_report(router.put, "/{id}/retries", "Set the retries of an external task")
def set_retries(id: str, body: RetriesRequest, who: Worker, jobs: Jobs) -> Response:
    return _refused(jobs.set_retries(id, body.retries, actor=who.username))


# -- queries ---------------------------------------------------------------------------------


class ExternalTaskQuery(BaseModel):
    """The filters of `GET /external-task` (as query parameters) and `POST /external-task`."""

    externalTaskId: str | None = None
    topicName: str | None = None
    workerId: str | None = None
    locked: bool | None = None
    notLocked: bool | None = None
    withRetriesLeft: bool | None = None
    noRetriesLeft: bool | None = None
    activityId: str | None = None
    executionId: str | None = None
    processInstanceId: str | None = None
    processDefinitionId: str | None = None
    active: bool | None = None
    suspended: bool | None = None
    tenantIdIn: list[str] | None = None
    sortBy: str | None = None
    sortOrder: str | None = None


_SORTS = ("id", "createTime")


def _read_query(raw: Mapping[str, Any]) -> ExternalTaskQuery:
    try:
        query = ExternalTaskQuery.model_validate(dict(raw))
    except ValidationError as exc:
        params = [
            {"name": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]} for e in exc.errors()
        ]
        named = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        raise ApiError(
            400, f"the query is invalid: {named}", extra={"invalidParams": params}
        ) from None
    if query.sortBy is not None and query.sortBy not in _SORTS:
        raise ApiError(400, f"sortBy: cannot sort by {query.sortBy!r}; use one of id, createTime")
    if query.sortOrder is not None and query.sortOrder not in ("asc", "desc"):
        raise ApiError(400, "sortOrder: use asc or desc")
    if (query.sortBy is None) != (query.sortOrder is None):
        raise ApiError(400, "sortBy and sortOrder go together: give both or neither")
    return query


def _job_query(query: ExternalTaskQuery, *, offset: int, limit: int | None) -> JobQuery | None:
    """The store's query; None when no task can match."""
    if query.tenantIdIn or query.suspended:
        return None
    if query.withRetriesLeft and query.noRetriesLeft:
        return None
    statuses: tuple[str, ...] = _OPEN
    if query.withRetriesLeft:
        statuses = ("ready", "claimed")
    if query.noRetriesLeft:
        statuses = ("failed",)
    return JobQuery(
        job_id=query.externalTaskId,
        type=query.topicName,
        worker=query.workerId,
        statuses=statuses,
        instance_id=query.processInstanceId,
        definition_id=query.processDefinitionId,
        element_id=query.activityId,
        element_instance_id=query.executionId,
        descending=query.sortOrder == "desc",
        offset=offset,
        limit=_FILTER_CAP + 1 if limit is None else limit,
    )


def _by_lock(query: ExternalTaskQuery, now: dt.datetime) -> Callable[[Job], bool] | None:
    """The filter on lock state, applied in memory (a lock's expiry depends on now)."""
    locked = True if query.locked else (False if query.notLocked else None)
    if query.locked and query.notLocked:
        return lambda job: False
    if locked is None and query.workerId is None:
        return None

    def keep(job: Job) -> bool:
        holder = holder_of(job, now)
        if query.workerId is not None and holder != query.workerId:
            return False
        return locked is None or (holder is not None) == locked

    return keep


def _too_many(what: str, cap: int) -> ApiError:
    """The refusal of an unpaged list longer than `cap` (never answered in part)."""
    return ApiError(
        400,
        f"the query matches more than {cap} {what}; page it with firstResult and maxResults "
        "or narrow it (topicName, processInstanceId, activityId)",
    )


def _instances(tx: Transaction, jobs: list[Job]) -> dict[str, Instance | None]:
    found: dict[str, Instance | None] = {}
    for job in jobs:
        if job.instance_id not in found:
            found[job.instance_id] = tx.get_instance(job.instance_id)
    return found


def _search(
    request: Request, query: ExternalTaskQuery, first: int, most: int | None, *, count: bool
) -> tuple[list[dict[str, Any]], int]:
    shell = services(request).client.shell
    now = shell.now()
    keep = _by_lock(query, now)
    with shell.store.transaction(write=False) as tx:
        if keep is None:
            store_query = _job_query(query, offset=first, limit=most)
            if store_query is None:
                return [], 0
            if count:
                return [], tx.count_jobs(store_query, cap=2**31 - 1)
            rows = tx.page_jobs(store_query) if most != 0 else []
            if most is None and len(rows) > _FILTER_CAP:
                raise _too_many("external tasks", _FILTER_CAP)
        else:
            store_query = _job_query(query, offset=0, limit=None)
            if store_query is None:
                return [], 0
            rows = tx.page_jobs(store_query)
            if len(rows) > _FILTER_CAP:
                raise _too_many("external tasks", _FILTER_CAP)
            matching = [job for job in rows if keep(job)]
            if count:
                return [], len(matching)
            end = None if most is None else first + most
            rows = matching[first:end]
        if query.sortBy == "createTime":
            rows.sort(key=lambda j: (j.created_at, j.id), reverse=query.sortOrder == "desc")
        instances = _instances(tx, rows)
        return [_task_json(j, instances[j.instance_id], now) for j in rows], len(rows)


def _paging(raw: Mapping[str, Any]) -> tuple[int, int | None]:
    def number(name: str) -> int | None:
        text = raw.get(name)
        if text is None:
            return None
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise ApiError(400, f"{name}: must be a whole number, not {text!r}") from None
        if value < 0:
            raise ApiError(400, f"{name}: must not be negative")
        return value

    return number("firstResult") or 0, number("maxResults")


_PAGING = ("firstResult", "maxResults")


def _params(request: Request) -> dict[str, Any]:
    params = request.query_params
    out: dict[str, Any] = {}
    for name in params:
        if name in _PAGING:
            continue
        values = params.getlist(name)
        out[name] = values[0].split(",") if name == "tenantIdIn" else values[0]
    return out


@router.get("", summary="List external tasks")
def list_tasks(request: Request, who: Worker) -> list[dict[str, Any]]:
    first, most = _paging(request.query_params)
    return _search(request, _read_query(_params(request)), first, most, count=False)[0]


@router.get("/count", response_model=Count, summary="Count external tasks")
def count_tasks(request: Request, who: Worker) -> Count:
    return Count(count=_search(request, _read_query(_params(request)), 0, None, count=True)[1])


@router.get("/topic-names", summary="The topics of open external tasks")
def topic_names(
    request: Request,
    who: Worker,
    withLockedTasks: bool = False,
    withUnlockedTasks: bool = False,
    withRetriesLeft: bool = False,
) -> list[str]:
    query = ExternalTaskQuery(withRetriesLeft=withRetriesLeft or None)
    if withLockedTasks and not withUnlockedTasks:
        query.locked = True
    if withUnlockedTasks and not withLockedTasks:
        query.notLocked = True
    found, _ = _search(request, query, 0, None, count=False)
    return sorted({task["topicName"] for task in found})


@router.post("", summary="List external tasks (query in the body)")
def query_tasks(
    request: Request, who: Worker, body: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    first, most = _paging(request.query_params)
    return _search(request, _read_query(body or {}), first, most, count=False)[0]


@router.post("/count", response_model=Count, summary="Count external tasks (query in the body)")
def query_count(request: Request, who: Worker, body: dict[str, Any] | None = None) -> Count:
    return Count(count=_search(request, _read_query(body or {}), 0, None, count=True)[1])


def _open_job(tx: Transaction, task_id: str) -> Job:
    job = tx.get_job(task_id)
    if job is None or job.status not in _OPEN or outbox.is_internal(job.type):
        raise ApiError(404, f"there is no external task {task_id!r} (it never existed or ended)")
    return job


@router.get("/{id}", summary="Get an external task", responses={404: _MISSING})
def get_task(id: str, request: Request, who: Worker) -> dict[str, Any]:
    shell = services(request).client.shell
    with shell.store.transaction(write=False) as tx:
        job = _open_job(tx, id)
        return _task_json(job, tx.get_instance(job.instance_id), shell.now())


@router.get(
    "/{id}/errorDetails",
    response_class=PlainTextResponse,
    summary="The details of an external task's last failure (empty when none)",
    responses={404: _MISSING},
)
def error_details(id: str, request: Request, who: Worker) -> PlainTextResponse:
    with services(request).client.store.transaction(write=False) as tx:
        job = _open_job(tx, id)
    return PlainTextResponse(job.error_details or "")
