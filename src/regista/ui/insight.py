"""The cockpit's Insight pages: the list of processes to analyse, and per process its
heatmaps of frequency and service time on the diagram, the process map (directly-follows
graph), the variants, the distribution of instance durations, throughput over time, SLA
compliance and the most frequent incidents and BPMN errors — for one version or all, over
a window of start times. Every figure comes from `/v2/insight/*`, called as the user. The
page comes first, with the diagram; the analyses, which read every step in scope, come as
a fragment the page's script asks for."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from markupsafe import Markup

from regista.api.problems import ApiError
from regista.insight.charts import histogram_svg, throughput_svg
from regista.insight.maps import process_map_svg
from regista.insight.report import Report
from regista.ui.definitions import part
from regista.ui.gateway import ApiProblem
from regista.ui.heat import heatmaps
from regista.ui.operations import Operator, moment, query_of
from regista.ui.pages import PREFIX, PageRoute, ui

__all__ = ["InsightFilters", "router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Query(max_length=200)]
Bucket = Literal["hour", "day", "week"]

#: The API's parameters the form sets (a refusal naming another is shown above the form).
_FIELDS = ("version", "since", "until", "bucket")


@dataclass(frozen=True, slots=True)
class InsightFilters:
    """The page's form: a version (empty: all), a window on the start of the cases and the
    throughput's bucket."""

    version: str = ""
    since: str = ""
    until: str = ""
    bucket: str = "day"

    def query(self, **more: str | None) -> str:
        return query_of(
            {
                "version": self.version,
                "since": self.since,
                "until": self.until,
                "bucket": self.bucket,
                **more,
            }
        )

    def scope(self, process_id: str, versions: list[int]) -> tuple[dict[str, Any], dict[str, str]]:
        """The API's scope parameters, and a message per form field that is not right."""
        params: dict[str, Any] = {"definition": process_id}
        errors: dict[str, str] = {}
        if self.version:
            try:
                number = int(self.version)
            except ValueError:
                number = 0
            if number not in versions:
                known = ", ".join(str(v) for v in sorted(versions)) or "none"
                errors["version"] = f"choose one of the versions ({known}) or all versions"
            else:
                params["version"] = number
        low = high = None
        for name, text, end in (("since", self.since, False), ("until", self.until, True)):
            if not text:
                continue
            try:
                at = moment(text, end=end)
            except ValueError as exc:
                errors[name] = str(exc)
                continue
            try:
                params[name] = at.astimezone(UTC).isoformat()
            except OverflowError:  # 0001-01-01T00:00+01:00 is before year 1 in UTC
                errors[name] = "out of range in UTC: give a time from year 1 to 9999"
                continue
            low, high = (low, at) if end else (at, high)
        if low is not None and high is not None and high <= low:
            errors["until"] = "must be after “started from”"
        return params, errors


def _filters(
    version: Text = "", since: Text = "", until: Text = "", bucket: Bucket = "day"
) -> InsightFilters:
    """The form's fields as the page and its fragment both read them."""
    return InsightFilters(version.strip(), since.strip(), until.strip(), bucket)


Filters = Annotated[InsightFilters, Depends(_filters)]


@dataclass
class Analysed:
    """What the page shows: the analyses' answers, or why there are none (`problem`, and
    `errors` per form field)."""

    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    problem: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """No case in scope: the page says there is no data yet."""
        return not self.reports or not self.reports["elements"]["rows"]


_ANALYSES: dict[str, dict[str, Any]] = {
    "elements": {},
    "dfg": {},
    "variants": {"limit": 10},
    "durations": {"bins": 12},
    "throughput": {},
    "sla": {},
    "incidents": {"limit": 10},
    "errors": {"limit": 10},
}


async def _analyse(request: Request, params: dict[str, Any], bucket: str) -> Analysed:
    """Every analysis of the page, asked at once; the API's refusal of the scope is kept
    to be shown above the analyses, with the parameters it names."""
    gateway = ui(request).gateway
    names = list(_ANALYSES)
    calls = []
    for name in names:
        more = dict(_ANALYSES[name])
        if name == "throughput":
            more["bucket"] = bucket
        calls.append(gateway.get(request, f"/v2/insight/{name}", **params, **more))
    try:
        found = await asyncio.gather(*calls)
    except ApiProblem as exc:
        if exc.status != 400:  # not the form's fault: the error page says what it is
            raise
        errors = {n: reason for n, reason in exc.fields.items() if n in _FIELDS}
        return Analysed(problem=exc.detail, errors=errors)
    return Analysed(reports=dict(zip(names, found, strict=True)))


def _report(found: dict[str, Any]) -> Report:
    """An API answer as the `Report` the charts draw."""
    return Report(found["analysis"], found["title"], tuple(found["columns"]), found["rows"])


def _charts(analysed: Analysed, name: str) -> dict[str, Markup]:
    """The SVG pictures of the page (each escapes every text it writes)."""
    if analysed.empty:
        return {}
    reports = analysed.reports
    return {
        "map": Markup(process_map_svg(reports["dfg"]["rows"], title=f"Process map of {name}")),
        "durations": Markup(
            histogram_svg(
                _report(reports["durations"]), title=f"Durations of the ended cases of {name}"
            )
        ),
        "throughput": Markup(
            throughput_svg(
                _report(reports["throughput"]),
                title=f"Cases of {name} started and ended per {reports['throughput']['bucket']}",
            )
        ),
    }


@router.get("/insight")
async def insight_list(request: Request, principal: Operator) -> Response:
    """The processes, each linking to its Insight page."""
    found = await ui(request).gateway.post(
        request,
        "/v2/process-definitions/search",
        {"filter": {"isLatestVersion": True}, "page": {"limit": 10_000}},
    )
    processes = sorted(
        found["items"], key=lambda p: str(p.get("name") or p["processDefinitionId"]).lower()
    )
    return ui(request).render(
        request, "insight_list.html", principal=principal, section="insight", processes=processes
    )


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A process's versions, the one whose diagram is shown, the API's scope parameters
    and the form's messages."""

    versions: list[dict[str, Any]]
    shown: dict[str, Any]
    params: dict[str, Any]
    errors: dict[str, str]

    @property
    def name(self) -> str:
        return str(self.shown.get("name") or self.shown["processDefinitionId"])


async def _prepare(request: Request, process_id: str, filters: InsightFilters) -> _Prepared:
    found = await ui(request).gateway.post(
        request,
        "/v2/process-definitions/search",
        {
            "filter": {"processDefinitionId": process_id},
            "sort": [{"field": "version", "order": "DESC"}],
            "page": {"limit": 10_000},
        },
    )
    versions: list[dict[str, Any]] = found["items"]
    if not versions:
        raise ApiError(404, f"no process {process_id!r} is deployed; see the list of processes")
    params, errors = filters.scope(process_id, [int(v["version"]) for v in versions])
    shown = next((v for v in versions if v["version"] == params.get("version")), versions[0])
    return _Prepared(versions, shown, params, errors)


@router.get("/insight/{process_id}")
async def insight(
    request: Request,
    process_id: str,
    principal: Operator,
    filters: Filters,
) -> Response:
    """One process's page: the form and the diagram at once (a field that is not right
    answers 400 with the form and its message); the browser then asks for the analyses
    (`insight_fragment`), which read every step in scope and take longer than the page."""
    prepared = await _prepare(request, process_id, filters)
    key = part(str(prepared.shown["processDefinitionKey"]))
    xml = await ui(request).gateway.get(request, f"/v2/process-definitions/{key}/xml")
    problem = "Some fields are not right." if prepared.errors else ""
    return ui(request).render(
        request,
        "insight.html",
        principal=principal,
        status=400 if problem else 200,
        section="insight",
        process_id=process_id,
        name=prepared.name,
        versions=prepared.versions,
        shown=prepared.shown,
        filters=filters,
        analysed=Analysed(problem=problem, errors=prepared.errors),
        fragment=""
        if problem
        else f"{PREFIX}/fragments/insight/{part(process_id)}?{filters.query()}",
        page_data={"xml": xml},
    )


@router.get("/fragments/insight/{process_id}")
async def insight_fragment(
    request: Request,
    process_id: str,
    principal: Operator,
    filters: Filters,
) -> Response:
    """The analyses of the page, asked at once through the API: the heatmaps' controls
    and legends, the element table and every other section, for `static/insight.js` to put
    in place."""
    prepared = await _prepare(request, process_id, filters)
    if prepared.errors:
        analysed = Analysed(problem="Some fields are not right.", errors=prepared.errors)
    else:
        analysed = await _analyse(request, prepared.params, filters.bucket)
    reports = analysed.reports
    heat = heatmaps(reports["elements"]["rows"]) if reports else []
    return ui(request).render(
        request,
        "insight_body.html",
        principal=principal,
        status=400 if analysed.problem else 200,
        name=prepared.name,
        analysed=analysed,
        heat=heat,
        charts=_charts(analysed, prepared.name),
        insight_data={
            "heat": [h.to_json() for h in heat],
            "variants": [r["activities"] for r in reports["variants"]["rows"]] if reports else [],
        },
    )
