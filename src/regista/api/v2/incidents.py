"""Incidents: search (open and resolved, keyset pages by creation time; by instance,
process, element, job, error type, state and creation time), get, and resolution (what
failed runs again; a failed job gets its retries back)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Operator, Reader, client_of, iso, no_such, root_key
from regista.api.v2.filters import one_of, time_range, values
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
from regista.engine.errors import INCIDENT_TYPES
from regista.store import Incident, IncidentQuery, Transaction

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Incidents"])


class IncidentItem(BaseModel):
    incidentKey: str
    processInstanceKey: str
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    errorType: str = Field(
        description="As Camunda 8 names it: JOB_NO_RETRIES, UNHANDLED_ERROR_EVENT, "
        "IO_MAPPING_ERROR, CONDITION_ERROR, EXTRACT_VALUE_ERROR, CALLED_ELEMENT_ERROR, "
        "CALLED_DECISION_ERROR, DECISION_EVALUATION_ERROR or UNKNOWN"
    )
    errorMessage: str
    elementId: str | None = None
    elementInstanceKey: str | None = None
    jobKey: str | None = None
    creationTime: str | None
    state: Literal["ACTIVE", "RESOLVED"]
    tenantId: str = TENANT
    rootProcessInstanceKey: str | None = None


def _item(tx: Transaction, incident: Incident) -> IncidentItem:
    row = tx.get_instance(incident.instance_id) if incident.instance_id else None
    return IncidentItem(
        incidentKey=incident.id,
        processInstanceKey=incident.instance_id,
        processDefinitionId=row.process_id if row else None,
        processDefinitionKey=row.definition_id if row else None,
        errorType=incident.error_type,
        errorMessage=incident.message,
        elementId=incident.element_id,
        elementInstanceKey=incident.element_instance_id,
        jobKey=incident.job_id,
        creationTime=iso(incident.created_at),
        state="RESOLVED" if incident.resolved_at else "ACTIVE",
        rootProcessInstanceKey=root_key(tx, row),
    )


class IncidentFilter(Model):
    incidentKey: Any = None
    processInstanceKey: Any = None
    processDefinitionId: Any = None
    processDefinitionKey: Any = None
    elementId: Any = None
    elementInstanceKey: Any = None
    jobKey: Any = None
    errorType: Any = Field(
        default=None,
        description="An incident type as Camunda 8 names it, or $eq / $in",
        examples=["JOB_NO_RETRIES", {"$in": ["IO_MAPPING_ERROR", "CONDITION_ERROR"]}],
    )
    creationTime: Any = Field(
        default=None, description="A date-time, or $eq, $gt, $gte, $lt, $lte of date-times"
    )
    state: Any = None
    tenantId: Any = None


class IncidentSearch(Model):
    filter: IncidentFilter = Field(default_factory=IncidentFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _resolved(raw: Any) -> bool | None:
    state = one_of(raw, "state")
    if state is None:
        return None
    if state.upper() not in ("ACTIVE", "RESOLVED"):
        raise ApiError(
            400,
            f"filter.state: {state!r} is not a state of an incident; use ACTIVE or RESOLVED",
            extra={"invalidParams": [{"name": "filter.state", "reason": "unknown state"}]},
        )
    return state.upper() == "RESOLVED"


def error_types(raw: Any, field: str = "errorType") -> tuple[str, ...] | None:
    """The incident types a filter asks for (None: any); a 400 naming an unknown one."""
    found = values(raw, field)
    if found is None:
        return None
    found = [str(given).upper() for given in found]
    for given in found:
        if given not in INCIDENT_TYPES:
            raise ApiError(
                400,
                f"filter.{field}: {given!r} is not an incident type; use one of "
                + ", ".join(INCIDENT_TYPES),
                extra={"invalidParams": [{"name": f"filter.{field}", "reason": "unknown type"}]},
            )
    return tuple(found)


@router.post(
    "/incidents/search", response_model=SearchResult[IncidentItem], summary="Search incidents"
)
def search(request: Request, body: IncidentSearch, principal: Reader) -> SearchResult[IncidentItem]:
    check_sort(body.sort, ("creationTime",))
    page = check_page(body.page)
    backwards = page.before is not None
    cursor = page.after or page.before
    after_id: str | None = None
    after_created: dt.datetime | None = None
    if cursor is not None:
        mark = decode_cursor(cursor, "page.before" if backwards else "page.after")
        try:
            after_created, after_id = dt.datetime.fromisoformat(mark[0]), str(mark[1])
        except (IndexError, TypeError, ValueError):
            raise ApiError(400, "page: the cursor is not one of an incident search") from None
    descending = bool(body.sort and body.sort[0].descending)
    f = body.filter
    created_from, created_to = time_range(f.creationTime, "creationTime")
    query = IncidentQuery(
        incident_id=one_of(f.incidentKey, "incidentKey"),
        instance_id=one_of(f.processInstanceKey, "processInstanceKey"),
        process_id=one_of(f.processDefinitionId, "processDefinitionId"),
        definition_id=one_of(f.processDefinitionKey, "processDefinitionKey"),
        element_id=one_of(f.elementId, "elementId"),
        element_instance_id=one_of(f.elementInstanceKey, "elementInstanceKey"),
        job_id=one_of(f.jobKey, "jobKey"),
        error_types=error_types(f.errorType),
        created_from=created_from,
        created_to=created_to,
        resolved=_resolved(f.state),
        descending=descending != backwards,
        after_id=after_id,
        after_created=after_created,
        offset=page.from_ or 0,
        limit=page.limit,
    )
    with client_of(request).store.transaction(write=False) as tx:
        rows = tx.page_incidents(query)
        if backwards:
            rows.reverse()
        total = tx.count_incidents(query, cap=COUNT_CAP)
        items = [_item(tx, i) for i in rows]

    def mark_of(i: Incident) -> str:
        return encode_cursor([i.created_at.isoformat(), i.id])

    info = PageInfo(
        totalItems=total,
        hasMoreTotalItems=total >= COUNT_CAP,
        startCursor=mark_of(rows[0]) if rows else None,
        endCursor=mark_of(rows[-1]) if rows else None,
    )
    return SearchResult[IncidentItem](items=items, page=info)


@router.get("/incidents/{incidentKey}", response_model=IncidentItem, summary="Get an incident")
def get(request: Request, incidentKey: str, principal: Reader) -> IncidentItem:
    with client_of(request).store.transaction(write=False) as tx:
        incident = tx.get_incident(incidentKey)
        if incident is None:
            raise no_such("incident", incidentKey)
        return _item(tx, incident)


@router.post(
    "/incidents/{incidentKey}/resolution",
    status_code=204,
    response_class=Response,
    summary="Resolve an incident",
)
def resolve(request: Request, incidentKey: str, principal: Operator) -> Response:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        if tx.get_incident(incidentKey) is None:
            raise no_such("incident", incidentKey)
    client.shell.resolve_incident(incidentKey, actor=principal.username)
    return Response(status_code=204)
