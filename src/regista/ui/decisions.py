"""The cockpit's decisions: the deployed decisions and decision requirements with their
versions, and one decision's page: its DMN shown by dmn-js, and a form (made from the
model's input data and decision table inputs, beside a JSON editor) that evaluates it through
the API, showing the result and the rules that matched."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from regista.api.context import Principal
from regista.dmn import DmnError
from regista.dmn.parser import parse_bytes
from regista.ui.decision_form import DecisionInput, decision_inputs
from regista.ui.pages import PREFIX, PageRoute, ui, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Reader = Annotated[Principal, Depends(viewer_with("operator", "modeler"))]

#: How many items one call of a search reads (decisions are few; the pages are walked).
_BATCH = 1000


async def _every(request: Request, path: str, flt: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item of a search, page after page."""
    gateway = ui(request).gateway
    items: list[dict[str, Any]] = []
    page: dict[str, Any] = {"limit": _BATCH}
    while True:
        found = await gateway.post(request, path, {"filter": flt, "page": page})
        items.extend(found["items"])
        cursor = found["page"].get("endCursor")
        if len(found["items"]) < _BATCH or not cursor:
            return items
        page = {"limit": _BATCH, "after": cursor}


def _by_version(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda d: int(d.get("version") or 0), reverse=True)


@router.get("/decisions")
async def decisions(request: Request, principal: Reader) -> Response:
    found, models = await asyncio.gather(
        _every(request, "/v2/decision-definitions/search", {}),
        _every(request, "/v2/decision-requirements/search", {}),
    )
    versions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in found:
        versions[item["decisionDefinitionId"]].append(item)
    rows: list[dict[str, Any]] = [
        {"latest": ordered[0], "versions": ordered}
        for ordered in (_by_version(v) for v in versions.values())
    ]
    rows.sort(key=lambda r: str(r["latest"]["name"] or r["latest"]["decisionDefinitionId"]).lower())
    counts: dict[str, int] = defaultdict(int)
    for item in found:
        counts[item["decisionRequirementsKey"]] += 1
    drgs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for model in models:
        drgs[model["decisionRequirementsId"]].append(model)
    grouped: list[dict[str, Any]] = [
        {"latest": _by_version(v)[0], "versions": _by_version(v)} for v in drgs.values()
    ]
    requirements = sorted(
        grouped,
        key=lambda r: str(
            r["latest"]["decisionRequirementsName"] or r["latest"]["decisionRequirementsId"]
        ).lower(),
    )
    return ui(request).render(
        request,
        "decisions.html",
        principal=principal,
        section="decisions",
        rows=rows,
        requirements=requirements,
        counts=counts,
    )


def _inputs(xml: Any, decision_id: str, resource: str | None) -> tuple[list[DecisionInput], str]:
    """The form's fields, or a sentence saying why the model gave none."""
    if not isinstance(xml, str):
        return [], "the decision's DMN could not be read"
    try:
        model = parse_bytes(xml.encode("utf-8"), file=resource)
    except DmnError as exc:
        return [], f"the decision's DMN could not be read: {exc}"
    return decision_inputs(model, decision_id), ""


@router.get("/decisions/{key}")
async def decision(request: Request, key: str, principal: Reader) -> Response:
    gateway = ui(request).gateway
    found = await gateway.get(request, f"/v2/decision-definitions/{key}")
    drg_key = found["decisionRequirementsKey"]
    versions, model, xml = await asyncio.gather(
        _every(
            request,
            "/v2/decision-definitions/search",
            {"decisionDefinitionId": found["decisionDefinitionId"]},
        ),
        gateway.get(request, f"/v2/decision-requirements/{drg_key}"),
        gateway.get(request, f"/v2/decision-requirements/{drg_key}/xml"),
    )
    fields, unreadable = _inputs(xml, found["decisionDefinitionId"], model.get("resourceName"))
    return ui(request).render(
        request,
        "decision.html",
        principal=principal,
        section="decisions",
        decision=found,
        model=model,
        versions=_by_version(versions),
        fields=fields,
        unreadable=unreadable,
        xml_url=f"/v2/decision-requirements/{drg_key}/xml",
        page_data={
            "key": found["decisionDefinitionKey"],
            "decisionId": found["decisionDefinitionId"],
            "xmlUrl": f"/v2/decision-requirements/{drg_key}/xml",
            "fields": [{"name": f.name, "control": f.control} for f in fields],
        },
    )
