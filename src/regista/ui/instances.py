"""The cockpit's instances: a search (process, version, state, business key, a variable's
value, start time) paged by cursor, and one instance's page: its diagram with the tokens,
the path taken and the incidents, its variables, history, incidents and the operator's
actions (retry, cancel, move a token, migrate), refreshed as it runs."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response

from regista.api.context import Principal
from regista.ui.definitions import part
from regista.ui.gateway import ApiProblem
from regista.ui.pages import PREFIX, PageRoute, ui, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(viewer_with("operator"))]
Text = Annotated[str, Query(max_length=500)]

#: The states the search offers: Camunda's, and the running instances with an incident.
STATES: dict[str, tuple[str, dict[str, Any]]] = {
    "": ("Any state", {}),
    "ACTIVE": ("Running", {"state": "ACTIVE"}),
    "INCIDENT": ("With an incident", {"state": "ACTIVE", "hasIncident": True}),
    "COMPLETED": ("Completed", {"state": "COMPLETED"}),
    "TERMINATED": ("Terminated", {"state": "TERMINATED"}),
}

#: Which form field an API parameter comes from, to show its message in place.
_FIELDS = {
    "filter.startDate": "started-from",
    "startDate": "started-from",
    "filter.processDefinitionId": "process",
    "processDefinitionId": "process",
    "filter.businessKey": "business-key",
    "businessKey": "business-key",
    "page.after": "pager",
    "page.before": "pager",
}

PAGE = 50


def _moment(text: str) -> str | None:
    """A time typed in a `datetime-local` input (UTC) as the API takes it; None: not one."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _variable_value(text: str) -> str:
    """A value typed for a variable as the JSON text the API compares: JSON as typed, any
    other text as a string."""
    try:
        json.loads(text)
    except ValueError:
        return json.dumps(text)
    return text


def _query_string(query: dict[str, str], **cursor: str) -> str:
    """The address query of a search with `query`'s filters and a page `cursor`."""
    return urlencode({k: v for k, v in {**query, **cursor}.items() if v})


async def _definition_key(request: Request, process: str, version: int) -> str | None:
    found = await ui(request).gateway.post(
        request,
        "/v2/process-definitions/search",
        {"filter": {"processDefinitionId": process, "version": version}, "page": {"limit": 1}},
    )
    items = found["items"]
    return str(items[0]["processDefinitionKey"]) if items else None


@router.get("/instances")
async def instances(
    request: Request,
    principal: Operator,
    process: Text = "",
    version: Text = "",
    state: Text = "",
    business_key: Annotated[str, Query(alias="businessKey", max_length=500)] = "",
    variable: Text = "",
    value: Text = "",
    started_from: Annotated[str, Query(alias="startedFrom", max_length=40)] = "",
    started_to: Annotated[str, Query(alias="startedTo", max_length=40)] = "",
    after: Annotated[str, Query(max_length=2000)] = "",
    before: Annotated[str, Query(max_length=2000)] = "",
) -> Response:
    gateway = ui(request).gateway
    errors: dict[str, str] = {}
    filter: dict[str, Any] = {}
    if process:
        filter["processDefinitionId"] = process
    if version:
        if not version.isdigit():
            errors["version"] = "Give a version number, such as 2."
        elif not process:
            errors["version"] = "Choose the process whose version this is."
        else:
            key = await _definition_key(request, process, int(version))
            if key is None:
                errors["version"] = f"The process {process} has no version {version}."
            else:
                filter["processDefinitionKey"] = key
    if state not in STATES:
        errors["state"] = "Choose one of the states offered."
    else:
        filter.update(STATES[state][1])
    if business_key:
        filter["businessKey"] = business_key
    if variable or value:
        if not variable:
            errors["variable"] = "Give the name of the variable whose value you look for."
        else:
            filter["variables"] = [{"name": variable, "value": _variable_value(value)}]
    dates: dict[str, str] = {}
    for name, typed, field in (
        ("$gte", started_from, "started-from"),
        ("$lte", started_to, "started-to"),
    ):
        if typed:
            moment = _moment(typed)
            if moment is None:
                errors[field] = "Give a date and time, such as 2026-12-07T09:30."
            else:
                dates[name] = moment
    if dates:
        filter["startDate"] = dates
    page: dict[str, Any] = {"limit": PAGE}
    if after:
        page["after"] = after
    elif before:
        page["before"] = before
    found: dict[str, Any] = {
        "items": [],
        "page": {
            "totalItems": 0,
            "hasMoreTotalItems": False,
            "startCursor": None,
            "endCursor": None,
        },
    }
    problem = ""
    if not errors:
        body = {"filter": filter, "page": page, "sort": [{"field": "startDate", "order": "DESC"}]}
        try:
            found = await gateway.post(request, "/v2/process-instances/search", body)
        except ApiProblem as exc:
            if exc.status >= 500 or exc.status in (401, 403):
                raise
            for name, reason in exc.fields.items():
                errors[_FIELDS.get(name, "form")] = reason or exc.detail
            problem = exc.detail
    processes = await gateway.post(
        request,
        "/v2/process-definitions/search",
        {"filter": {"isLatestVersion": True}, "page": {"limit": 10_000}},
    )
    return ui(request).render(
        request,
        "instances.html",
        principal=principal,
        section="instances",
        status=400 if errors else 200,
        items=found["items"],
        info=found["page"],
        errors=errors,
        problem=problem,
        states=STATES,
        processes=sorted(processes["items"], key=lambda p: p["processDefinitionId"]),
        query={
            "process": process,
            "version": version,
            "state": state,
            "businessKey": business_key,
            "variable": variable,
            "value": value,
            "startedFrom": started_from,
            "startedTo": started_to,
        },
        paged=bool(after or before),
        query_string=_query_string,
        page_size=PAGE,
    )


# -- one instance -------------------------------------------------------------------------


def _passed(audit: list[dict[str, Any]]) -> list[str]:
    """The elements an instance completed and the sequence flows it took."""
    seen: dict[str, None] = {}
    for event in audit:
        if event["kind"] == "element_completed" and event.get("elementId"):
            seen[event["elementId"]] = None
            for flow in event.get("data", {}).get("flows") or ():
                seen[str(flow)] = None
    return list(seen)


async def _state(request: Request, key: str) -> dict[str, Any]:
    """What changes while an instance runs: the instance, its element instances, its open
    incidents and its history (read together through the API)."""
    gateway = ui(request).gateway
    path = f"/v2/process-instances/{part(key)}"
    instance = await gateway.get(request, path)
    elements, incidents, audit = await asyncio.gather(
        gateway.post(
            request,
            "/v2/element-instances/search",
            {"filter": {"processInstanceKey": key}, "page": {"limit": 10_000}},
        ),
        gateway.post(
            request,
            "/v2/incidents/search",
            {"filter": {"processInstanceKey": key, "state": "ACTIVE"}, "page": {"limit": 1000}},
        ),
        gateway.get(request, path + "/audit"),
    )
    items = elements["items"]
    active = [i for i in items if i["state"] == "ACTIVE" and i["type"] != "PROCESS"]
    return {
        "instance": instance,
        "active": active,
        "incidents": incidents["items"],
        "audit": audit,
        "names": {i["elementId"]: i.get("elementName") or i["elementId"] for i in items},
        "marks": {
            "active": sorted({i["elementId"] for i in active}),
            "incidents": sorted(
                {i["elementId"] for i in items if i.get("hasIncident") and i["type"] != "PROCESS"}
            ),
            "passed": _passed(audit),
        },
    }


@router.get("/instances/{key}")
async def instance(request: Request, key: str, principal: Operator) -> Response:
    gateway = ui(request).gateway
    state = await _state(request, key)
    found = state["instance"]
    path = f"/v2/process-instances/{part(key)}"
    xml, variables, versions, verification = await asyncio.gather(
        gateway.get(request, f"/v2/process-definitions/{part(found['processDefinitionKey'])}/xml"),
        gateway.post(
            request,
            "/v2/variables/search",
            {"filter": {"processInstanceKey": key}, "page": {"limit": 1000}},
        ),
        gateway.post(
            request,
            "/v2/process-definitions/search",
            {
                "filter": {"processDefinitionId": found["processDefinitionId"]},
                "page": {"limit": 10_000},
                "sort": [{"field": "version", "order": "DESC"}],
            },
        ),
        gateway.post(request, path + "/audit/verification"),
    )
    return ui(request).render(
        request,
        "instance.html",
        principal=principal,
        section="instances",
        variables=variables["items"],
        versions=versions["items"],
        verification=verification,
        xml=xml,
        **state,
    )


@router.get("/fragments/instances/{key}")
async def instance_fragment(request: Request, key: str, principal: Operator) -> Response:
    state = await _state(request, key)
    return ui(request).render(request, "instance_state.html", principal=principal, **state)
