"""Camunda 7's incidents: the open ones listed and counted, one by id, and resolution as
Camunda 7 does it. An incident of a job out of retries (`failedJob`) is resolved by giving
the job retries again (`PUT /job/{id}/retries`); any other (`failedActivity`: an expression
or a mapping that failed) by `DELETE /incident/{id}`, after which what failed runs again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from regista.api.engine_rest.common import Count, Operator, Page, Reader, c7_date, sorted_page
from regista.api.engine_rest.shapes import like
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.engine.errors import INCIDENT_TYPES
from regista.store import Incident, IncidentQuery, Instance, Transaction

__all__ = ["FAILED_JOB", "incident_type", "open_incidents", "router"]

router = APIRouter(tags=["Camunda 7: incidents"])

FAILED_JOB = "failedJob"
FAILED_ACTIVITY = "failedActivity"
_BATCH = 500


def incident_type(incident: Incident) -> str:
    """Camunda 7's type of an incident: `failedJob` for a job out of retries."""
    return FAILED_JOB if incident.job_id is not None else FAILED_ACTIVITY


class IncidentDto(BaseModel):
    id: str
    processDefinitionId: str | None
    processInstanceId: str
    executionId: str | None
    incidentTimestamp: str | None
    incidentType: str
    activityId: str | None
    failedActivityId: str | None
    causeIncidentId: str
    rootCauseIncidentId: str
    configuration: str | None
    tenantId: str | None = None
    incidentMessage: str
    jobDefinitionId: str | None = None
    annotation: str | None = None


def _dto(incident: Incident, instance: Instance | None) -> IncidentDto:
    return IncidentDto(
        id=incident.id,
        processDefinitionId=instance.definition_id if instance else None,
        processInstanceId=incident.instance_id,
        executionId=incident.element_instance_id or incident.instance_id,
        incidentTimestamp=c7_date(incident.created_at),
        incidentType=incident_type(incident),
        activityId=incident.element_id,
        failedActivityId=incident.element_id,
        causeIncidentId=incident.id,
        rootCauseIncidentId=incident.id,
        configuration=incident.job_id,
        incidentMessage=incident.message,
    )


def open_incidents(tx: Transaction, query: IncidentQuery) -> Iterator[Incident]:
    """Every open incident the store's filters of `query` select, oldest first."""
    offset = 0
    while True:
        rows = tx.page_incidents(
            IncidentQuery(
                incident_id=query.incident_id,
                instance_id=query.instance_id,
                element_id=query.element_id,
                job_id=query.job_id,
                error_types=query.error_types,
                resolved=False,
                offset=offset,
                limit=_BATCH,
            )
        )
        yield from rows
        if len(rows) < _BATCH:
            return
        offset += _BATCH


class IncidentFilter(BaseModel):
    """The query parameters of the list and the count."""

    incidentId: str | None = None
    incidentType: str | None = Field(
        default=None,
        description="Camunda 7's failedJob or failedActivity, or an incident type as Camunda 8 "
        "names it (JOB_NO_RETRIES, IO_MAPPING_ERROR, CONDITION_ERROR, ...)",
        examples=["failedJob", "IO_MAPPING_ERROR"],
    )
    incidentMessage: str | None = None
    incidentMessageLike: str | None = None
    processDefinitionId: str | None = None
    processInstanceId: str | None = None
    executionId: str | None = None
    activityId: str | None = None
    failedActivityId: str | None = None
    configuration: str | None = None


Filter = Annotated[IncidentFilter, Query()]

_SORT: dict[str, Callable[[IncidentDto], Any]] = {
    "incidentId": lambda i: i.id,
    "incidentMessage": lambda i: i.incidentMessage,
    "incidentTimestamp": lambda i: i.incidentTimestamp or "",
    "incidentType": lambda i: i.incidentType,
    "executionId": lambda i: i.executionId or "",
    "activityId": lambda i: i.activityId or "",
    "processInstanceId": lambda i: i.processInstanceId,
    "processDefinitionId": lambda i: i.processDefinitionId or "",
    "causeIncidentId": lambda i: i.causeIncidentId,
    "rootCauseIncidentId": lambda i: i.rootCauseIncidentId,
    "configuration": lambda i: i.configuration or "",
    "tenantId": lambda i: "",
}


def _kinds(given: str | None) -> tuple[str | None, tuple[str, ...] | None]:
    """Camunda 7's type and the Camunda 8 types an `incidentType` filter asks for; a 400
    naming the filter when it is neither."""
    if given is None or given in (FAILED_JOB, FAILED_ACTIVITY):
        return given, None
    if given in INCIDENT_TYPES:
        return None, (given,)
    raise ApiError(
        400,
        f"incidentType: {given!r} is not a type of incident; use {FAILED_JOB} or "
        f"{FAILED_ACTIVITY} (Camunda 7), or one of " + ", ".join(INCIDENT_TYPES),
    )


def _listed(request: Request, f: IncidentFilter) -> list[IncidentDto]:
    kind, error_types = _kinds(f.incidentType)
    query = IncidentQuery(
        incident_id=f.incidentId,
        instance_id=f.processInstanceId,
        element_id=f.activityId or f.failedActivityId,
        job_id=f.configuration,
        error_types=error_types,
    )
    message_like = None if f.incidentMessageLike is None else like(f.incidentMessageLike)
    instances: dict[str, Instance | None] = {}
    found: list[IncidentDto] = []
    with client_of(request).store.transaction(write=False) as tx:
        for incident in open_incidents(tx, query):
            if incident.instance_id not in instances:
                instances[incident.instance_id] = tx.get_instance(incident.instance_id)
            dto = _dto(incident, instances[incident.instance_id])
            if (
                (kind is None or dto.incidentType == kind)
                and (f.incidentMessage is None or dto.incidentMessage == f.incidentMessage)
                and (message_like is None or message_like.fullmatch(dto.incidentMessage))
                and (
                    f.processDefinitionId is None
                    or dto.processDefinitionId == f.processDefinitionId
                )
                and (f.executionId is None or dto.executionId == f.executionId)
                and (f.activityId is None or dto.activityId == f.activityId)
                and (f.failedActivityId is None or dto.failedActivityId == f.failedActivityId)
            ):
                found.append(dto)
    return found


@router.get("/incident", response_model=list[IncidentDto], summary="List open incidents")
def list_incidents(
    request: Request,
    principal: Reader,
    paging: Page,
    f: Filter,
    sortBy: str | None = None,
    sortOrder: Annotated[Literal["asc", "desc"] | None, Query()] = None,
) -> list[IncidentDto]:
    return sorted_page(_listed(request, f), _SORT, sortBy, sortOrder, paging)


@router.get("/incident/count", response_model=Count, summary="Count open incidents")
def count_incidents(request: Request, principal: Reader, f: Filter) -> Count:
    return Count(count=len(_listed(request, f)))


def _incident(request: Request, incident_id: str) -> tuple[Incident, Instance | None]:
    with client_of(request).store.transaction(write=False) as tx:
        incident = tx.get_incident(incident_id)
        instance = tx.get_instance(incident.instance_id) if incident is not None else None
    if incident is None or incident.resolved_at is not None:
        raise ApiError(404, f"there is no open incident with the id {incident_id!r}")
    return incident, instance


@router.get("/incident/{id}", response_model=IncidentDto, summary="Get an open incident")
def get_incident(request: Request, id: str, principal: Reader) -> IncidentDto:
    return _dto(*_incident(request, id))


@router.delete(
    "/incident/{id}",
    status_code=204,
    response_class=Response,
    summary="Resolve an incident that is not a failed job's (what failed runs again)",
)
def resolve_incident(request: Request, id: str, principal: Operator) -> Response:
    incident, _instance = _incident(request, id)
    if incident_type(incident) == FAILED_JOB:
        raise ApiError(
            400,
            f"the incident {id!r} is a failedJob incident: resolve it by giving the job "
            f"{incident.job_id} retries again (PUT /job/{incident.job_id}/retries), as in "
            "Camunda 7",
        )
    client_of(request).shell.resolve_incident(id, actor=principal.username)
    return Response(status_code=204)
