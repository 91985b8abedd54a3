"""The cockpit's dashboard: per process, its running, completed and failed instances and
open incidents (the statistics endpoint: one call for every process), with the open and
overdue user tasks, the SLA deadlines at risk and the SLA breaches, refreshed without a
reload."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from regista.api.context import Principal
from regista.api.problems import ApiError
from regista.ui.pages import PREFIX, PageRoute, ui, viewer, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(viewer_with("operator"))]

#: The SLA lists are counted up to this many (the dashboard says "or more" beyond).
SLA_CAP = 1000


async def _total(request: Request, path: str, filter: dict[str, Any]) -> int:
    found = await ui(request).gateway.post(request, path, {"filter": filter, "page": {"limit": 1}})
    return int(found["page"]["totalItems"])


def _title(item: dict[str, Any]) -> str:
    return str(item.get("latestProcessDefinitionName") or item["processDefinitionId"]).lower()


async def dashboard_data(request: Request) -> dict[str, Any]:
    """What the dashboard shows, read through the API as the signed-in user: the instance
    counts of every process in one call (the store groups them), open tasks and incidents."""
    gateway = ui(request).gateway
    now = datetime.now(UTC).isoformat()
    stats, open_tasks, overdue, incidents, at_risk, breaches = await asyncio.gather(
        gateway.post(
            request,
            "/v2/process-definitions/statistics/process-instances",
            {"page": {"limit": 10_000}},
        ),
        _total(request, "/v2/user-tasks/search", {"state": "CREATED"}),
        _total(request, "/v2/user-tasks/search", {"state": "CREATED", "dueDate": {"$lt": now}}),
        _total(request, "/v2/incidents/search", {"state": "ACTIVE"}),
        gateway.get(request, "/v2/sla/at-risk", limit=SLA_CAP),
        gateway.post(request, "/v2/sla-breaches/search", {"page": {"limit": SLA_CAP}}),
    )
    rows = [
        {
            "key": item["latestProcessDefinitionKey"],
            "name": item.get("latestProcessDefinitionName") or item["processDefinitionId"],
            "version": item["latestProcessDefinitionVersion"],
            "running": item["activeInstancesWithoutIncidentCount"],
            "incidents": item["activeInstancesWithIncidentCount"],
            "completed": item["completedInstancesCount"],
            "terminated": item["terminatedInstancesCount"],
        }
        for item in sorted(stats["items"], key=_title)
    ]
    return {
        "rows": rows,
        "open_tasks": open_tasks,
        "overdue_tasks": overdue,
        "open_incidents": incidents,
        "sla_at_risk": len(at_risk["items"]),
        "sla_breaches": len(breaches["items"]),
        "sla_cap": SLA_CAP,
        "running": sum(row["running"] + row["incidents"] for row in rows),
    }


@router.get("/")
async def dashboard(request: Request, principal: Annotated[Principal, Depends(viewer)]) -> Response:
    if not principal.has("operator"):
        # the UI's home is the dashboard for operators; the others land on their own page
        sections = ui(request).nav(principal)
        if not sections:
            raise ApiError(403, "your user has no role the web UI serves; ask an administrator")
        return RedirectResponse(sections[0].path, status_code=303)
    data = await dashboard_data(request)
    return ui(request).render(
        request, "dashboard.html", principal=principal, section="dashboard", **data
    )


@router.get("/fragments/dashboard")
async def dashboard_fragment(request: Request, principal: Operator) -> Response:
    data = await dashboard_data(request)
    return ui(request).render(request, "dashboard_body.html", principal=principal, **data)
