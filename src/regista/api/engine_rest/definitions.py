"""Camunda 7's process definitions: the list and count with their filters, one definition
by id or by key (the latest version), its BPMN XML, and starting an instance — what the
Camunda Modeler's "Start" button sends (`POST /process-definition/{id}/start` with a
business key and typed variables).

Definitions are few (one row per deployed version), so the list reads them all, filters
and sorts them, then pages (as `/v2`'s search does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from regista.api.engine_rest.common import Count, Operator, Page, Reader, sorted_page
from regista.api.engine_rest.shapes import (
    ProcessDefinitionDto,
    definition_dto,
    deployment_of,
    instance_dto,
    like,
    process_row,
)
from regista.api.engine_rest.variables import read_variables, typed_variables
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.model.bpmn import StartEvent
from regista.runtime.definitions import is_process
from regista.store import Definition

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: process definitions"])

SortOrder = Annotated[Literal["asc", "desc"] | None, Query()]

_SORT: dict[str, Callable[[ProcessDefinitionDto], Any]] = {
    "id": lambda d: d.id,
    "key": lambda d: d.key,
    "name": lambda d: d.name or "",
    "version": lambda d: d.version,
    "deploymentId": lambda d: d.deploymentId or "",
    "category": lambda d: d.category or "",
    "tenantId": lambda d: d.tenantId or "",
    "versionTag": lambda d: d.versionTag or "",
}


class DefinitionFilter(BaseModel):
    """The filters of the list and the count (query parameters)."""

    processDefinitionId: str | None = None
    processDefinitionIdIn: str | None = None
    key: str | None = None
    keysIn: str | None = None
    keyLike: str | None = None
    name: str | None = None
    nameLike: str | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    latestVersion: bool | None = None
    deploymentId: str | None = None
    resourceName: str | None = None
    resourceNameLike: str | None = None
    suspended: bool | None = None
    active: bool | None = None


def _listed(request: Request, f: DefinitionFilter) -> list[ProcessDefinitionDto]:
    client = client_of(request)
    ids = None if f.processDefinitionIdIn is None else set(f.processDefinitionIdIn.split(","))
    keys = None if f.keysIn is None else set(f.keysIn.split(","))
    key_like = None if f.keyLike is None else like(f.keyLike)
    name_like = None if f.nameLike is None else like(f.nameLike)
    resource_like = None if f.resourceNameLike is None else like(f.resourceNameLike)
    with client.store.transaction(write=False) as tx:
        rows = [r for r in tx.list_definitions(f.key) if is_process(r.process_id)]
        latest: dict[str, Definition] = {}
        for row in rows:
            if row.process_id not in latest or row.version > latest[row.process_id].version:
                latest[row.process_id] = row
        rows = [
            r
            for r in rows
            if (f.processDefinitionId is None or r.id == f.processDefinitionId)
            and (ids is None or r.id in ids)
            and (keys is None or r.process_id in keys)
            and (key_like is None or key_like.fullmatch(r.process_id) is not None)
            and (f.version is None or r.version == f.version)
            and (not f.latestVersion or latest[r.process_id].id == r.id)
            and (f.resourceName is None or r.resource_name == f.resourceName)
            and (resource_like is None or resource_like.fullmatch(r.resource_name or ""))
            and not f.suspended  # Regista does not suspend definitions
        ]
        owners = deployment_of(tx.list_deployments())
        items = [definition_dto(client, tx, r, owners) for r in rows]
    return [
        d
        for d in items
        if (f.name is None or d.name == f.name)
        and (name_like is None or name_like.fullmatch(d.name or "") is not None)
        and (f.deploymentId is None or d.deploymentId == f.deploymentId)
    ]


Filter = Annotated[DefinitionFilter, Query()]


@router.get(
    "/process-definition",
    response_model=list[ProcessDefinitionDto],
    summary="List process definitions",
)
def list_definitions(
    request: Request,
    principal: Reader,
    paging: Page,
    f: Filter,
    sortBy: str | None = None,
    sortOrder: SortOrder = None,
) -> list[ProcessDefinitionDto]:
    return sorted_page(_listed(request, f), _SORT, sortBy, sortOrder, paging)


@router.get("/process-definition/count", response_model=Count, summary="Count process definitions")
def count_definitions(
    request: Request,
    principal: Reader,
    f: Filter,
) -> Count:
    return Count(count=len(_listed(request, f)))


def _by_key(request: Request, key: str) -> Definition:
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.latest_definition(key) if is_process(key) else None
    if row is None:
        raise ApiError(404, f"no process definition with the key {key!r} is deployed")
    return row


def _by_id(request: Request, definition_id: str) -> Definition:
    with client_of(request).store.transaction(write=False) as tx:
        return process_row(tx, definition_id)


def _dto(request: Request, row: Definition) -> ProcessDefinitionDto:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        return definition_dto(client, tx, row, deployment_of(tx.list_deployments()))


class ProcessDefinitionXml(BaseModel):
    id: str
    bpmn20Xml: str


# the routes by key come first: /process-definition/key/xml is the key "xml", not the
# XML of a definition whose id is "key"


@router.get(
    "/process-definition/key/{key}",
    response_model=ProcessDefinitionDto,
    summary="The latest version of a process definition",
)
def get_by_key(request: Request, key: str, principal: Reader) -> ProcessDefinitionDto:
    return _dto(request, _by_key(request, key))


@router.get(
    "/process-definition/key/{key}/xml",
    response_model=ProcessDefinitionXml,
    summary="The BPMN XML of the latest version of a process definition",
)
def get_xml_by_key(request: Request, key: str, principal: Reader) -> ProcessDefinitionXml:
    row = _by_key(request, key)
    return ProcessDefinitionXml(id=row.id, bpmn20Xml=row.source)


@router.get(
    "/process-definition/{id}",
    response_model=ProcessDefinitionDto,
    summary="Get a process definition",
)
def get_definition(request: Request, id: str, principal: Reader) -> ProcessDefinitionDto:
    return _dto(request, _by_id(request, id))


@router.get(
    "/process-definition/{id}/xml",
    response_model=ProcessDefinitionXml,
    summary="The BPMN XML of a process definition",
)
def get_xml(request: Request, id: str, principal: Reader) -> ProcessDefinitionXml:
    row = _by_id(request, id)
    return ProcessDefinitionXml(id=row.id, bpmn20Xml=row.source)


# -- start ----------------------------------------------------------------------------------


class StartInstruction(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    activityId: str | None = None


class StartProcessInstance(BaseModel):
    """Camunda 7's start request; `caseInstanceId`, `skipCustomListeners` and
    `skipIoMappings` are accepted and have no effect."""

    model_config = ConfigDict(extra="allow")

    variables: dict[str, Any] | None = None
    businessKey: str | None = None
    caseInstanceId: str | None = None
    startInstructions: list[StartInstruction] = Field(default_factory=list)
    skipCustomListeners: bool = False
    skipIoMappings: bool = False
    withVariablesInReturn: bool = False


def _start_event(body: StartProcessInstance) -> str | None:
    if not body.startInstructions:
        return None
    first = body.startInstructions[0]
    if (
        len(body.startInstructions) > 1
        or first.type != "startBeforeActivity"
        or first.activityId is None
    ):
        raise ApiError(
            400,
            "startInstructions: Regista starts an instance at one start event; give one "
            'instruction {"type": "startBeforeActivity", "activityId": <start event id>}',
            extra={"invalidParams": [{"name": "startInstructions", "reason": "unsupported"}]},
        )
    return first.activityId


def _start(
    request: Request, row: Definition, body: StartProcessInstance | None, actor: str
) -> dict[str, Any]:
    body = body or StartProcessInstance()
    variables = read_variables(body.variables)
    client = client_of(request)
    instance_id = client.shell.start(
        row.process_id,
        variables,
        version=row.version,
        business_key=body.businessKey,
        start_event_id=_start_event(body),
        actor=actor,
    )
    with client.store.transaction(write=False) as tx:
        instance = tx.get_instance(instance_id)
    assert instance is not None
    answer: dict[str, Any] = instance_dto(request, instance).model_dump()
    if body.withVariablesInReturn:
        answer["variables"] = typed_variables(client.instance(instance_id).variables)
    return answer


@router.post(
    "/process-definition/key/{key}/start",
    summary="Start an instance of the latest version of a process",
)
def start_by_key(
    request: Request, key: str, principal: Operator, body: StartProcessInstance | None = None
) -> dict[str, Any]:
    return _start(request, _by_key(request, key), body, principal.username)


@router.post("/process-definition/{id}/start", summary="Start an instance of a process definition")
def start(
    request: Request, id: str, principal: Operator, body: StartProcessInstance | None = None
) -> dict[str, Any]:
    return _start(request, _by_id(request, id), body, principal.username)


# -- start form -----------------------------------------------------------------------------


class StartForm(BaseModel):
    key: str | None
    contextPath: str | None = None


def _start_form(request: Request, row: Definition) -> StartForm:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        process = client.shell.models.get(tx, row.id).definitions.processes.get(row.process_id)
    starts = [] if process is None else [process.elements.get(i) for i in process.start_events]
    keys = [node.form_key for node in starts if isinstance(node, StartEvent) and node.form_key]
    return StartForm(key=keys[0] if keys else None)


@router.get(
    "/process-definition/key/{key}/startForm",
    response_model=StartForm,
    summary="The form key of the latest version's start event (None: no form)",
)
def start_form_by_key(request: Request, key: str, principal: Reader) -> StartForm:
    return _start_form(request, _by_key(request, key))


@router.get(
    "/process-definition/{id}/startForm",
    response_model=StartForm,
    summary="The form key of a process definition's start event (None: no form)",
)
def start_form(request: Request, id: str, principal: Reader) -> StartForm:
    return _start_form(request, _by_id(request, id))
