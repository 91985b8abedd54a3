"""What the operators' list pages (incidents, jobs) share: the role they need, the process
choices of their filters, a cursor page of an API search with its links, and messages of
bad filter input per field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request

from regista.api.context import Principal
from regista.ui.gateway import ApiProblem
from regista.ui.pages import ui, viewer_with

__all__ = ["PAGE", "Listed", "Operator", "list_page", "moment", "process_ids", "query_of"]

Operator = Annotated[Principal, Depends(viewer_with("operator"))]

#: Rows on a page of a list.
PAGE = 50


def query_of(values: dict[str, str | None]) -> str:
    """The query string of the values given (empty ones left out)."""
    return urlencode({k: v for k, v in values.items() if v})


async def process_ids(request: Request) -> list[str]:
    """The ids of the deployed processes, for a filter's choices (those the user may read)."""
    found = await ui(request).gateway.post(
        request,
        "/v2/process-definitions/search",
        {"filter": {"isLatestVersion": True}, "page": {"limit": 500}},
    )
    return sorted({str(item["processDefinitionId"]) for item in found["items"]})


def moment(text: str, *, end: bool = False) -> datetime:
    """A date-time typed in a filter (`YYYY-MM-DDTHH:MM`, seconds optional, UTC unless it
    says otherwise). With `end`, a time given to the minute means the end of that minute.
    ValueError with a sentence when it is not one."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("enter a date and time like 2026-01-31T09:30 (UTC)") from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if end and len(text.strip()) <= len("2026-01-31T09:30"):
        at += timedelta(minutes=1) - timedelta(microseconds=1)
    return at


@dataclass
class Listed:
    """One page of an API search, as a list page shows it: its rows, the total, the cursors
    of the pages around it, and what went wrong (`problem`, `errors` per form field)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    capped: bool = False
    newer: str | None = None
    older: str | None = None
    paged: bool = False
    problem: str = ""
    errors: dict[str, str] = field(default_factory=dict)


async def list_page(
    request: Request,
    path: str,
    body: dict[str, Any],
    *,
    after: str | None,
    before: str | None,
    fields: dict[str, str],
) -> Listed:
    """The page of `POST path` with `body` after (or before) a cursor; the API's refusal is
    kept to be shown in place, its fields named by the form's (`fields`: API name to form
    name)."""
    page: dict[str, Any] = {"limit": PAGE}
    if after:
        page["after"] = after
    elif before:
        page["before"] = before
    try:
        found = await ui(request).gateway.post(request, path, {**body, "page": page})
    except ApiProblem as exc:
        if exc.status != 400:  # not the filter's fault: the error page says what it is
            raise
        errors = {fields[name]: reason for name, reason in exc.fields.items() if name in fields}
        return Listed(problem=exc.detail, errors=errors, paged=bool(after or before))
    rows: list[dict[str, Any]] = found["items"]
    info = found["page"]
    paged = bool(after or before)
    full = len(rows) == PAGE
    return Listed(
        rows=rows,
        total=int(info["totalItems"]),
        capped=bool(info.get("hasMoreTotalItems")),
        # going back, a full page may have more before it; going on, a full page more after
        newer=info.get("startCursor") if rows and (after or (before and full)) else None,
        older=info.get("endCursor") if rows and (full or before) else None,
        paged=paged,
    )
