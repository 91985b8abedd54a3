"""The cockpit's processes: the list of deployed processes with their versions and instance
counts, and one version's page: its diagram with the element counts on it, the versions,
the start of an instance (its start form or a JSON editor) and its XML."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from regista.api.context import Principal
from regista.ui.pages import PREFIX, PageRoute, ui, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Reader = Annotated[Principal, Depends(viewer_with("operator", "modeler"))]

#: The API's largest page: processes and their versions are few (one row per deploy).
_ALL = {"limit": 10_000}


def part(text: str) -> str:
    """`text` as one segment of an API path (a key typed into an address stays a key)."""
    return quote(text, safe="")


@router.get("/definitions")
async def definitions(request: Request, principal: Reader) -> Response:
    gateway = ui(request).gateway
    found, stats = await asyncio.gather(
        gateway.post(
            request,
            "/v2/process-definitions/search",
            {"page": _ALL, "sort": [{"field": "version", "order": "DESC"}]},
        ),
        gateway.post(
            request, "/v2/process-definitions/statistics/process-instances", {"page": _ALL}
        ),
    )
    counts = {item["processDefinitionId"]: item for item in stats["items"]}
    processes: dict[str, dict[str, Any]] = {}
    for item in found["items"]:
        process = processes.setdefault(
            item["processDefinitionId"],
            {
                "id": item["processDefinitionId"],
                "name": item.get("name") or item["processDefinitionId"],
                "latest": item,
                "versions": [],
                "counts": counts.get(item["processDefinitionId"], {}),
            },
        )
        process["versions"].append(item)
    rows = sorted(processes.values(), key=lambda p: str(p["name"]).lower())
    return ui(request).render(
        request, "definitions.html", principal=principal, section="definitions", processes=rows
    )


@router.get("/definitions/{key}")
async def definition(request: Request, key: str, principal: Reader) -> Response:
    """One version. The browser asks for its element counts over every instance, finished
    ones included, once the page is shown (`static/definition.js`): the store keeps them as
    running totals, a few rows to read whatever the number of instances, so the page need
    not wait for them."""
    gateway = ui(request).gateway
    path = f"/v2/process-definitions/{part(key)}"
    found = await gateway.get(request, path)
    process_id = found["processDefinitionId"]
    xml, versions = await asyncio.gather(
        gateway.get(request, path + "/xml"),
        gateway.post(
            request,
            "/v2/process-definitions/statistics/process-instances-by-version",
            {"filter": {"processDefinitionId": process_id}, "page": _ALL},
        ),
    )
    form = await gateway.get(request, path + "/form") if found.get("hasStartForm") else None
    return ui(request).render(
        request,
        "definition.html",
        principal=principal,
        section="definitions",
        definition=found,
        versions=versions["items"],
        page_data={
            "key": found["processDefinitionKey"],
            "processId": process_id,
            "xml": xml,
            "counts": path + "/statistics/element-instances",
            "countsBody": {},
            "form": form.get("schema") if isinstance(form, dict) else None,
        },
    )
