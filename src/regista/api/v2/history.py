"""What an instance did and holds: its audit trail and the check of its hash chain
(Regista's own), its element instances (from the history and the live state) and its
variables, in the shape of Camunda's element-instance and variable searches.

Both searches are of one instance (`filter.processInstanceKey`), read whole and paged in
memory: an instance's history is bounded by its own run.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import (
    TENANT,
    Operator,
    Reader,
    client_of,
    iso,
    no_such,
    root_key,
)
from regista.api.v2.filters import one_of, values
from regista.api.v2.instances import instance_row, state_of
from regista.api.v2.search import (
    Model,
    Page,
    SearchResult,
    SortField,
    check_sort,
    page_of,
    sort_items,
)
from regista.client import Client
from regista.engine import InstanceState
from regista.store import HistoryEvent, JobQuery, Transaction
from regista.store.tasklist import UserTaskQuery

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Audit", "Element instances", "Variables"])


class AuditEvent(BaseModel):
    sequence: int
    timestamp: str | None
    kind: str
    elementId: str | None
    elementInstanceKey: str | None
    actor: str | None
    command: str | None
    data: dict[str, Any]
    hash: str
    previousHash: str | None


@router.get(
    "/process-instances/{processInstanceKey}/audit",
    response_model=list[AuditEvent],
    summary="The audit trail of an instance (Regista)",
    description="Every history event in order, each chained by SHA-256 to the one before.",
)
def audit(request: Request, processInstanceKey: str, principal: Reader) -> list[AuditEvent]:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        instance_row(tx, processInstanceKey)
        events = tx.history(processInstanceKey)
    return [
        AuditEvent(
            sequence=e.seq,
            timestamp=iso(e.ts),
            kind=e.kind,
            elementId=e.element_id,
            elementInstanceKey=e.element_instance_id,
            actor=e.actor,
            command=e.command,
            data=e.data,
            hash=e.hash,
            previousHash=e.prev_hash,
        )
        for e in events
    ]


class Verification(BaseModel):
    processInstanceKey: str
    verified: bool
    brokenAt: int | None = None
    reason: str | None = None


@router.post(
    "/process-instances/{processInstanceKey}/audit/verification",
    response_model=Verification,
    summary="Check the hash chain of an instance's audit trail (Regista)",
)
def verify(request: Request, processInstanceKey: str, principal: Reader) -> Verification:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        instance_row(tx, processInstanceKey)
    broken = client.verify_audit(processInstanceKey)
    if broken is None:
        return Verification(processInstanceKey=processInstanceKey, verified=True)
    return Verification(
        processInstanceKey=processInstanceKey,
        verified=False,
        brokenAt=broken.seq,
        reason=broken.reason,
    )


# -- element instances ----------------------------------------------------------------------


class ElementInstance(BaseModel):
    elementInstanceKey: str
    processInstanceKey: str
    processDefinitionId: str
    processDefinitionKey: str
    elementId: str
    elementName: str | None = None
    type: str
    state: Literal["ACTIVE", "COMPLETED", "TERMINATED"]
    hasIncident: bool = False
    incidentKey: str | None = None
    startDate: str | None = None
    endDate: str | None = None
    tenantId: str = TENANT
    rootProcessInstanceKey: str | None = None


class ElementInstanceFilter(Model):
    processInstanceKey: Any = None
    elementInstanceKey: Any = None
    elementId: Any = Field(default=None, description="A value, or $eq / $in")
    elementName: Any = None
    state: Any = Field(default=None, description="ACTIVE, COMPLETED, TERMINATED; or $eq / $in")
    type: Any = Field(default=None, description="e.g. USER_TASK; or $eq / $in")
    hasIncident: bool | None = None
    incidentKey: Any = None
    tenantId: Any = None


class ElementInstanceSearch(Model):
    filter: ElementInstanceFilter = Field(default_factory=ElementInstanceFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _needs_instance(key: str | None) -> str:
    if key is None:
        raise ApiError(
            400,
            "filter.processInstanceKey is needed: Regista searches the elements and variables "
            "of one instance at a time",
            extra={"invalidParams": [{"name": "filter.processInstanceKey", "reason": "missing"}]},
        )
    return key


def _type_name(name: str) -> str:
    """`ServiceTask` -> `SERVICE_TASK`, as Camunda names element types."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper() or "UNSPECIFIED"


def _elements(events: list[HistoryEvent], state: InstanceState | None) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.element_instance_id is None or e.element_id is None:
            continue
        if e.kind == "element_activated":
            found[e.element_instance_id] = {
                "elementInstanceKey": e.element_instance_id,
                "elementId": e.element_id,
                "type": _type_name(str(e.data.get("type", ""))),
                "state": "ACTIVE",
                "startDate": iso(e.ts),
                "endDate": None,
            }
        elif e.kind in ("element_completed", "element_terminated"):
            item = found.get(e.element_instance_id)
            if item is not None:
                item["state"] = "COMPLETED" if e.kind == "element_completed" else "TERMINATED"
                item["endDate"] = iso(e.ts)
    if state is not None:
        # a migrated instance's live element instances stand at their new elements
        for live in state.element_instances():
            moved = found.get(live.id)
            if moved is not None and moved["state"] == "ACTIVE":
                moved["elementId"] = live.element_id
        for incident in state.incidents:
            item = found.get(incident.element_instance_id or "")
            if item is not None:
                item["hasIncident"], item["incidentKey"] = True, incident.id
    return list(found.values())


def element_instances(client: Client, key: str) -> list[ElementInstance]:
    """Every element instance of the process instance `key`, from its history."""
    with client.store.transaction(write=False) as tx:
        row = instance_row(tx, key)
        events = tx.history(key)
        names = client.shell.models.get(tx, row.definition_id).definitions
        root = root_key(tx, row)
    try:
        state: InstanceState | None = InstanceState.from_json(row.state)
    except (KeyError, TypeError, ValueError, AttributeError):
        state = None
    process = names.processes.get(row.process_id)
    # the instance itself is an element instance too, of type PROCESS, as in Camunda 8
    own = [
        i
        for i in (state.incidents if state is not None else ())
        if i.element_instance_id in (None, key)
    ]
    itself = ElementInstance(
        elementInstanceKey=key,
        processInstanceKey=key,
        processDefinitionId=row.process_id,
        processDefinitionKey=row.definition_id,
        elementId=row.process_id,
        elementName=getattr(process, "name", None) if process is not None else None,
        type="PROCESS",
        state=state_of(row.status),  # type: ignore[arg-type]
        hasIncident=bool(own),
        incidentKey=own[0].id if own else None,
        startDate=iso(row.started_at),
        endDate=iso(row.ended_at),
        rootProcessInstanceKey=root,
    )
    return [itself] + [
        ElementInstance(
            processInstanceKey=key,
            processDefinitionId=row.process_id,
            processDefinitionKey=row.definition_id,
            elementName=_name(process, item["elementId"]),
            rootProcessInstanceKey=root,
            **item,
        )
        for item in _elements(events, state)
    ]


@router.post(
    "/element-instances/search",
    response_model=SearchResult[ElementInstance],
    summary="Search the element instances of a process instance",
)
def search_elements(
    request: Request, body: ElementInstanceSearch, principal: Reader
) -> SearchResult[ElementInstance]:
    check_sort(body.sort, ("startDate", "elementInstanceKey", "elementId"))
    f = body.filter
    key = _needs_instance(one_of(f.processInstanceKey, "processInstanceKey"))
    wanted = {
        "elementInstanceKey": values(f.elementInstanceKey, "elementInstanceKey"),
        "elementId": values(f.elementId, "elementId"),
        "state": values(f.state, "state"),
        "type": values(f.type, "type"),
        "incidentKey": values(f.incidentKey, "incidentKey"),
        "elementName": values(f.elementName, "elementName"),
    }
    items = [
        item
        for item in element_instances(client_of(request), key)
        if all(v is None or getattr(item, k) in v for k, v in wanted.items())
        and (f.hasIncident is None or item.hasIncident == f.hasIncident)
    ]
    items = sort_items(items, body.sort, "elementInstanceKey")
    chosen, info = page_of(items, body.page, lambda i: [i.elementInstanceKey])
    return SearchResult[ElementInstance](items=chosen, page=info)


@router.get(
    "/element-instances/{elementInstanceKey}",
    response_model=ElementInstance,
    summary="Get an element instance",
    description="An element of a process instance that waits on a job or a user task, or "
    "did (while its job or task is kept); the search lists every element of an instance.",
)
def get_element(request: Request, elementInstanceKey: str, principal: Reader) -> ElementInstance:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        instance_id = _owner(tx, elementInstanceKey)
    found = [] if instance_id is None else element_instances(client, instance_id)
    for item in found:
        if item.elementInstanceKey == elementInstanceKey:
            return item
    raise no_such("element instance", elementInstanceKey)


class SetVariablesRequest(Model):
    variables: dict[str, Any] = Field(description="The variables to set, by name")
    local: bool = Field(
        default=False,
        description="true: set each on this element instance's own scope; false: where it is "
        "defined, looking up from this scope, else on the process instance",
    )
    operationReference: int | None = None


def _owner(tx: Transaction, key: str) -> str | None:
    """The process instance that an element instance key belongs to: the instance itself,
    or the instance of the element's job or user task (an element waiting on one)."""
    if tx.get_instance(key) is not None:
        return key
    jobs = tx.page_jobs(JobQuery(element_instance_id=key, limit=1))
    if jobs:
        return jobs[0].instance_id
    tasks, _ = tx.search_user_tasks(UserTaskQuery(element_instance_id=key, limit=1))
    return tasks[0].instance_id if tasks else None


@router.put(
    "/element-instances/{elementInstanceKey}/variables",
    status_code=204,
    response_class=Response,
    summary="Set variables of an element instance (or of a process instance, by its key)",
    description="The element instance is a process instance, or an element waiting on a job "
    "or a user task. The instance must still run.",
)
def set_variables(
    request: Request, elementInstanceKey: str, body: SetVariablesRequest, principal: Operator
) -> Response:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        instance_id = _owner(tx, elementInstanceKey)
    if instance_id is None:
        raise ApiError(
            404,
            f"there is no element instance {elementInstanceKey!r} whose variables can be set: "
            "give a process instance key, or the element instance key of a task waiting on a "
            "job or a user task",
        )
    client.shell.set_variables(
        instance_id,
        body.variables,
        scope_id=None if instance_id == elementInstanceKey else elementInstanceKey,
        local=body.local,
        actor=principal.username,
    )
    return Response(status_code=204)


def _name(process: Any, element_id: str) -> str | None:
    if process is None:
        return None
    element = process.elements.get(element_id)
    name = getattr(element, "name", None) if element is not None else None
    return name if isinstance(name, str) else None
