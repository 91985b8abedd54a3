"""The tasklist: the user tasks a person may work, filtered and sorted, and one task's page
with claim, unclaim, delegate and its form (a Camunda Form rendered by form-js, a form
generated from a JSON Schema, or the task's variables as JSON) completed through the API.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from regista.api.context import Principal
from regista.ui.gateway import ApiProblem
from regista.ui.pages import PREFIX, PageRoute, ui, viewer_with

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Worker = Annotated[Principal, Depends(viewer_with("user", "operator"))]

#: The lists a person picks from, and the filter each adds to the search.
VIEWS = {
    "mine": ("Assigned to me", None),
    "open": ("Not yet claimed", {"assignee": {"$exists": False}}),
    "all": ("All I can work on", {}),
    "done": ("Completed", {"state": "COMPLETED"}),
}
SORTS = {
    "created": ("creationDate", "ASC", "Oldest first"),
    "due": ("dueDate", "ASC", "Due date"),
    "priority": ("priority", "DESC", "Priority"),
    "followup": ("followUpDate", "ASC", "Follow-up date"),
}
PAGE = 25


def _moment(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def overdue(task: dict[str, Any], now: datetime) -> bool:
    """Whether an open task is past its due date."""
    due = _moment(task.get("dueDate"))
    return task.get("state") == "CREATED" and due is not None and due < now


@dataclass(frozen=True, slots=True)
class Listing:
    """What the list shows and how it was asked for."""

    view: str
    sort: str
    process: str
    overdue_only: bool


def _search(listing: Listing, me: str, after: str | None) -> dict[str, Any]:
    flt: dict[str, Any] = {"state": "CREATED"}
    if listing.view == "mine":
        flt["assignee"] = me
    else:
        flt.update(VIEWS[listing.view][1] or {})
    if listing.process:
        flt["processDefinitionId"] = listing.process
    if listing.overdue_only:
        flt["dueDate"] = {"$lt": datetime.now(UTC).isoformat()}
    field, order, _ = SORTS[listing.sort]
    page: dict[str, Any] = {"limit": PAGE}
    if after:
        page["after"] = after
    return {"filter": flt, "sort": [{"field": field, "order": order}], "page": page}


@router.get("/tasks")
async def tasks(
    request: Request,
    principal: Worker,
    view: Literal["mine", "open", "all", "done"] = "mine",
    sort: Literal["created", "due", "priority", "followup"] = "created",
    process: Annotated[str, Query(max_length=200)] = "",
    overdue_only: bool = False,
    after: Annotated[str | None, Query(max_length=500)] = None,
    completed: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    listing = Listing(view, sort, process.strip(), overdue_only)
    found = await ui(request).gateway.post(
        request, "/v2/user-tasks/search", _search(listing, principal.username, after)
    )
    now = datetime.now(UTC)
    rows = [{**task, "overdue": overdue(task, now)} for task in found["items"]]
    return ui(request).render(
        request,
        "tasks.html",
        principal=principal,
        section="tasks",
        rows=rows,
        total=found["page"]["totalItems"],
        next_cursor=found["page"].get("endCursor") if len(rows) == PAGE else None,
        listing=listing,
        views=VIEWS,
        sorts=SORTS,
        after=after,
        completed=completed,
    )


async def _form(request: Request, key: str) -> dict[str, Any] | None:
    """The task's form (`{formId, schema, kind}`), None when it has none."""
    found = await ui(request).gateway.get(request, f"/v2/user-tasks/{key}/form")
    if not isinstance(found, dict):
        return None
    schema = found.get("schema") or {}
    kind = "camunda" if isinstance(schema.get("components"), list) else "json-schema"
    return {"formId": found.get("formId"), "schema": schema, "kind": kind}


async def _variables(request: Request, key: str) -> dict[str, Any]:
    """The variables the task sees, as values (the API gives them as JSON text)."""
    found = await ui(request).gateway.post(
        request, f"/v2/user-tasks/{key}/variables/search", {"page": {"limit": 1000}}
    )
    values: dict[str, Any] = {}
    for item in found["items"]:
        try:
            values[item["name"]] = json.loads(item["value"])
        except (TypeError, ValueError):
            values[item["name"]] = item["value"]
    return values


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The inputs of a form generated from a JSON Schema object's properties (the kinds an
    HTML form can take: text, number, integer, boolean, enum, date-time)."""
    required = set(schema.get("required") or ())
    fields = []
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        kind = spec.get("type", "string")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        control = "text"
        if "enum" in spec:
            control = "select"
        elif kind == "boolean":
            control = "checkbox"
        elif kind in ("number", "integer"):
            control = "number"
        elif spec.get("format") == "date":
            control = "date"
        elif spec.get("format") == "email":
            control = "email"
        elif kind in ("object", "array"):
            control = "json"
        fields.append(
            {
                "name": name,
                "label": spec.get("title") or name,
                "help": spec.get("description") or "",
                "control": control,
                "type": kind,
                "required": name in required,
                "options": list(spec.get("enum") or ()),
                "step": "1" if kind == "integer" else "any",
                "minimum": spec.get("minimum"),
                "maximum": spec.get("maximum"),
            }
        )
    return fields


@router.get("/tasks/{key}")
async def task(request: Request, key: str, principal: Worker) -> Response:
    gateway = ui(request).gateway
    found, form, variables = await asyncio.gather(
        gateway.get(request, f"/v2/user-tasks/{key}"),
        _form(request, key),
        _variables(request, key),
    )
    mine = found.get("assignee") == principal.username
    free = found.get("assignee") is None
    manager = principal.has("operator")
    open_ = found["state"] == "CREATED"
    return ui(request).render(
        request,
        "task.html",
        principal=principal,
        section="tasks",
        task=found,
        overdue=overdue(found, datetime.now(UTC)),
        form=form,
        fields=fields_of(form["schema"]) if form and form["kind"] == "json-schema" else [],
        variables=variables,
        may_claim=open_ and free,
        may_unclaim=open_ and not free and (mine or manager),
        may_delegate=open_ and (mine or manager),
        may_complete=open_ and (free or mine or manager),
    )


@router.get("/tasks/{key}/fragment")
async def task_state(request: Request, key: str, principal: Worker) -> Response:
    """The task's state line, reloaded so that a task someone else claimed shows it."""
    try:
        found = await ui(request).gateway.get(request, f"/v2/user-tasks/{key}")
    except ApiProblem as exc:
        return ui(request).render(
            request, "task_state.html", principal=principal, task=None, problem=exc.detail
        )
    return ui(request).render(
        request,
        "task_state.html",
        principal=principal,
        task=found,
        problem="",
        overdue=overdue(found, datetime.now(UTC)),
    )
