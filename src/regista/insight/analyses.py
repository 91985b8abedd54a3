"""Per-element and per-case analyses, each one SQL aggregate over `cases` and `step_rows`
(see `regista.insight.scope`): element statistics, the bottleneck ranking, throughput over
time and the distribution of instance durations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.models import ModelCache
from regista.insight.report import PERCENTILES, Report, ranks, seconds
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["BUCKETS", "bottlenecks", "durations", "element_names", "elements", "throughput"]

BUCKETS = {"hour": (3600, 0), "day": (86400, 0), "week": (604800, 345600)}
"""Bucket width and offset in seconds; weeks start on Monday (1970-01-01 was a Thursday)."""


def element_names(db: EventDatabase, scope: Scope) -> dict[str, str]:
    """Element id -> name from the models of the definitions in scope ({} for a log)."""
    if scope.imported:
        return {}
    sql, params = source_sql(db.dialect, scope)
    rows = db.all(sql + " SELECT DISTINCT definition_id FROM cases", params)
    return ModelCache(db).names([str(r["definition_id"]) for r in rows])


def elements(db: EventDatabase, scope: Scope) -> Report:
    """Per element: executions, cases, rework (repeats in one case), and service and waiting
    time percentiles."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    d = db.dialect
    # one pass: `rep` numbers an element's executions in its case (the first of each
    # counts the case, the others are rework), the percentiles are aggregates
    query = f"""{sql}
SELECT activity, MAX(element_type) AS element_type, COUNT(*) AS count,
       COUNT(ended) AS ended, SUM(CASE WHEN rep = 1 THEN 1 ELSE 0 END) AS cases,
       SUM(CASE WHEN rep > 1 THEN 1 ELSE 0 END) AS repeats,
       SUM(CASE WHEN rep = 2 THEN 1 ELSE 0 END) AS rework_cases,
       AVG(ended - started) AS service_mean, {d.percentiles("ended - started")} AS service,
       AVG(started - scheduled) AS waiting_mean,
       {d.percentiles("started - scheduled")} AS waiting
FROM step_rows GROUP BY activity"""
    names = element_names(db, scope)
    rows = []
    found = db.all(query, params)
    found.sort(key=lambda r: (-int(r["count"]), str(r["activity"])))
    for row in found:
        out: dict[str, Any] = {
            "activity": row["activity"],
            "name": names.get(row["activity"], row["activity"]),
            "type": row["element_type"],
        }
        for key in ("count", "ended", "cases", "repeats", "rework_cases"):
            out[key] = int(row[key] or 0)
        for kind in ("service", "waiting"):
            out[f"{kind}_mean"] = seconds(row[f"{kind}_mean"])
            for p, value in zip(PERCENTILES, ranks(row[kind]), strict=True):
                out[f"{kind}_p{p}"] = seconds(value)
        rows.append(out)
    columns: tuple[str, ...] = (
        "activity",
        "name",
        "type",
        "count",
        "ended",
        "cases",
        "repeats",
        "rework_cases",
        "service_mean",
        *(f"service_p{p}" for p in PERCENTILES),
        "waiting_mean",
        *(f"waiting_p{p}" for p in PERCENTILES),
    )
    return Report(
        "elements",
        "Per element: executions, rework, service and waiting time (seconds)",
        columns,
        rows,
        notes=[
            "service = work started (job locked, task claimed) to completed; waiting = "
            "token arrived to work started; percentiles are nearest-rank",
            "repeats = executions beyond the first in one case; rework_cases = cases with a repeat",
        ],
    )


def bottlenecks(db: EventDatabase, scope: Scope) -> Report:
    """Elements ranked by the time cases spent in them (waiting plus service), with each
    one's share of the total."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    query = f"""{sql}, per AS (
    SELECT activity, COUNT(*) AS n, SUM(ended - started) AS service,
           SUM(started - scheduled) AS waiting
    FROM step_rows WHERE ended IS NOT NULL GROUP BY activity
), total AS (SELECT SUM(service + waiting) AS t FROM per)
SELECT per.activity, per.n, per.service, per.waiting, per.service + per.waiting AS spent,
       (per.service + per.waiting) / per.n AS mean, total.t AS total
FROM per CROSS JOIN total
ORDER BY spent DESC, per.activity"""
    names = element_names(db, scope)
    rows = []
    for rank, row in enumerate(db.all(query, params), start=1):
        total = float(row["total"] or 0)
        spent = float(row["spent"] or 0)
        rows.append(
            {
                "rank": rank,
                "activity": row["activity"],
                "name": names.get(row["activity"], row["activity"]),
                "count": int(row["n"]),
                "total": seconds(spent),
                "service": seconds(row["service"]),
                "waiting": seconds(row["waiting"]),
                "mean": seconds(row["mean"]),
                "share": round(spent / total, 4) if total > 0 else 0.0,
            }
        )
    return Report(
        "bottlenecks",
        "Bottlenecks: where completed steps spent their time (seconds)",
        ("rank", "activity", "name", "count", "total", "service", "waiting", "mean", "share"),
        rows,
        notes=["share = the element's waiting + service time over that of all elements"],
    )


def throughput(db: EventDatabase, scope: Scope, *, bucket: str = "day") -> Report:
    """Cases started and ended per hour, day or week (UTC), with the mean duration of
    those that ended."""
    if bucket not in BUCKETS:
        raise InsightError(
            f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}", field="bucket"
        )
    resolve(db, scope)
    width, offset = BUCKETS[bucket]
    sql, params = source_sql(db.dialect, scope)
    params = {**params, "width": width, "offset": offset}
    d = db.dialect
    started = db.all(
        f"""{sql} SELECT {d.floor("(case_start - :offset) / :width")} AS bucket,
        COUNT(*) AS started FROM cases GROUP BY 1 ORDER BY 1""",
        params,
    )
    ended = db.all(
        f"""{sql} SELECT {d.floor("(case_end - :offset) / :width")} AS bucket,
        COUNT(*) AS ended, SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS completed,
        AVG(case_end - case_start) AS mean_duration
        FROM cases WHERE case_end IS NOT NULL GROUP BY 1 ORDER BY 1""",
        params,
    )
    table: dict[int, dict[str, Any]] = {}
    for row in started:
        table.setdefault(int(row["bucket"]), {})["started"] = int(row["started"])
    for row in ended:
        entry = table.setdefault(int(row["bucket"]), {})
        entry.update(
            ended=int(row["ended"]),
            completed=int(row["completed"]),
            mean_duration=seconds(row["mean_duration"]),
        )
    rows = []
    for key in sorted(table):
        begin = datetime.fromtimestamp(key * width + offset, UTC)
        entry = table[key]
        rows.append(
            {
                "bucket": begin.isoformat().replace("+00:00", "Z"),
                "started": entry.get("started", 0),
                "ended": entry.get("ended", 0),
                "completed": entry.get("completed", 0),
                "mean_duration": entry.get("mean_duration"),
            }
        )
    return Report(
        "throughput",
        f"Throughput per {bucket} (UTC)",
        ("bucket", "started", "ended", "completed", "mean_duration"),
        rows,
        extra={"bucket": bucket},
    )


def durations(db: EventDatabase, scope: Scope, *, bins: int = 10) -> Report:
    """The distribution of the durations of the cases that ended: summary figures and a
    histogram of `bins` equal-width bins."""
    if bins < 1:
        raise InsightError("--bins must be at least 1", field="bins")
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    d = db.dialect
    # the durations computed once (materialized): SQLite would otherwise expand the
    # epoch arithmetic of `cases` into each aggregate
    stats = db.one(
        f"""{sql}, dur AS MATERIALIZED (
            SELECT case_end - case_start AS v FROM cases WHERE case_end IS NOT NULL
        )
        SELECT COUNT(*) AS count, MIN(v) AS min, MAX(v) AS max, AVG(v) AS mean,
        {d.percentiles("v")} AS ranks FROM dur""",
        params,
    )
    count = int(stats["count"] or 0)
    summary: dict[str, Any] = {"count": count}
    for key in ("min", "max", "mean"):
        summary[key] = seconds(stats[key])
    for p, value in zip(PERCENTILES, ranks(stats["ranks"]), strict=True):
        summary[f"p{p}"] = seconds(value)
    rows: list[dict[str, Any]] = []
    if count:
        low, high = float(stats["min"]), float(stats["max"])
        width = (high - low) / bins if high > low else 1.0
        last = bins - 1 if high > low else 0
        found = db.all(
            f"""{sql}, bin AS (
    SELECT {d.floor("(case_end - case_start - :low) / :width")} AS b
    FROM cases WHERE case_end IS NOT NULL
)
SELECT CASE WHEN b > :last THEN :last ELSE b END AS bin, COUNT(*) AS count
FROM bin GROUP BY 1 ORDER BY 1""",
            {**params, "low": low, "width": width, "last": last},
        )
        counts = {int(r["bin"]): int(r["count"]) for r in found}
        for index in range(last + 1):
            rows.append(
                {
                    "from": seconds(low + index * width),
                    "to": seconds(low + (index + 1) * width if high > low else high),
                    "count": counts.get(index, 0),
                }
            )
    return Report(
        "durations",
        "Durations of the cases that ended (seconds)",
        ("from", "to", "count"),
        rows,
        notes=["each bin holds durations from 'from' (inclusive) to 'to'; the last holds 'to'"],
        extra={"summary": summary},
    )
