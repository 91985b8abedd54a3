"""Process instances: create (and await the end), search, get, cancel, modify, migrate.

A search is served by the store's keyset pages (`Transaction.page_instances`), ordered by
start time or key. Regista's statuses map onto Camunda's states: active and incident are
ACTIVE (an incident sets `hasIncident`), completed is COMPLETED, terminated and cancelled
are TERMINATED.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from regista.api.context import Principal, services
from regista.api.problems import ApiError
from regista.api.v2.common import (
    TENANT,
    Operator,
    Reader,
    client_of,
    json_value,
    no_such,
    root_key,
)
from regista.api.v2.filters import one_of, time_range, value_conditions, values
from regista.api.v2.jobs import jobs_of
from regista.api.v2.search import (
    COUNT_CAP,
    Key,
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
from regista.client import Activate, Client
from regista.engine import ENDED
from regista.runtime.definitions import is_process
from regista.runtime.shell import feel_variables
from regista.runtime.starts import StartRequest
from regista.store import Definition, Instance, InstanceQuery, Transaction, VariableCondition

__all__ = ["CreateProcessInstance", "router", "start_instance"]

router = APIRouter(prefix="/v2", tags=["Process instances"])

#: How long an awaiting start waits at most between looks at its instance, should the
#: wake-up of its end be lost (another node without a listener).
_LOOK_AGAIN = 1.0

STATES: dict[str, tuple[str, ...]] = {
    "ACTIVE": ("active", "incident"),
    "COMPLETED": ("completed",),
    "TERMINATED": ("terminated", "cancelled"),
}


def state_of(status: str) -> str:
    for state, statuses in STATES.items():
        if status in statuses:
            return state
    return "ACTIVE"


class ProcessInstance(BaseModel):
    processInstanceKey: str
    processDefinitionId: str
    processDefinitionName: str | None = None
    processDefinitionVersion: int
    processDefinitionVersionTag: str | None = None
    processDefinitionKey: str
    parentProcessInstanceKey: str | None = None
    parentElementInstanceKey: str | None = None
    startDate: str
    endDate: str | None = None
    state: Literal["ACTIVE", "COMPLETED", "TERMINATED"]
    hasIncident: bool
    tenantId: str = TENANT
    businessKey: str | None = None
    # present though empty when unknown: the Camunda 8 SDKs require them
    rootProcessInstanceKey: str | None = None
    businessId: str | None = None
    suspendedDate: str | None = None
    tags: list[str] = Field(default_factory=list)


def describe(client: Client, tx: Transaction, row: Instance) -> ProcessInstance:
    """An instance row as Camunda describes one."""
    model = client.shell.models.get(tx, row.definition_id)
    process = model.definitions.processes.get(row.process_id)
    return ProcessInstance(
        processInstanceKey=row.id,
        processDefinitionId=row.process_id,
        processDefinitionName=process.name if process is not None else None,
        processDefinitionVersion=model.version,
        processDefinitionKey=row.definition_id,
        parentProcessInstanceKey=row.parent_instance_id,
        parentElementInstanceKey=row.parent_element_instance_id,
        startDate=_iso(row.started_at),
        endDate=_iso(row.ended_at) if row.ended_at else None,
        state=state_of(row.status),  # type: ignore[arg-type]
        hasIncident=row.status == "incident",
        businessKey=row.business_key,
        rootProcessInstanceKey=root_key(tx, row),
        businessId=row.business_key,
    )


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def instance_row(tx: Transaction, key: str) -> Instance:
    row = tx.get_instance(key)
    if row is None:
        raise no_such("process instance", key)
    return row


# -- create ---------------------------------------------------------------------------------


class StartInstruction(Model):
    elementId: str


class CreateProcessInstance(Model):
    processDefinitionId: str | None = None
    processDefinitionVersion: int = -1
    processDefinitionKey: Key | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    startInstructions: list[StartInstruction] = Field(default_factory=list)
    awaitCompletion: bool = False
    fetchVariables: list[str] | None = None
    requestTimeout: int = Field(default=0, ge=0, description="ms; 0: the server's limit")
    tenantId: str | None = None
    businessKey: str | None = Field(default=None, description="Regista: a business key")


class CreatedProcessInstance(BaseModel):
    processDefinitionId: str
    processDefinitionVersion: int
    processDefinitionKey: str
    processInstanceKey: str
    tenantId: str = TENANT
    variables: dict[str, Any] = Field(default_factory=dict)
    # present though empty: the Camunda 8 SDKs require them
    tags: list[str] = Field(default_factory=list)
    businessId: str | None = None


def _param(name: str, reason: str) -> dict[str, Any]:
    return {"invalidParams": [{"name": name, "reason": reason}]}


@router.post(
    "/process-instances",
    response_model=CreatedProcessInstance,
    summary="Create a process instance",
    responses={
        504: {
            "description": "awaitCompletion: the instance did not end within requestTimeout "
            "(or the server's limit); it keeps running",
            "content": {
                "application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/ProblemDetail"},
                    "example": {
                        "type": "about:blank",
                        "title": "Gateway Timeout",
                        "status": 504,
                        "detail": "the process instance 2251799813685249 did not end within "
                        "1000 ms (it waits at: review); it keeps running",
                        "instance": "/v2/process-instances",
                        "processInstanceKey": "2251799813685249",
                    },
                }
            },
        }
    },
)
async def create(request: Request, body: CreateProcessInstance, principal: Operator) -> Response:
    return await start_instance(request, body, principal)


async def start_instance(
    request: Request, body: CreateProcessInstance, principal: Principal
) -> Response:
    """`POST /v2/process-instances` once its body is read and its caller known: FastAPI's
    route and the hot lane (`api/lane.py`) both answer with it."""
    client = client_of(request)
    if (body.processDefinitionId is None) == (body.processDefinitionKey is None):
        raise ApiError(
            400,
            "give either processDefinitionId (with an optional processDefinitionVersion) or "
            "processDefinitionKey",
            extra=_param("processDefinitionId", "one of the two is needed"),
        )
    start_event: str | None = None
    version: int | None
    if body.startInstructions:
        if len(body.startInstructions) > 1:
            raise ApiError(
                400,
                "startInstructions: Regista starts an instance at one start event; give one "
                "instruction naming it, or none",
                extra=_param("startInstructions", "more than one"),
            )
        start_event = body.startInstructions[0].elementId
    if body.processDefinitionKey is not None:
        row = await run_in_threadpool(_definition, client, body.processDefinitionKey)
        if row is None or not is_process(row.process_id):
            raise no_such("process definition", body.processDefinitionKey)
        process_id, version = row.process_id, row.version
    else:  # processDefinitionVersion -1: the latest
        assert body.processDefinitionId is not None
        process_id = body.processDefinitionId
        version = None if body.processDefinitionVersion < 0 else body.processDefinitionVersion
    wanted = StartRequest(
        process_id,
        feel_variables(body.variables),
        business_key=body.businessKey,
        version=version,
        start_event_id=start_event,
    )
    # a coroutine waits for its group commit without a thread of its own, and the start
    # answers with its definition version: no second transaction to read it back
    started = await client.shell.start_instance_async(wanted, actor=principal.username)
    instance_id = started.instance_id
    created = CreatedProcessInstance(
        processDefinitionId=started.process_id,
        processDefinitionVersion=started.version,
        processDefinitionKey=started.definition_id,
        processInstanceKey=instance_id,
    )
    if body.awaitCompletion:
        jobs_of(request)  # an API-only node on PostgreSQL hears other nodes' ends
        limit = services(request).options.max_long_poll
        timeout = min(body.requestTimeout / 1000 if body.requestTimeout else limit, limit)
        created.variables = await run_in_threadpool(
            _await, client, instance_id, timeout, body.fetchVariables
        )
    # the model is built here already: encoded once, not validated again by FastAPI
    return Response(created.model_dump_json(), media_type="application/json")


def _definition(client: Client, key: str) -> Definition | None:
    with client.store.transaction(write=False) as tx:
        return tx.get_definition(key)


def _await(
    client: Client, instance_id: str, timeout: float, names: list[str] | None
) -> dict[str, Any]:
    """The root variables once the instance ended; a 504 when it did not in `timeout`.
    The wait is a wake-up, not a poll: the shell tells `signals.endings` which instances a
    commit ended (and another node's commit arrives as a PostgreSQL notification); a look
    every `_LOOK_AGAIN` seconds is the guarantee when a note is lost."""
    deadline = time.monotonic() + timeout
    woken, forget = client.shell.signals.endings.watch(instance_id)
    try:
        while True:
            woken.clear()  # before the read: an end committed after it still wakes
            info = client.instance(instance_id)
            if info.status in ENDED:
                wanted = info.variables if not names else {n: info.variables.get(n) for n in names}
                return {
                    k: json_value(v) for k, v in wanted.items() if not names or k in info.variables
                }
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApiError(
                    504,
                    f"the process instance {instance_id} did not end within "
                    f"{timeout * 1000:.0f} ms (it waits at: {', '.join(info.active) or 'nothing'})"
                    "; it keeps running",
                    title="Gateway Timeout",
                    extra={"processInstanceKey": instance_id},
                )
            woken.wait(min(left, _LOOK_AGAIN))
    finally:
        forget()


# -- search and get -------------------------------------------------------------------------


class VariableValueFilter(Model):
    """A variable of the instance (of its top scope) and the value it must have."""

    name: str = Field(examples=["orderId"])
    value: Any = Field(
        description="The value as JSON text (a string is quoted: '\"A-7\"'), or an operator: "
        "$eq, $neq, $gt, $gte, $lt, $lte (of JSON texts), $like (a pattern with * and ?)",
        examples=['"A-7"', {"$gte": "100"}],
    )


class ProcessInstanceFilter(Model):
    processInstanceKey: Any = None
    processDefinitionId: Any = None
    processDefinitionKey: Any = None
    parentProcessInstanceKey: Any = None
    state: Any = None
    hasIncident: bool | None = None
    startDate: Any = None
    endDate: Any = None
    tenantId: Any = None
    businessKey: Any = Field(default=None, description="Regista: the business key (a value or $eq)")
    variables: list[VariableValueFilter] | None = Field(
        default=None,
        description="Variables the instance must have, each with its value (all must match)",
        examples=[[{"name": "orderId", "value": '"A-7"'}]],
    )


def _variable_conditions(f: ProcessInstanceFilter) -> tuple[VariableCondition, ...]:
    found: list[VariableCondition] = []
    for i, wanted in enumerate(f.variables or ()):
        field = f"variables[{i}].value"
        if isinstance(wanted.value, dict) and "$in" in wanted.value:
            raise ApiError(
                400,
                f"filter.{field}: $in is not supported for an instance's variable; give one "
                "value or a comparison",
                extra=_param(f"filter.{field}", "unsupported operator"),
            )
        found.extend(value_conditions(wanted.name, wanted.value, field))
    return tuple(found)


class ProcessInstanceSearch(Model):
    filter: ProcessInstanceFilter = Field(default_factory=ProcessInstanceFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _statuses(f: ProcessInstanceFilter) -> list[str] | None:
    states = values(f.state, "state")
    chosen: set[str] | None = None
    if states is not None:
        chosen = set()
        for state in states:
            if state.upper() not in STATES:
                raise ApiError(
                    400,
                    f"filter.state: {state!r} is not a state; use ACTIVE, COMPLETED or TERMINATED",
                    extra=_param("filter.state", "unknown state"),
                )
            chosen.update(STATES[state.upper()])
    if f.hasIncident is not None:
        every = {s for group in STATES.values() for s in group}
        wanted = {"incident"} if f.hasIncident else every - {"incident"}
        chosen = wanted if chosen is None else chosen & wanted
    return None if chosen is None else sorted(chosen)


@router.post(
    "/process-instances/search",
    response_model=SearchResult[ProcessInstance],
    summary="Search process instances",
)
def search(
    request: Request, body: ProcessInstanceSearch, principal: Reader
) -> SearchResult[ProcessInstance]:
    check_sort(body.sort, ("startDate", "processInstanceKey"))
    if len(body.sort) > 1:
        raise ApiError(
            400, "sort: give one field (startDate or processInstanceKey)", extra=_param("sort", "")
        )
    page = check_page(body.page)
    f = body.filter
    started = time_range(f.startDate, "startDate")
    ended = time_range(f.endDate, "endDate")
    sort = body.sort[0] if body.sort else SortField(field="startDate")
    order: Literal["started", "key"] = "started" if sort.field == "startDate" else "key"
    backwards = page.before is not None
    cursor = page.after or page.before
    after_id: str | None = None
    after_started: dt.datetime | None = None
    if cursor is not None:
        mark = decode_cursor(cursor, "page.before" if backwards else "page.after")
        try:
            after_id = str(mark[-1])
            after_started = dt.datetime.fromisoformat(mark[0]) if order == "started" else None
        except (IndexError, TypeError, ValueError):
            raise ApiError(400, "page: the cursor belongs to another sort order") from None
    query = InstanceQuery(
        instance_id=one_of(f.processInstanceKey, "processInstanceKey"),
        process_id=one_of(f.processDefinitionId, "processDefinitionId"),
        definition_id=one_of(f.processDefinitionKey, "processDefinitionKey"),
        parent_instance_id=one_of(f.parentProcessInstanceKey, "parentProcessInstanceKey"),
        business_key=one_of(f.businessKey, "businessKey"),
        statuses=_statuses(f),
        started_from=started[0],
        started_to=started[1],
        ended_from=ended[0],
        ended_to=ended[1],
        variables=_variable_conditions(f),
        order=order,
        descending=sort.descending != backwards,
        after_id=after_id,
        after_started=after_started,
        offset=page.from_ or 0,
        limit=page.limit,
    )
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        rows = tx.page_instances(query)
        if backwards:
            rows.reverse()
        total = tx.count_instances(query, cap=COUNT_CAP)
        items = [describe(client, tx, row) for row in rows]

    def mark_of(row: Instance) -> str:
        key: list[Any] = [row.started_at.isoformat(), row.id] if order == "started" else [row.id]
        return encode_cursor(key)

    info = PageInfo(
        totalItems=total,
        hasMoreTotalItems=total >= COUNT_CAP,
        startCursor=mark_of(rows[0]) if rows else None,
        endCursor=mark_of(rows[-1]) if rows else None,
    )
    return SearchResult[ProcessInstance](items=items, page=info)


@router.get(
    "/process-instances/{processInstanceKey}",
    response_model=ProcessInstance,
    summary="Get a process instance",
)
def get(request: Request, processInstanceKey: str, principal: Reader) -> ProcessInstance:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        return describe(client, tx, instance_row(tx, processInstanceKey))


# -- operations -----------------------------------------------------------------------------


def _running(client: Client, key: str) -> None:
    with client.store.transaction(write=False) as tx:
        row = instance_row(tx, key)
    if row.status in ENDED:
        raise ApiError(404, f"the process instance {key} is not active: it is {row.status}")


class Cancellation(Model):
    operationReference: int | None = None


@router.post(
    "/process-instances/{processInstanceKey}/cancellation",
    status_code=204,
    response_class=Response,
    summary="Cancel a process instance",
)
def cancel(
    request: Request,
    processInstanceKey: str,
    principal: Operator,
    body: Cancellation | None = None,
) -> Response:
    client = client_of(request)
    _running(client, processInstanceKey)
    client.shell.cancel(processInstanceKey, "cancelled over the API", actor=principal.username)
    return Response(status_code=204)


class ActivateInstruction(Model):
    elementId: str
    ancestorElementInstanceKey: Key | None = None
    variableInstructions: list[dict[str, Any]] = Field(default_factory=list)


class TerminateInstruction(Model):
    elementInstanceKey: Key | None = None
    elementId: str | None = None


class Modification(Model):
    activateInstructions: list[ActivateInstruction] = Field(default_factory=list)
    terminateInstructions: list[TerminateInstruction] = Field(default_factory=list)


def _variables_of(instruction: ActivateInstruction) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in instruction.variableInstructions:
        variables = item.get("variables")
        if isinstance(variables, dict):
            found.update(variables)
    return found


@router.post(
    "/process-instances/{processInstanceKey}/modification",
    status_code=204,
    response_class=Response,
    summary="Move tokens of a running instance: activate elements, terminate element instances",
)
def modify(
    request: Request, processInstanceKey: str, body: Modification, principal: Operator
) -> Response:
    terminate: list[str] = []
    for i, t in enumerate(body.terminateInstructions):
        target = t.elementInstanceKey or t.elementId
        if target is None:
            raise ApiError(
                400,
                f"terminateInstructions[{i}]: give elementInstanceKey or elementId",
                extra=_param(f"terminateInstructions[{i}]", "nothing to terminate"),
            )
        terminate.append(target)
    activate = [
        Activate(a.elementId, _variables_of(a), a.ancestorElementInstanceKey)
        for a in body.activateInstructions
    ]
    client = client_of(request)
    client.shell.modify(
        processInstanceKey, activate=activate, terminate=terminate, actor=principal.username
    )
    return Response(status_code=204)


class MappingInstruction(Model):
    sourceElementId: str
    targetElementId: str


class MigrationPlan(Model):
    targetProcessDefinitionKey: Key
    mappingInstructions: list[MappingInstruction] = Field(default_factory=list)


class Migration(Model):
    migrationPlan: MigrationPlan


@router.post(
    "/process-instances/{processInstanceKey}/migration",
    status_code=204,
    response_class=Response,
    summary="Move a running instance to another version of its process",
)
def migrate(
    request: Request, processInstanceKey: str, body: Migration, principal: Operator
) -> Response:
    client = client_of(request)
    target_key = body.migrationPlan.targetProcessDefinitionKey
    with client.store.transaction(write=False) as tx:
        row = instance_row(tx, processInstanceKey)
        target = tx.get_definition(target_key)
    if target is None or not is_process(target.process_id):
        raise no_such("process definition", target_key)
    if target.process_id != row.process_id:
        raise ApiError(
            400,
            f"migrationPlan.targetProcessDefinitionKey: Regista migrates an instance to another "
            f"version of its own process {row.process_id!r}, not to {target.process_id!r}",
            extra=_param("migrationPlan.targetProcessDefinitionKey", "another process"),
        )
    mappings = {
        m.sourceElementId: m.targetElementId for m in body.migrationPlan.mappingInstructions
    }
    client.shell.migrate(
        processInstanceKey, version=target.version, mappings=mappings, actor=principal.username
    )
    return Response(status_code=204)
