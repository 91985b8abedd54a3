"""The cockpit's jobs: searched by type, state, retries left and process, by cursor pages,
with each job's error; retries set for one or many at a time from the browser, through the
API (`PATCH /v2/jobs/{jobKey}`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from regista.ui.operations import Listed, Operator, list_page, process_ids, query_of
from regista.ui.pages import PREFIX, PageRoute, ui

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: The job states a list may ask for (Camunda's names), with what the form calls them.
STATES = {
    "": "Any state",
    "CREATED": "Waiting or activated",
    "FAILED": "Failed (no retries left)",
    "COMPLETED": "Completed",
    "CANCELED": "Cancelled",
}
#: The choices of retries left, and the API filter of each.
RETRIES: dict[str, tuple[str, Any]] = {
    "": ("Any", None),
    "left": ("With retries left", {"$gt": 0}),
    "none": ("Without retries left", 0),
}

_FIELDS = {
    "filter.type": "type",
    "filter.state": "state",
    "filter.retries": "retries",
    "filter.processDefinitionId": "process",
    "filter.jobKey": "job",
    "page.after": "page",
    "page.before": "page",
}

Text = Annotated[str, Query(max_length=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
State = Literal["", "CREATED", "FAILED", "COMPLETED", "CANCELED"]
Retries = Literal["", "left", "none"]


@dataclass(frozen=True, slots=True)
class JobFilters:
    """The list's filters as the form gives them."""

    type: str = ""
    state: str = ""
    retries: str = ""
    process: str = ""
    job: str = ""

    def query(self, **more: str | None) -> str:
        """The query string of these filters (and `more`), for links and the fragment."""
        return query_of(
            {
                "type": self.type,
                "state": self.state,
                "retries": self.retries,
                "process": self.process,
                "job": self.job,
                **more,
            }
        )

    def search(self) -> dict[str, Any]:
        """The API's search body, newest job first."""
        flt: dict[str, Any] = {}
        if self.type:
            flt["type"] = self.type
        if self.state:
            flt["state"] = self.state
        wanted = RETRIES[self.retries][1]
        if wanted is not None:
            flt["retries"] = wanted
        if self.process:
            flt["processDefinitionId"] = self.process
        if self.job:
            flt["jobKey"] = self.job
        return {"filter": flt, "sort": [{"field": "jobKey", "order": "DESC"}]}


async def _listed(
    request: Request, filters: JobFilters, after: str | None, before: str | None
) -> Listed:
    return await list_page(
        request, "/v2/jobs/search", filters.search(), after=after, before=before, fields=_FIELDS
    )


def _filters(type: str, state: str, retries: str, process: str, job: str) -> JobFilters:
    return JobFilters(type.strip(), state, retries, process.strip(), job.strip())


@router.get("/jobs")
async def jobs(
    request: Request,
    principal: Operator,
    type: Text = "",
    state: State = "",
    retries: Retries = "",
    process: Text = "",
    job: Text = "",
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    filters = _filters(type, state, retries, process, job)
    listed = await _listed(request, filters, after, before)
    return ui(request).render(
        request,
        "jobs.html",
        principal=principal,
        section="jobs",
        filters=filters,
        listed=listed,
        processes=await process_ids(request),
        states=STATES,
        retry_choices={name: title for name, (title, _) in RETRIES.items()},
        fragment=f"{PREFIX}/fragments/jobs?{filters.query(after=after, before=before)}",
    )


@router.get("/fragments/jobs")
async def jobs_fragment(
    request: Request,
    principal: Operator,
    type: Text = "",
    state: State = "",
    retries: Retries = "",
    process: Text = "",
    job: Text = "",
    after: Cursor = None,
    before: Cursor = None,
) -> Response:
    """The list's table and pager, reloaded every few seconds by the page."""
    filters = _filters(type, state, retries, process, job)
    listed = await _listed(request, filters, after, before)
    return ui(request).render(
        request, "jobs_body.html", principal=principal, filters=filters, listed=listed
    )
