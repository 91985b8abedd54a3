"""The cockpit's incidents across instances: filtered by process, element, error type, state
and creation time, newest first by cursor pages, each linking to its instance and showing
its error; retried one or many at a time from the browser (a failed job gets its retries
set, then the incident is resolved, each through the API) and refreshed without a reload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from regista.ui.operations import Listed, Operator, list_page, moment, process_ids, query_of
from regista.ui.pages import PREFIX, PageRoute, ui

__all__ = ["ERROR_TYPES", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: The kinds of incident, as Camunda 8 names them (the API's `errorType`).
ERROR_TYPES = (
    "JOB_NO_RETRIES",
    "UNHANDLED_ERROR_EVENT",
    "IO_MAPPING_ERROR",
    "CONDITION_ERROR",
    "EXTRACT_VALUE_ERROR",
    "CALLED_ELEMENT_ERROR",
    "CALLED_DECISION_ERROR",
    "DECISION_EVALUATION_ERROR",
    "UNKNOWN",
)
STATES = {"ACTIVE": "Open", "RESOLVED": "Resolved", "any": "Open and resolved"}

#: The API's filter fields, and the form fields that set them.
_FIELDS = {
    "filter.processDefinitionId": "process",
    "filter.elementId": "element",
    "filter.errorType": "error_type",
    "filter.state": "state",
    "filter.creationTime": "created_from",
    "page.after": "page",
    "page.before": "page",
}

Text = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=500)]


@dataclass(frozen=True, slots=True)
class IncidentFilters:
    """The list's filters as the form gives them."""

    process: str = ""
    element: str = ""
    error_type: str = ""
    state: str = "ACTIVE"
    created_from: str = ""
    created_to: str = ""

    def query(self, **more: str | None) -> str:
        """The query string of these filters (and `more`), for links and the fragment."""
        return query_of(
            {
                "process": self.process,
                "element": self.element,
                "error_type": self.error_type,
                "state": self.state,
                "created_from": self.created_from,
                "created_to": self.created_to,
                **more,
            }
        )

    def search(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The API's search body, and a message per form field that is not right."""
        flt: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if self.process:
            flt["processDefinitionId"] = self.process
        if self.element:
            flt["elementId"] = self.element
        if self.error_type:
            flt["errorType"] = self.error_type
        if self.state != "any":
            flt["state"] = self.state
        created: dict[str, str] = {}
        low = high = None
        for name, text, end in (
            ("created_from", self.created_from, False),
            ("created_to", self.created_to, True),
        ):
            if not text:
                continue
            try:
                at = moment(text, end=end)
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            created["$lte" if end else "$gte"] = at.isoformat()
            low, high = (low, at) if end else (at, high)
        if low is not None and high is not None and high < low:
            errors["created_to"] = "must not be before “created from”"
        if created:
            flt["creationTime"] = created
        body = {"filter": flt, "sort": [{"field": "creationTime", "order": "DESC"}]}
        return body, errors


async def _listed(
    request: Request, filters: IncidentFilters, after: str | None, before: str | None
) -> Listed:
    body, errors = filters.search()
    if errors:
        return Listed(problem="Some filters are not right.", errors=errors)
    return await list_page(
        request, "/v2/incidents/search", body, after=after, before=before, fields=_FIELDS
    )


def _filters(
    process: str, element: str, error_type: str, state: str, created_from: str, created_to: str
) -> IncidentFilters:
    return IncidentFilters(
        process.strip(),
        element.strip(),
        error_type.strip().upper(),
        state,
        created_from.strip(),
        created_to.strip(),
    )


@router.get("/incidents")
async def incidents(
    request: Request,
    principal: Operator,
    process: Text = "",
    element: Text = "",
    error_type: Text = "",
    state: Literal["ACTIVE", "RESOLVED", "any"] = "ACTIVE",
    created_from: Text = "",
    created_to: Text = "",
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    filters = _filters(process, element, error_type, state, created_from, created_to)
    listed = await _listed(request, filters, after, before)
    return ui(request).render(
        request,
        "incidents.html",
        principal=principal,
        section="incidents",
        filters=filters,
        listed=listed,
        processes=await process_ids(request),
        error_types=ERROR_TYPES,
        states=STATES,
        fragment=f"{PREFIX}/fragments/incidents?{filters.query(after=after, before=before)}",
    )


@router.get("/fragments/incidents")
async def incidents_fragment(
    request: Request,
    principal: Operator,
    process: Text = "",
    element: Text = "",
    error_type: Text = "",
    state: Literal["ACTIVE", "RESOLVED", "any"] = "ACTIVE",
    created_from: Text = "",
    created_to: Text = "",
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    """The list's table and pager, reloaded every few seconds by the page."""
    filters = _filters(process, element, error_type, state, created_from, created_to)
    listed = await _listed(request, filters, after, before)
    return ui(request).render(
        request, "incidents_body.html", principal=principal, filters=filters, listed=listed
    )
