"""The paths cases took: variants, the directly-follows graph, and deviations from the
deployed model (flows never taken, elements never reached)."""

from __future__ import annotations

from typing import Any

from regista.insight import casefolds
from regista.insight.analyses import element_names
from regista.insight.casefolds import Activity, Edge
from regista.insight.database import EventDatabase, Row
from regista.insight.errors import InsightError
from regista.insight.models import ModelCache
from regista.insight.report import Report, seconds
from regista.insight.scope import CASE_ORDER, Scope, resolve, source_sql

__all__ = ["SEPARATOR", "deviations", "directly_follows", "variants", "variants_and_activities"]

SEPARATOR = "\x1f"
"""Joins the activities of a path in SQL (the ASCII unit separator: never in an id)."""


def variants(db: EventDatabase, scope: Scope, *, limit: int = 20) -> Report:
    """The distinct sequences of activities, most frequent first, with their share of the
    cases and the mean and longest duration of those that ended."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    if db.dialect.name == "sqlite":
        found = _folded_variants(db, sql, params, limit)
    else:
        found = _sql_variants(db, sql, params, limit)
    return _variant_report(found, element_names(db, scope))


def variants_and_activities(
    db: EventDatabase, scope: Scope, names: dict[str, str], *, limit: int
) -> tuple[Report, dict[str, Activity]]:
    """`variants` and each activity's executions folded from one read of the steps, on
    SQLite (`compare` needs both; `names` are the scope's `element_names`)."""
    sql, params = source_sql(db.dialect, scope)
    activities: dict[str, Activity] = {}
    found = _folded_variants(db, sql, params, limit, activities)
    return _variant_report(found, names), activities


def _variant_report(found: list[Row], names: dict[str, str]) -> Report:
    rows = []
    total = distinct = 0
    for rank, row in enumerate(found, start=1):
        total, distinct = int(row["total"]), int(row["distinct_paths"])
        steps = str(row["path"]).split(SEPARATOR)
        rows.append(
            {
                "variant": rank,
                "cases": int(row["cases"]),
                "share": round(int(row["cases"]) / total, 4) if total else 0.0,
                "mean_duration": seconds(row["mean_duration"]),
                "max_duration": seconds(row["max_duration"]),
                "length": len(steps),
                "path": [names.get(s, s) for s in steps],
                "activities": steps,
            }
        )
    return Report(
        "variants",
        "Variants: the distinct paths of the cases",
        ("variant", "cases", "share", "mean_duration", "max_duration", "length", "path"),
        rows,
        extra={"cases": total, "distinct": distinct},
    )


def _sql_variants(db: EventDatabase, sql: str, params: dict[str, Any], limit: int) -> list[Row]:
    """The most frequent variants as one query (an ordered aggregate per case)."""
    # a case's duration here is the span of its steps (first arrival to last end, None
    # while one runs): joining `cases` would cost a join per step
    span = "CASE WHEN COUNT(ended) = COUNT(*) THEN MAX(ended) - MIN(scheduled) END"
    paths = f"""SELECT case_id, string_agg(activity, '{SEPARATOR}' ORDER BY ord) AS path,
        {span} AS span FROM step_rows GROUP BY case_id"""
    query = f"""{sql}, paths AS ({paths}), v AS (
    SELECT path, COUNT(*) AS cases, AVG(span) AS mean_duration, MAX(span) AS max_duration
    FROM paths GROUP BY path
)
SELECT path, cases, mean_duration, max_duration, (SELECT COUNT(*) FROM paths) AS total,
       (SELECT COUNT(*) FROM v) AS distinct_paths
FROM v ORDER BY cases DESC, path LIMIT :limit"""
    return db.all(query, {**params, "limit": limit})


def _folded_variants(
    db: EventDatabase,
    sql: str,
    params: dict[str, Any],
    limit: int,
    activities: dict[str, Activity] | None = None,
) -> list[Row]:
    """The rows `_sql_variants` gives, folded from the steps streamed in case order (SQLite
    has no ordered aggregate; its windows cost twice the fold, see `casefolds`), and with
    `activities` each activity's executions."""
    columns = "case_id, activity, scheduled, ended"
    if activities is not None:
        columns += ", started, element_type"
    stream = db.tuples(f"{sql} SELECT {columns} FROM step_rows {CASE_ORDER}", params)
    found = casefolds.variants(stream, SEPARATOR, activities)
    total = sum(v.cases for v in found.values())
    # most frequent first, then by path (SQLite compares text as Python does: by code point)
    ranked = sorted(found.items(), key=lambda item: (-item[1].cases, item[0]))[:limit]
    return [
        {
            "path": path,
            "cases": v.cases,
            "mean_duration": v.mean_span,
            "max_duration": v.max_span,
            "total": total,
            "distinct_paths": len(found),
        }
        for path, v in ranked
    ]


def directly_follows(db: EventDatabase, scope: Scope) -> Report:
    """The process map of what happened: how often each activity was directly followed by
    another in a case (None: the case started or ended there) and the time between the
    end of one and the start of the next."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    if db.dialect.name == "sqlite":
        stream = db.tuples(
            f"{sql} SELECT case_id, activity, started, ended FROM step_rows {CASE_ORDER}",
            params,
        )
        edges = casefolds.follows(stream)
    else:
        edges = _sql_follows(db, sql, params)
    names = element_names(db, scope)
    rows: list[dict[str, Any]] = []
    for (source, target), found in edges.items():
        rows.append(
            {
                "source": source,
                "target": target,
                "source_name": None if source is None else names.get(source, source),
                "target_name": None if target is None else names.get(target, target),
                "count": found.count,
                "mean_gap": seconds(found.total / found.gaps) if found.gaps else None,
                "min_gap": seconds(found.min),
                "max_gap": seconds(found.max),
            }
        )
    rows.sort(key=lambda r: (-r["count"], r["source"] or "", r["target"] or ""))
    return Report(
        "dfg",
        "Directly-follows graph (gap = next start - this end, seconds)",
        ("source", "target", "count", "mean_gap", "min_gap", "max_gap"),
        rows,
        notes=["a source of null is the start of a case, a target of null its end"],
    )


def _sql_follows(
    db: EventDatabase, sql: str, params: dict[str, Any]
) -> dict[tuple[str | None, str | None], Edge]:
    """The directly-follows edges as one query: each step with the one after it."""
    query = f"""{sql}, seq AS (
    SELECT activity, LEAD(activity) OVER w AS next_activity,
           LEAD(started) OVER w - ended AS gap,
           CASE WHEN LAG(ord) OVER w IS NULL THEN 1 ELSE 0 END AS first
    FROM step_rows WINDOW w AS (PARTITION BY case_start, case_id ORDER BY ord
                                ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT first, activity, next_activity, COUNT(*) AS count, COUNT(gap) AS gaps,
       SUM(gap) AS total_gap, MIN(gap) AS min_gap, MAX(gap) AS max_gap
FROM seq GROUP BY first, activity, next_activity"""
    edges: dict[tuple[str | None, str | None], Edge] = {}

    def edge(source: str | None, target: str | None) -> Edge:
        return edges.setdefault((source, target), Edge())

    for row in db.all(query, params):
        found = edge(row["activity"], row["next_activity"])
        found.count += int(row["count"])
        if int(row["gaps"]):
            found.gaps += int(row["gaps"])
            found.total += float(row["total_gap"])
            low, high = float(row["min_gap"]), float(row["max_gap"])
            found.min = low if found.min is None else min(found.min, low)
            found.max = high if found.max is None else max(found.max, high)
        if int(row["first"]):
            edge(None, row["activity"]).count += int(row["count"])
    return edges


def deviations(db: EventDatabase, scope: Scope) -> Report:
    """Per deployed version in scope: the sequence flows no case took and the elements no
    case reached, against the version's own model."""
    if scope.imported:
        raise InsightError(
            "deviations compare the history with its deployed model; an imported log has "
            "no model (discover one first)",
            field="log",
        )
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    # one pass over the steps: the elements reached and the flows taken to them
    reached = db.all(
        f"""{sql} SELECT definition_id, activity, flow FROM step_rows
        GROUP BY definition_id, activity, flow""",
        params,
    )
    flows: dict[str, set[str]] = {}
    nodes: dict[str, set[str]] = {}
    cases: dict[str, int] = {}
    for row in reached:
        definition_id = str(row["definition_id"])
        nodes.setdefault(definition_id, set()).add(str(row["activity"]))
        if row["flow"] is not None:
            flows.setdefault(definition_id, set()).add(str(row["flow"]))
    for row in db.all(f"{sql} SELECT definition_id, COUNT(*) AS n FROM cases GROUP BY 1", params):
        cases[str(row["definition_id"])] = int(row["n"])
    models = ModelCache(db)
    rows: list[dict[str, Any]] = []
    notes = []
    for definition_id in sorted(cases):
        model = models.get(definition_id)
        if model is None or model.process is None:
            notes.append(f"definition {definition_id}: its model could not be read")
            continue
        where = {"process_id": model.process_id, "version": model.version}
        for flow_id, flow in model.process.flows.items():
            if flow_id not in flows.get(definition_id, set()):
                rows.append(
                    {
                        **where,
                        "kind": "flow never taken",
                        "id": flow_id,
                        "name": flow.name or f"{flow.source} -> {flow.target}",
                    }
                )
        for element_id, node in model.process.elements.items():
            if element_id not in nodes.get(definition_id, set()):
                rows.append(
                    {
                        **where,
                        "kind": "element never reached",
                        "id": element_id,
                        "name": node.name or element_id,
                    }
                )
        notes.append(f"{model.process_id} version {model.version}: {cases[definition_id]} case(s)")
    return Report(
        "deviations",
        "Deviations from the model: flows never taken, elements never reached",
        ("process_id", "version", "kind", "id", "name"),
        rows,
        notes=notes,
    )
