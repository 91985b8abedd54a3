"""Camunda 7's deployments: `POST /deployment/create` as the Camunda Modeler and Camunda 7
clients send it (multipart, each file a part named by its file name, beside
`deployment-name`, `deployment-source`, `enable-duplicate-filtering`, ...), the list, the
count, one deployment and its resources.

A deployment is one deploy call of the shell (`StoredModels.deploy`), recorded with its
name and source. Regista keeps a version whose source did not change, so a deployment with
duplicate filtering lists only the definitions it created, as Camunda 7 does; without it,
every definition it named. A model with problems is a 400 `ParseException` naming each
problem's file, line and element.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from regista.api.engine_rest.common import Count, Deployer, Page, Reader, c7_date, check_sort, page
from regista.api.engine_rest.shapes import (
    Link,
    ProcessDefinitionDto,
    definition_dto,
    fault,
    like,
    link,
)
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.client import Client
from regista.runtime.decisions import DECISION_PREFIX, decision_of
from regista.runtime.definitions import Deployed, Resource, is_process
from regista.runtime.sources import DeploymentError
from regista.store import Definition, Deployment

__all__ = ["DecisionDefinitionDto", "decision_dto", "router"]

router = APIRouter(tags=["Camunda 7: deployments"])

#: The form fields of `deployment/create` that are not resources.
_FIELDS = {
    "deployment-name",
    "deployment-source",
    "enable-duplicate-filtering",
    "deploy-changed-only",
    "deployment-activation-time",
    "tenant-id",
}


class DeploymentDto(BaseModel):
    id: str
    name: str | None
    source: str | None
    deploymentTime: str | None
    tenantId: str | None = None
    links: list[Link]


class DecisionDefinitionDto(BaseModel):
    id: str
    key: str
    category: str | None = None
    name: str | None
    version: int
    resource: str | None
    deploymentId: str | None
    tenantId: str | None = None
    decisionRequirementsDefinitionId: str | None
    decisionRequirementsDefinitionKey: str | None
    historyTimeToLive: int | None = None
    versionTag: str | None = None


class DeploymentWithDefinitions(DeploymentDto):
    deployedProcessDefinitions: dict[str, ProcessDefinitionDto] | None = None
    deployedCaseDefinitions: dict[str, Any] | None = None
    deployedDecisionDefinitions: dict[str, DecisionDefinitionDto] | None = None
    deployedDecisionRequirementsDefinitions: dict[str, Any] | None = None


class ResourceDto(BaseModel):
    id: str
    name: str | None
    deploymentId: str


def decision_dto(row: Definition, deployment_id: str | None) -> DecisionDefinitionDto:
    """A decision row as Camunda 7 describes a decision definition (its DRG row's id is the
    decision requirements definition id)."""
    decision = decision_of(row)
    return DecisionDefinitionDto(
        id=row.id,
        key=decision.decision_id,
        name=decision.name,
        version=decision.version,
        resource=row.resource_name,
        deploymentId=deployment_id,
        decisionRequirementsDefinitionId=decision.requirements_key,
        decisionRequirementsDefinitionKey=decision.requirements_id or None,
    )


def _dto(request: Request, deployment: Deployment) -> DeploymentDto:
    return DeploymentDto(
        id=deployment.id,
        name=deployment.name,
        source=deployment.source,
        deploymentTime=c7_date(deployment.deployed_at),
        links=[link(request, f"/deployment/{deployment.id}")],
    )


def _flag(value: Any, field: str) -> bool:
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise ApiError(
        400,
        f"{field}: {value!r} is not true or false",
        extra={"invalidParams": [{"name": field, "reason": "not a boolean"}]},
    )


def _parse_fault(exc: DeploymentError) -> JSONResponse:
    details: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for problem in exc.problems:
        entry = details.setdefault(problem.file or "", {"errors": [], "warnings": []})
        entry["errors" if problem.severity == "error" else "warnings"].append(
            {
                "message": problem.message,
                "line": problem.line or 0,
                "column": 0,
                "mainElementId": problem.element_id,
                "elementIds": [problem.element_id] if problem.element_id else [],
            }
        )
    errors = [p for p in exc.problems if p.severity == "error"]
    lines = [
        f"* {p.message} | resource {p.file or '?'} | line {p.line or 0}"
        + (f" | element {p.element_id}" if p.element_id else "")
        for p in errors
    ]
    bpmn = any(not (p.file or "").endswith((".dmn", ".form")) for p in errors)
    # the Modeler tells a model's problems by Camunda 7's code at the start of the message
    head = "ENGINE-09005 Could not parse BPMN process." if bpmn else "Could not deploy."
    message = f"{head} Errors: \n" + "\n".join(lines)
    return fault(400, "ParseException", message, {"details": details})


def _created(
    request: Request,
    client: Client,
    deployed: list[Deployed],
    only_new: bool,
) -> DeploymentWithDefinitions:
    deployment_id = deployed[0].deployment_id if deployed else None
    with client.store.transaction(write=False) as tx:
        deployment = tx.get_deployment(deployment_id) if deployment_id else None
        if deployment is None:  # pragma: no cover - the deploy call records it
            raise ApiError(500, "the deployment was not recorded")
        chosen = [d for d in deployed if d.created or not only_new]
        rows = [row for d in chosen if (row := tx.get_definition(d.definition_id)) is not None]
        owners = {row.id: deployment.id for row in rows}
        processes = {
            row.id: definition_dto(client, tx, row, owners)
            for row in rows
            if is_process(row.process_id)
        }
    decisions = {
        row.id: decision_dto(row, deployment.id)
        for row in rows
        if row.process_id.startswith(DECISION_PREFIX)
    }
    return DeploymentWithDefinitions(
        **_dto(request, deployment).model_dump(),
        deployedProcessDefinitions=processes or None,
        deployedDecisionDefinitions=decisions or None,
    )


@router.post(
    "/deployment/create",
    response_model=DeploymentWithDefinitions,
    summary="Deploy BPMN, DMN and form files (Camunda 7's multipart deployment)",
    responses={400: {"description": "A model has problems (ParseException)"}},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "deployment-name": {"type": "string"},
                            "deployment-source": {"type": "string"},
                            "enable-duplicate-filtering": {"type": "boolean"},
                            "deploy-changed-only": {"type": "boolean"},
                            "tenant-id": {"type": "string"},
                        },
                        "additionalProperties": {"type": "string", "format": "binary"},
                    }
                }
            },
            "required": True,
        }
    },
)
async def create(request: Request, principal: Deployer) -> Any:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(
            400,
            "deployment/create takes multipart/form-data: a part for each file, named by "
            "its file name, beside deployment-name and deployment-source",
        )
    resources: list[Resource] = []
    async with request.form() as form:  # closes the uploaded files' temporary files
        for part, value in form.multi_items():
            if isinstance(value, UploadFile):
                resources.append(Resource(value.filename or part, await value.read()))
            elif part not in _FIELDS:
                resources.append(Resource(part, value.encode("utf-8")))
        filtering = _flag(form.get("enable-duplicate-filtering"), "enable-duplicate-filtering")
        changed_only = _flag(form.get("deploy-changed-only"), "deploy-changed-only")
        name = form.get("deployment-name")
        source = form.get("deployment-source")
    if not resources:
        raise ApiError(
            400,
            "the deployment holds no file: add a part for each .bpmn, .dmn or .form file, "
            "named by its file name",
        )
    client = client_of(request)
    try:
        deployed = await run_in_threadpool(
            client.shell.deploy,
            resources,
            actor=principal.username,
            name=name if isinstance(name, str) and name else None,
            source_name=source if isinstance(source, str) and source else None,
        )
    except DeploymentError as exc:
        return _parse_fault(exc)
    return await run_in_threadpool(_created, request, client, deployed, filtering or changed_only)


# -- list and get ---------------------------------------------------------------------------

_SORT: dict[str, Callable[[Deployment], Any]] = {
    "id": lambda d: d.id,
    "name": lambda d: d.name or "",
    "deploymentTime": lambda d: d.deployed_at,
    "tenantId": lambda d: "",
}


def _date(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400,
            f"{field}: {value!r} is not a date such as 2013-01-23T14:42:45.000+0200",
            extra={"invalidParams": [{"name": field, "reason": "not a date"}]},
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _matching(
    request: Request,
    id: str | None,
    name: str | None,
    nameLike: str | None,
    source: str | None,
    withoutSource: bool | None,
    after: str | None,
    before: str | None,
    sortBy: str | None,
    sortOrder: str | None,
) -> list[Deployment]:
    check_sort(sortBy, _SORT)
    since, until = _date(after, "after"), _date(before, "before")
    pattern = None if nameLike is None else like(nameLike)
    with client_of(request).store.transaction(write=False) as tx:
        found = tx.list_deployments()
    found = [
        d
        for d in found
        if (id is None or d.id == id)
        and (name is None or d.name == name)
        and (pattern is None or pattern.fullmatch(d.name or "") is not None)
        and (source is None or d.source == source)
        and (not withoutSource or d.source is None)
        and (since is None or d.deployed_at > since)
        and (until is None or d.deployed_at < until)
    ]
    if sortBy is not None:
        found.sort(key=_SORT[sortBy], reverse=sortOrder == "desc")
    return found


SortOrder = Annotated[Literal["asc", "desc"] | None, Query()]


@router.get("/deployment", response_model=list[DeploymentDto], summary="List deployments")
def list_deployments(
    request: Request,
    principal: Reader,
    paging: Page,
    id: str | None = None,
    name: str | None = None,
    nameLike: str | None = None,
    source: str | None = None,
    withoutSource: bool | None = None,
    after: str | None = None,
    before: str | None = None,
    sortBy: str | None = None,
    sortOrder: SortOrder = None,
) -> list[DeploymentDto]:
    found = _matching(
        request, id, name, nameLike, source, withoutSource, after, before, sortBy, sortOrder
    )
    return [_dto(request, d) for d in page(found, paging)]


@router.get("/deployment/count", response_model=Count, summary="Count deployments")
def count_deployments(
    request: Request,
    principal: Reader,
    id: str | None = None,
    name: str | None = None,
    nameLike: str | None = None,
    source: str | None = None,
    withoutSource: bool | None = None,
    after: str | None = None,
    before: str | None = None,
) -> Count:
    found = _matching(request, id, name, nameLike, source, withoutSource, after, before, None, None)
    return Count(count=len(found))


def _deployment(request: Request, deployment_id: str) -> Deployment:
    with client_of(request).store.transaction(write=False) as tx:
        found = tx.get_deployment(deployment_id)
    if found is None:
        raise ApiError(404, f"there is no deployment with the id {deployment_id!r}")
    return found


@router.get("/deployment/{id}", response_model=DeploymentDto, summary="Get a deployment")
def get_deployment(request: Request, id: str, principal: Reader) -> DeploymentDto:
    return _dto(request, _deployment(request, id))


def _resources(request: Request, deployment: Deployment) -> list[Definition]:
    """One row per file of the deployment: the process, DMN model or form row (a
    decision's own row only points at its model's)."""
    by_file: dict[str, Definition] = {}
    with client_of(request).store.transaction(write=False) as tx:
        for definition_id, _created in deployment.definitions:
            row = tx.get_definition(definition_id)
            if row is None or row.process_id.startswith(DECISION_PREFIX):
                continue
            by_file.setdefault(row.resource_name or row.id, row)
    return list(by_file.values())


@router.get(
    "/deployment/{id}/resources",
    response_model=list[ResourceDto],
    summary="The files of a deployment",
)
def get_resources(request: Request, id: str, principal: Reader) -> list[ResourceDto]:
    deployment = _deployment(request, id)
    return [
        ResourceDto(id=row.id, name=row.resource_name, deploymentId=deployment.id)
        for row in _resources(request, deployment)
    ]


@router.get(
    "/deployment/{id}/resources/{resourceId}/data",
    summary="The content of one file of a deployment",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_resource_data(request: Request, id: str, resourceId: str, principal: Reader) -> Response:
    deployment = _deployment(request, id)
    for row in _resources(request, deployment):
        if row.id == resourceId:
            kind = "application/json" if (row.resource_name or "").endswith(".form") else "text/xml"
            return Response(row.source, media_type=kind)
    raise ApiError(404, f"the deployment {id!r} has no resource with the id {resourceId!r}")
