"""The cockpit's dashboard: per process, its running, completed and failed instances and
open incidents, with the open and overdue user tasks, refreshed without a reload."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from regista.api.context import Principal
from regista.api.problems import ApiError
from regista.ui.pages import PREFIX, PageRoute, ui, viewer, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(viewer_with("operator"))]

#: What the dashboard counts per process: its instances in each state.
_COUNTS: dict[str, dict[str, Any]] = {
    "running": {"state": "ACTIVE", "hasIncident": False},
    "incidents": {"state": "ACTIVE", "hasIncident": True},
    "completed": {"state": "COMPLETED"},
    "terminated": {"state": "TERMINATED"},
}


async def _total(request: Request, path: str, filter: dict[str, Any]) -> int:
    found = await ui(request).gateway.post(request, path, {"filter": filter, "page": {"limit": 1}})
    return int(found["page"]["totalItems"])


async def _process_counts(request: Request, process_id: str) -> dict[str, int]:
    totals = await asyncio.gather(
        *(
            _total(
                request, "/v2/process-instances/search", {"processDefinitionId": process_id, **f}
            )
            for f in _COUNTS.values()
        )
    )
    return dict(zip(_COUNTS, totals, strict=True))


def _title(definition: dict[str, Any]) -> str:
    return str(definition.get("name") or definition["processDefinitionId"]).lower()


async def dashboard_data(request: Request) -> dict[str, Any]:
    """What the dashboard shows, read through the API as the signed-in user (a count is
    capped where the API caps it, and `page.hasMoreTotalItems` says so)."""
    gateway = ui(request).gateway
    found = await gateway.post(
        request,
        "/v2/process-definitions/search",
        {"filter": {"isLatestVersion": True}, "page": {"limit": 200}},
    )
    processes = sorted(found["items"], key=_title)
    counts = await asyncio.gather(
        *(_process_counts(request, item["processDefinitionId"]) for item in processes)
    )
    open_tasks, incidents = await asyncio.gather(
        _total(request, "/v2/user-tasks/search", {"state": "CREATED"}),
        _total(request, "/v2/incidents/search", {"state": "ACTIVE"}),
    )
    rows = [{"definition": item, **count} for item, count in zip(processes, counts, strict=True)]
    return {
        "rows": rows,
        "open_tasks": open_tasks,
        "open_incidents": incidents,
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
