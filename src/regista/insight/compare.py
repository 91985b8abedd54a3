"""Before and after a model change: two scopes of one process (two versions, or two time
windows of one version) side by side, with the differences.

`compare` runs the same aggregates as `elements`, `durations` and `variants` on each side
and joins them: per element its executions (and per case), service and waiting time p50
and p90; the case figures (count, duration mean and percentiles, distinct variants, SLA
compliance, incident and BPMN-error rates); the variants' shares; and both duration
distributions over one set of bins, so that the two histograms can be read together.
Each figure has `_from`, `_to`, `_diff` (to minus from) and `_change` (the difference
relative to `from`; None when `from` is 0 or missing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from regista.insight.analyses import element_names, elements
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.models import ModelCache
from regista.insight.paths import variants, variants_and_activities
from regista.insight.report import PERCENTILES, Report, nearest_ranks, seconds
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["SIDES", "compare"]

SIDES = ("from", "to")
"""The two sides of a comparison: `from` (before the change) and `to` (after it)."""

_ELEMENT_FIGURES = ("service_p50", "service_p90", "waiting_p50", "waiting_p90")
_CASE_FIGURES = (
    "cases",
    "ended",
    "duration_mean",
    "duration_p50",
    "duration_p90",
    "duration_p99",
    "variants",
    "sla_compliance",
    "incident_rate",
    "error_rate",
)
_ALL_VARIANTS = 10_000  # variants are matched by path over (nearly) all of them


def difference(before: Any, after: Any) -> tuple[float | None, float | None]:
    """`after - before` and its size relative to `before` (None when either is missing,
    and the relative one when `before` is 0)."""
    if before is None or after is None:
        return None, None
    diff = float(after) - float(before)
    change = None if float(before) == 0 else round(diff / float(before), 4)
    return round(diff, 4), change


def _figure(out: dict[str, Any], name: str, before: Any, after: Any) -> None:
    out[f"{name}_from"], out[f"{name}_to"] = before, after
    out[f"{name}_diff"], out[f"{name}_change"] = difference(before, after)


def _resolve(db: EventDatabase, side: str, scope: Scope) -> None:
    """Check a side's scope; an error names the side's option (`--from-version`, API
    `fromVersion`)."""
    try:
        resolve(db, scope)
    except InsightError as exc:
        if exc.field in ("version", "since", "until"):
            flag = f"--{side}-{exc.field}"
            message = str(exc).replace(f"--{exc.field}", flag)
            if flag not in message:
                message = f"{flag}: {message}"
            raise InsightError(message, field=side + exc.field.capitalize()) from None
        raise


def _check(db: EventDatabase, before: Scope, after: Scope) -> None:
    if before.definition != after.definition or before.log != after.log:
        raise InsightError(
            "both sides of a comparison are one process (or one imported log)",
            field="definition",
        )
    if before.definition is None and before.log is None:
        raise InsightError(
            "name the process to compare (a process id, or an imported --log)",
            field="definition",
        )
    if before == after:
        raise InsightError(
            "the two sides are the same cases; give different versions "
            "(--from-version, --to-version) or time windows (--from-since ... --to-until)",
            field="toVersion",
        )
    for side, scope in zip(SIDES, (before, after), strict=True):
        _resolve(db, side, scope)


def _model_elements(db: EventDatabase, scope: Scope) -> dict[str, str] | None:
    """The elements of the deployed models on one side (a version's own model even when
    no case ran on it); None for an imported log, which has no model."""
    if scope.imported:
        return None
    if scope.version is not None:
        rows = db.all(
            "SELECT id AS definition_id FROM definitions "
            "WHERE (process_id = :d OR id = :d) AND version = :v",
            {"d": scope.definition, "v": scope.version},
        )
    else:
        sql, params = source_sql(db.dialect, scope)
        rows = db.all(sql + " SELECT DISTINCT definition_id FROM cases", params)
    cache = ModelCache(db)
    found: dict[str, str] = {}
    for row in rows:
        model = cache.get(str(row["definition_id"]))
        if model is not None and model.process is not None:
            for element_id, node in model.process.elements.items():
                found[element_id] = node.name or element_id
    return found


def _case_side(db: EventDatabase, scope: Scope) -> tuple[dict[str, Any], list[float]]:
    """One side's case figures — cases, ended, duration mean and percentiles, the rates of
    SLA breaches, incidents and BPMN errors per case — and the durations of its ended
    cases, sorted. The cases are read once: the figures, the summary and the histogram
    all come from that read, where `durations` and a histogram query would read them
    three times."""
    sql, params = source_sql(db.dialect, scope)
    if scope.imported:
        flags = "0 AS breached, 0 AS incident"
    else:
        # a case counts once however many breaches or incidents it had
        flags = """CASE WHEN EXISTS (SELECT 1 FROM sla_breaches b WHERE b.instance_id = c.case_id)
            THEN 1 ELSE 0 END AS breached,
        CASE WHEN EXISTS (SELECT 1 FROM incidents i WHERE i.instance_id = c.case_id)
            THEN 1 ELSE 0 END AS incident"""
    cases = breached = incidents = 0
    ended: list[float] = []
    for duration, breach, incident in db.tuples(
        f"{sql} SELECT case_end - case_start AS duration, {flags} FROM cases c", params
    ):
        cases += 1
        breached += breach
        incidents += incident
        if duration is not None:
            ended.append(float(duration))
    ended.sort()
    figures: dict[str, Any] = {"cases": cases, "ended": len(ended)}
    summary = _duration_summary(ended)
    for key in ("mean", "p50", "p90", "p99"):
        figures[f"duration_{key}"] = summary[key]
    errors = db.one(
        f"{sql} SELECT COUNT(DISTINCT case_id) AS n FROM step_rows WHERE error_code IS NOT NULL",
        params,
    )
    figures["error_rate"] = _rate(errors["n"], cases) if not scope.imported else None
    if scope.imported:
        figures["sla_compliance"] = figures["incident_rate"] = None
        return figures, ended
    rate = _rate(breached, cases)
    figures["sla_compliance"] = None if rate is None else round(1 - rate, 4)
    figures["incident_rate"] = _rate(incidents, cases)
    return figures, ended


def _duration_summary(ordered: Sequence[float]) -> dict[str, Any]:
    """Count, min, max, mean and nearest-rank percentiles of durations sorted ascending,
    the figures of the `durations` analysis's summary."""
    summary: dict[str, Any] = {"count": len(ordered)}
    summary["min"] = seconds(ordered[0]) if ordered else None
    summary["max"] = seconds(ordered[-1]) if ordered else None
    summary["mean"] = seconds(math.fsum(ordered) / len(ordered)) if ordered else None
    for p, value in zip(PERCENTILES, nearest_ranks(ordered), strict=True):
        summary[f"p{p}"] = seconds(value)
    return summary


def _rate(count: Any, cases: int) -> float | None:
    return round(int(count or 0) / cases, 4) if cases else None


def _bins(ordered: Sequence[float], low: float, width: float, last: int) -> dict[int, int]:
    """The durations of a side's ended cases counted in the shared bins (the arithmetic
    of the `durations` analysis's SQL, in the same double precision)."""
    counts: dict[int, int] = {}
    for value in ordered:
        index = math.floor((value - low) / width)
        index = last if index > last else 0 if index < 0 else index
        counts[index] = counts.get(index, 0) + 1
    return counts


def _histogram(ended: Sequence[Sequence[float]], bins: int) -> list[dict[str, Any]]:
    """Both duration distributions over the same equal-width bins (from the lowest
    minimum to the highest maximum of the two)."""
    lows = [seconds(side[0]) for side in ended if side]
    highs = [seconds(side[-1]) for side in ended if side]
    if not lows:
        return []
    low, high = min(v for v in lows if v is not None), max(v for v in highs if v is not None)
    width = (high - low) / bins if high > low else 1.0
    last = bins - 1 if high > low else 0
    counts = [_bins(side, low, width, last) for side in ended]
    rows = []
    for index in range(last + 1):
        row: dict[str, Any] = {
            "from": seconds(low + index * width),
            "to": seconds(low + (index + 1) * width if high > low else high),
        }
        _figure(row, "count", counts[0].get(index, 0), counts[1].get(index, 0))
        rows.append(row)
    return rows


def _variant_rows(sides: list[Report], limit: int) -> list[dict[str, Any]]:
    """The variants of either side by path, with each side's cases and share."""
    by_path: dict[tuple[str, ...], list[dict[str, Any] | None]] = {}
    for index, report in enumerate(sides):
        for found in report.rows:
            by_path.setdefault(tuple(found["activities"]), [None, None])[index] = found
    rows = []
    for path, (before, after) in by_path.items():
        row: dict[str, Any] = {"activities": list(path)}
        row["path"] = (before or after or {}).get("path", list(path))
        _figure(row, "cases", (before or {}).get("cases", 0), (after or {}).get("cases", 0))
        _figure(row, "share", (before or {}).get("share", 0.0), (after or {}).get("share", 0.0))
        row["only"] = None if before and after else ("from" if before else "to")
        rows.append(row)
    rows.sort(key=lambda r: (-max(r["share_from"], r["share_to"]), r["activities"]))
    return rows[:limit]


def compare(
    db: EventDatabase, before: Scope, after: Scope, *, limit: int = 10, bins: int = 10
) -> Report:
    """Compare two scopes of one process (see the module docstring): rows per element,
    `summary` of the case figures, `variants` (the `limit` most frequent on either side)
    and `histogram` (both duration distributions over `bins` shared bins)."""
    if bins < 1:
        raise InsightError("--bins must be at least 1", field="bins")
    if limit < 1:
        raise InsightError("--limit must be at least 1", field="limit")
    _check(db, before, after)
    scopes = (before, after)
    steps = [_step_side(db, s) for s in scopes]
    per_element = [rows for rows, _ in steps]
    paths = [found for _, found in steps]
    sides = [_case_side(db, s) for s in scopes]
    figures = [figure for figure, _ in sides]
    for figure, found in zip(figures, paths, strict=True):
        figure["variants"] = int(found.extra["distinct"])
    models = [_model_elements(db, s) for s in scopes]

    summary = []
    for name in _CASE_FIGURES:
        first, second = figures[0].get(name), figures[1].get(name)
        diff, change = difference(first, second)
        summary.append(
            {"figure": name, "from": first, "to": second, "diff": diff, "change": change}
        )

    rows = _element_rows(per_element, models, [f["cases"] for f in figures])
    notes = [
        "from = " + _describe(before) + "; to = " + _describe(after),
        "diff = to - from; change = diff / from (none when from is 0)",
        "per_case = executions per case; times in seconds, percentiles nearest-rank",
        "only: the element exists (in the model, or ran) on that side alone",
    ]
    if not before.imported:
        notes.append(
            "sla_compliance = cases without an SLA breach / cases; incident_rate, "
            "error_rate = cases with an incident, a BPMN error thrown by a worker / cases"
        )
    return Report(
        "compare",
        f"Compare {_describe(before)} with {_describe(after)}",
        (
            "activity",
            "name",
            "only",
            "count_from",
            "count_to",
            "per_case_change",
            "service_p50_from",
            "service_p50_to",
            "service_p50_change",
            "waiting_p50_from",
            "waiting_p50_to",
            "waiting_p50_change",
        ),
        rows,
        notes=notes,
        extra={
            "from": _scope_json(before),
            "to": _scope_json(after),
            "summary": summary,
            "variants": _variant_rows(paths, limit),
            "histogram": _histogram([ended for _, ended in sides], bins),
        },
    )


def _step_side(db: EventDatabase, scope: Scope) -> tuple[list[dict[str, Any]], Report]:
    """One side's rows of `elements` (those `compare` shows) and its `variants`. SQLite
    folds both from one read of the steps in case order (`casefolds`), where the two
    analyses would read them twice and call a Python aggregate twice per step."""
    if db.dialect.name != "sqlite":
        return elements(db, scope).rows, variants(db, scope, limit=_ALL_VARIANTS)
    names = element_names(db, scope)
    found, activities = variants_and_activities(db, scope, names, limit=_ALL_VARIANTS)
    rows = []
    for activity, executions in activities.items():
        row: dict[str, Any] = {
            "activity": activity,
            "name": names.get(activity, activity),
            "type": executions.element_type,
            "count": executions.count,
        }
        for kind, values in (("service", executions.service), ("waiting", executions.waiting)):
            values.sort()
            for p, value in zip(PERCENTILES, nearest_ranks(values), strict=True):
                row[f"{kind}_p{p}"] = seconds(value)
        rows.append(row)
    return rows, found


def _element_rows(
    per_element: list[list[dict[str, Any]]], models: list[dict[str, str] | None], cases: list[int]
) -> list[dict[str, Any]]:
    found = [{r["activity"]: r for r in rows} for rows in per_element]
    ids = sorted(
        {*found[0], *found[1], *(models[0] or {}), *(models[1] or {})},
        key=lambda a: (-max(_count(found[0], a), _count(found[1], a)), a),
    )
    rows = []
    for activity in ids:
        before, after = found[0].get(activity), found[1].get(activity)
        present = [
            activity in side or (model is not None and activity in model)
            for side, model in zip(found, models, strict=True)
        ]
        names = [m[activity] for m in models if m is not None and activity in m]
        names += [str(side[activity]["name"]) for side in found if activity in side]
        name = names[-1] if names else activity
        row: dict[str, Any] = {
            "activity": activity,
            "name": name,
            "type": (before or after or {}).get("type"),
            "only": None if all(present) else ("from" if present[0] else "to"),
        }
        _figure(row, "count", _count(found[0], activity), _count(found[1], activity))
        per_case = [
            round(_count(side, activity) / n, 4) if n else None
            for side, n in zip(found, cases, strict=True)
        ]
        _figure(row, "per_case", *per_case)
        for figure in _ELEMENT_FIGURES:
            _figure(row, figure, (before or {}).get(figure), (after or {}).get(figure))
        rows.append(row)
    return rows


def _count(side: Mapping[str, Mapping[str, Any]], activity: str) -> int:
    row = side.get(activity)
    return int(row["count"]) if row is not None else 0


def _describe(scope: Scope) -> str:
    what = scope.log if scope.log is not None else str(scope.definition)
    if scope.version is not None:
        what += f" version {scope.version}"
    if scope.since is not None:
        what += f" since {scope.since.isoformat()}"
    if scope.until is not None:
        what += f" until {scope.until.isoformat()}"
    return what


def _scope_json(scope: Scope) -> dict[str, Any]:
    return {
        "definition": scope.definition,
        "version": scope.version,
        "since": None if scope.since is None else scope.since.isoformat(),
        "until": None if scope.until is None else scope.until.isoformat(),
        "log": scope.log,
    }
