"""The modeler in the browser: BPMN diagrams drawn with camunda-bpmn-js (the Camunda 8 or
Camunda 7 flavour, with the properties panel and Regista's connector templates), DMN with
dmn-js and Camunda Forms with form-js's editor; validated, deployed and started through the
API as the signed-in user.

`/ui/modeler` lists what may be opened (a new model, a file from disk, a deployed process
or decision, a form by its key); `/ui/modeler/edit` is the editor of one model, whose
source the server reads through the API and hands to the page (`static/modeler.js` does
the rest in the browser). The bpmn-js flavour is told by the XML's namespaces.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from regista.api.context import Principal
from regista.api.problems import ApiError
from regista.ui.element_templates import element_templates
from regista.ui.pages import PREFIX, PageRoute, ui, viewer_with

__all__ = ["Opened", "bpmn_flavour", "kind_of", "router"]

router = APIRouter(prefix=PREFIX + "/modeler", route_class=PageRoute, include_in_schema=False)

Modeler = Annotated[Principal, Depends(viewer_with("modeler"))]

Kind = Literal["bpmn", "dmn", "form"]
Flavour = Literal["camunda8", "camunda7"]

#: The namespaces that tell which engine a BPMN file was drawn for.
_ZEEBE = "http://camunda.org/schema/zeebe/1.0"
_CAMUNDA7 = "http://camunda.org/schema/1.0/bpmn"
_PLATFORM = re.compile(r'executionPlatform\s*=\s*"Camunda (Platform|BPM)"')
_CLOUD = re.compile(r'executionPlatform\s*=\s*"Camunda Cloud"')
_DMN_NS = re.compile(r'xmlns(:\w+)?\s*=\s*"[^"]*/DMN/', re.IGNORECASE)

#: How many deployed processes and decisions the start page lists at a time.
PAGE = 50


def bpmn_flavour(xml: str) -> Flavour:
    """Which modeler a BPMN file needs: Camunda 7's when it uses the `camunda:` namespace
    (or says it was drawn for Camunda Platform), else Camunda 8's (zeebe, or plain BPMN)."""
    if _ZEEBE in xml or _CLOUD.search(xml):
        return "camunda8"
    if _CAMUNDA7 in xml or _PLATFORM.search(xml):
        return "camunda7"
    return "camunda8"


def kind_of(name: str, text: str) -> Kind | None:
    """What a file holds, by its name or else its content: a BPMN or DMN model (XML) or a
    Camunda Form (JSON); None when it is none of them."""
    suffix = PurePosixPath(name).suffix.lower()
    head = text.lstrip()[:4096]
    if suffix == ".form" or (suffix not in (".bpmn", ".dmn", ".xml") and head.startswith("{")):
        return "form"
    if not head.startswith("<"):
        return None
    if suffix == ".dmn" or _DMN_NS.search(head):
        return "dmn"
    return "bpmn"


@dataclass(frozen=True, slots=True)
class Opened:
    """The model an editor page opens: its kind, the bpmn-js flavour, its source (None: a
    new one, or a file the browser hands over) and the file name it is saved under."""

    kind: Kind
    flavour: Flavour
    source: str | None
    name: str
    title: str
    origin: str = "new"
    """`new`, `deployed` or `file` (the browser kept the file in sessionStorage)."""
    process_key: str = ""
    focus: str = ""
    """The element to show first: the decision whose table a DMN page opens."""


async def _deployed_process(request: Request, key: str) -> Opened:
    gateway = ui(request).gateway
    found, xml = await asyncio.gather(
        gateway.get(request, f"/v2/process-definitions/{key}"),
        gateway.get(request, f"/v2/process-definitions/{key}/xml"),
    )
    process_id = str(found.get("processDefinitionId") or "process")
    version = found.get("version")
    return Opened(
        kind="bpmn",
        flavour=bpmn_flavour(str(xml)),
        source=str(xml),
        name=str(found.get("resourceName") or f"{process_id}.bpmn").rsplit("/", 1)[-1],
        title=f"{found.get('name') or process_id} (version {version})",
        origin="deployed",
        process_key=key,
    )


async def _deployed_decision(request: Request, key: str) -> Opened:
    gateway = ui(request).gateway
    found, xml = await asyncio.gather(
        gateway.get(request, f"/v2/decision-definitions/{key}"),
        gateway.get(request, f"/v2/decision-definitions/{key}/xml"),
    )
    name = str(found.get("decisionRequirementsId") or found.get("decisionDefinitionId"))
    return Opened(
        kind="dmn",
        flavour="camunda8",
        source=str(xml),
        name=f"{name}.dmn",
        title=f"{found.get('name') or found.get('decisionDefinitionId')} "
        f"(version {found.get('version')})",
        origin="deployed",
        focus=str(found.get("decisionDefinitionId") or ""),
    )


async def _deployed_requirements(request: Request, key: str) -> Opened:
    gateway = ui(request).gateway
    found, xml = await asyncio.gather(
        gateway.get(request, f"/v2/decision-requirements/{key}"),
        gateway.get(request, f"/v2/decision-requirements/{key}/xml"),
    )
    name = str(found.get("decisionRequirementsId") or "decisions")
    return Opened(
        kind="dmn",
        flavour="camunda8",
        source=str(xml),
        name=str(found.get("resourceName") or f"{name}.dmn").rsplit("/", 1)[-1],
        title=f"{found.get('decisionRequirementsName') or name} (version {found.get('version')})",
        origin="deployed",
    )


async def _deployed_form(request: Request, key: str) -> Opened:
    found = await ui(request).gateway.get(request, f"/v2/forms/{key}")
    schema = found.get("schema")
    text = schema if isinstance(schema, str) else json.dumps(schema, indent=2)
    form_id = str(found.get("formId") or "form")
    return Opened(
        kind="form",
        flavour="camunda8",
        source=text,
        name=f"{form_id}.form",
        title=f"Form {form_id} (version {found.get('version')})",
        origin="deployed",
    )


_NEW: dict[str, Opened] = {
    "camunda8": Opened("bpmn", "camunda8", None, "diagram.bpmn", "New BPMN diagram (Camunda 8)"),
    "camunda7": Opened("bpmn", "camunda7", None, "diagram.bpmn", "New BPMN diagram (Camunda 7)"),
    "dmn": Opened("dmn", "camunda8", None, "decision.dmn", "New DMN decision"),
    "form": Opened("form", "camunda8", None, "form.form", "New form"),
}


def _from_file(name: str, kind: str, flavour: str) -> Opened:
    if kind not in ("bpmn", "dmn", "form"):
        raise ApiError(400, "file_kind must be bpmn, dmn or form; open the file again")
    if flavour not in ("camunda8", "camunda7"):
        raise ApiError(400, "flavour must be camunda8 or camunda7; open the file again")
    base = PurePosixPath(name.replace("\\", "/")).name or "model"
    return Opened(kind, flavour, None, base, base, origin="file")  # type: ignore[arg-type]


Key = Annotated[str | None, Query(max_length=40, pattern=r"^[0-9A-Za-z_.:-]+$")]


@router.get("")
async def start(
    request: Request,
    principal: Modeler,
    after: Annotated[str | None, Query(max_length=500)] = None,
    decisions_after: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """What may be opened: new models, a file, the deployed processes and decisions."""
    gateway = ui(request).gateway
    process_page: dict[str, Any] = {"limit": PAGE}
    if after:
        process_page["after"] = after
    decision_page: dict[str, Any] = {"limit": PAGE}
    if decisions_after:
        decision_page["after"] = decisions_after
    processes, decisions = await asyncio.gather(
        gateway.post(
            request,
            "/v2/process-definitions/search",
            {
                "filter": {"isLatestVersion": True},
                "sort": [{"field": "processDefinitionId", "order": "ASC"}],
                "page": process_page,
            },
        ),
        gateway.post(
            request,
            "/v2/decision-definitions/search",
            {"sort": [{"field": "decisionDefinitionId", "order": "ASC"}], "page": decision_page},
        ),
    )
    return ui(request).render(
        request,
        "modeler.html",
        principal=principal,
        section="modeler",
        processes=processes["items"],
        processes_total=processes["page"]["totalItems"],
        processes_next=_next(processes),
        decisions=decisions["items"],
        decisions_total=decisions["page"]["totalItems"],
        decisions_next=_next(decisions),
        after=after,
        decisions_after=decisions_after,
    )


def _next(found: dict[str, Any]) -> str | None:
    """The cursor of the next page, None on the last one."""
    if len(found["items"]) < PAGE:
        return None
    cursor = found["page"].get("endCursor")
    return str(cursor) if cursor else None


@router.get("/edit")
async def edit(
    request: Request,
    principal: Modeler,
    new: Literal["camunda8", "camunda7", "dmn", "form"] | None = None,
    process: Key = None,
    decision: Key = None,
    requirements: Key = None,
    form: Key = None,
    file: Annotated[str | None, Query(max_length=300)] = None,
    file_kind: Annotated[str, Query(max_length=10)] = "bpmn",
    flavour: Annotated[str, Query(max_length=10)] = "camunda8",
) -> Response:
    """The editor of one model: new, deployed (read through the API) or a file."""
    chosen = [
        name
        for name, value in (
            ("new", new),
            ("process", process),
            ("decision", decision),
            ("requirements", requirements),
            ("form", form),
            ("file", file),
        )
        if value
    ]
    if len(chosen) > 1:
        raise ApiError(400, f"open one model at a time, not {' and '.join(chosen)}")
    if process:
        opened = await _deployed_process(request, process)
    elif decision:
        opened = await _deployed_decision(request, decision)
    elif requirements:
        opened = await _deployed_requirements(request, requirements)
    elif form:
        opened = await _deployed_form(request, form)
    elif file:
        opened = _from_file(file, file_kind, flavour)
    else:
        opened = _NEW[new or "camunda8"]
    config = {
        "kind": opened.kind,
        "flavour": opened.flavour,
        "source": opened.source,
        "name": opened.name,
        "origin": opened.origin,
        "processKey": opened.process_key,
        "focus": opened.focus,
        "templates": f"{PREFIX}/modeler/element-templates/{opened.flavour}.json",
        "mayStart": principal.has("operator"),
    }
    return ui(request).render(
        request,
        "modeler_edit.html",
        principal=principal,
        section="modeler",
        opened=opened,
        config=config,
        may_start=principal.has("operator"),
    )


@router.get("/element-templates/{flavour}.json")
async def templates(request: Request, flavour: str, principal: Modeler) -> Response:
    """The element templates of Regista's connectors for the modeler of `flavour`."""
    if flavour not in ("camunda8", "camunda7"):
        raise ApiError(
            404, f"there are no element templates for {flavour!r}; ask for camunda8 or camunda7"
        )
    return JSONResponse(
        element_templates(flavour),  # type: ignore[arg-type]
        headers={"Cache-Control": "private, max-age=300"},
    )
