"""Process intelligence over HTTP (Regista additions under `/v2/insight/...`): the analyses
of `regista insight` for operators (and administrators), each a `GET` taking the scope of
the CLI as query parameters (`definition`, `version`, `since`, `until`, or an imported
`log`) and answering the analysis's report as JSON — `analysis`, `title`, `columns`,
`rows`, `notes`, and what the analysis adds (`summary`, `bucket`, `cases`, `distinct`).

The analyses read through a connection of their own (`regista.insight.open_database`) to
the database the server's settings name, opened for the request in FastAPI's thread pool;
the server's store checked its schema when it opened. A scope or parameter the database
cannot serve (an unknown definition, version or log, `since` after `until`) is a 400 whose
`invalidParams` names the parameter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from regista.api.problems import ApiError
from regista.api.v2.common import Operator, client_of
from regista.insight import (
    EventDatabase,
    InsightError,
    Report,
    Scope,
    bottlenecks,
    bpmn_errors,
    compare,
    deviations,
    directly_follows,
    durations,
    elements,
    incidents,
    open_database,
    sla_compliance,
    throughput,
    variants,
)
from regista.insight.stuck import stuck
from regista.settings import Settings

__all__ = ["router"]

router = APIRouter(prefix="/v2/insight", tags=["Process intelligence"])


class InsightReport(BaseModel):
    """One analysis as a table: `rows` are objects keyed by `columns`."""

    model_config = ConfigDict(extra="allow")

    analysis: str = Field(description="Which analysis: elements, bottlenecks, throughput, ...")
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    notes: list[str] = Field(description="What the table means: definitions, the model used")


def _when(name: str, value: dt.datetime | None) -> dt.datetime | None:
    """A time of the scope in UTC (without an offset: UTC, as on the command line)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        reason = f"{value.isoformat()} is out of range in UTC; give a time from year 1 to 9999"
        problem = {"invalidParams": [{"name": name, "reason": reason}]}
        raise ApiError(400, reason, extra=problem) from None


def scope(
    definition: Annotated[
        str | None, Query(description="A process id (or definition key); default: all")
    ] = None,
    version: Annotated[
        int | None, Query(ge=1, description="One version of the definition (needs definition)")
    ] = None,
    since: Annotated[
        dt.datetime | None,
        Query(description="Cases started at or after this ISO 8601 time (UTC if no offset)"),
    ] = None,
    until: Annotated[
        dt.datetime | None,
        Query(description="Cases started before this ISO 8601 time (UTC if no offset)"),
    ] = None,
    log: Annotated[
        str | None, Query(description="An imported event log instead of the history")
    ] = None,
) -> Scope:
    """The scope query parameters of every analysis, as one `Scope`."""
    return Scope(definition, version, _when("since", since), _when("until", until), log)


Scoped = Annotated[Scope, Depends(scope)]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many rows")]


def _settings(request: Request) -> Settings:
    found: Settings | None = getattr(request.app.state, "insight", None)
    if found is None:
        raise ApiError(
            409,
            "this server was started without a database for process intelligence; "
            "run regista server with a SQLite or PostgreSQL --database-url",
        )
    return found


def _run(request: Request, analysis: Callable[..., Report], where: Scope, **options: Any) -> Any:
    settings = _settings(request)
    try:
        with open_database(settings, schema_checked=True) as db:
            report = analysis(db, where, **options)
    except InsightError as exc:
        if exc.field is None:
            # not the caller's mistake: the database could not be read
            raise ApiError(503, f"process intelligence could not answer: {exc}") from None
        raise ApiError(
            400,
            str(exc).replace("--", ""),
            extra={"invalidParams": [{"name": exc.field, "reason": str(exc).replace("--", "")}]},
        ) from None
    return report.to_json()


@router.get("/elements", response_model=InsightReport)
def get_elements(request: Request, where: Scoped, _: Operator) -> Any:
    """Per element: executions, cases, rework, and service and waiting time p50/p90/p99."""
    return _run(request, elements, where)


@router.get("/bottlenecks", response_model=InsightReport)
def get_bottlenecks(request: Request, where: Scoped, _: Operator) -> Any:
    """Elements ranked by the time cases spent in them (waiting plus service)."""
    return _run(request, bottlenecks, where)


@router.get("/throughput", response_model=InsightReport)
def get_throughput(
    request: Request,
    where: Scoped,
    _: Operator,
    bucket: Annotated[Literal["hour", "day", "week"], Query(description="Bucket width")] = "day",
) -> Any:
    """Cases started and ended per hour, day or week (UTC)."""
    return _run(request, throughput, where, bucket=bucket)


@router.get("/durations", response_model=InsightReport)
def get_durations(
    request: Request,
    where: Scoped,
    _: Operator,
    bins: Annotated[int, Query(ge=1, le=200, description="Histogram bins")] = 10,
) -> Any:
    """The distribution of the durations of the cases that ended: a summary and bins."""
    return _run(request, durations, where, bins=bins)


@router.get("/variants", response_model=InsightReport)
def get_variants(request: Request, where: Scoped, _: Operator, limit: Limit = 20) -> Any:
    """The distinct paths of the cases, most frequent first."""
    return _run(request, variants, where, limit=limit)


@router.get("/dfg", response_model=InsightReport)
def get_dfg(request: Request, where: Scoped, _: Operator) -> Any:
    """The directly-follows graph: how often each activity followed another."""
    return _run(request, directly_follows, where)


@router.get("/deviations", response_model=InsightReport)
def get_deviations(request: Request, where: Scoped, _: Operator) -> Any:
    """Flows no case took and elements no case reached, per deployed version."""
    return _run(request, deviations, where)


@router.get("/incidents", response_model=InsightReport)
def get_incidents(request: Request, where: Scoped, _: Operator, limit: Limit = 20) -> Any:
    """The most frequent incidents, by element and message."""
    return _run(request, incidents, where, limit=limit)


@router.get("/sla", response_model=InsightReport)
def get_sla(
    request: Request,
    where: Scoped,
    _: Operator,
    share: Annotated[
        float, Query(gt=0, le=1, description="At risk: running with this share of the target used")
    ] = 0.8,
) -> Any:
    """SLA compliance per definition and per element with a target: met, breached, at risk
    (now, by the server's clock) and on track."""
    now = client_of(request).shell.now().timestamp()
    return _run(request, sla_compliance, where, now=now, share=share)


@router.get("/errors", response_model=InsightReport)
def get_errors(request: Request, where: Scoped, _: Operator, limit: Limit = 20) -> Any:
    """The most frequent BPMN errors thrown by workers, by element and code."""
    return _run(request, bpmn_errors, where, limit=limit)


def _version(side: str) -> Any:
    return Query(alias=f"{side}Version", ge=1, description=f"The {side} side: one version")


def _time(side: str, bound: str, what: str) -> Any:
    return Query(
        alias=f"{side}{bound}", description=f"The {side} side: cases started {what} (ISO 8601)"
    )


@router.get("/compare", response_model=InsightReport)
def get_compare(
    request: Request,
    _: Operator,
    definition: Annotated[
        str | None, Query(description="The process id (or definition key) to compare")
    ] = None,
    log: Annotated[
        str | None, Query(description="An imported event log instead of a process")
    ] = None,
    from_version: Annotated[int | None, _version("from")] = None,
    from_since: Annotated[dt.datetime | None, _time("from", "Since", "at or after")] = None,
    from_until: Annotated[dt.datetime | None, _time("from", "Until", "before")] = None,
    to_version: Annotated[int | None, _version("to")] = None,
    to_since: Annotated[dt.datetime | None, _time("to", "Since", "at or after")] = None,
    to_until: Annotated[dt.datetime | None, _time("to", "Until", "before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Variants listed")] = 10,
    bins: Annotated[int, Query(ge=1, le=200, description="Shared histogram bins")] = 10,
) -> Any:
    """Two versions of a process (or two time windows of one) side by side: per element,
    the case figures (`summary`), the `variants` and both duration distributions
    (`histogram`), each figure with its `_from`, `_to`, `_diff` and `_change`."""
    before = Scope(
        definition,
        from_version,
        _when("fromSince", from_since),
        _when("fromUntil", from_until),
        log,
    )
    after = Scope(
        definition, to_version, _when("toSince", to_since), _when("toUntil", to_until), log
    )

    def both(db: EventDatabase, _: Scope) -> Report:
        return compare(db, before, after, limit=limit, bins=bins)

    return _run(request, both, before)


@router.get("/stuck", response_model=InsightReport)
def get_stuck(
    request: Request,
    where: Scoped,
    _: Operator,
    factor: Annotated[
        float, Query(gt=0, description="Held beyond this many times the element's usual p90")
    ] = 1.0,
    min_samples: Annotated[
        int,
        Query(
            alias="minSamples",
            ge=1,
            description="Completed executions an element needs for its usual time",
        ),
    ] = 5,
    limit: Limit = 50,
) -> Any:
    """Running instances held at an element longer than usual, the longest held first."""
    now = request.app.state.services.client.shell.now()
    return _run(request, stuck, where, now=now, factor=factor, min_samples=min_samples, limit=limit)
