"""Instances stuck longer than usual: running cases whose token has waited at an element
longer than most completed executions of that element took.

"Usual" is learnt from the history in scope: per element, the p90 of the time from the
token's arrival to the element's completion (waiting plus service). A token still at the
element counts as stuck once it has been there longer than `factor` times that p90 — and
only where the element has at least `min_samples` completed executions to learn from.
`now` comes in from the caller (the command line's clock, the server's), so the analysis
stays a pure read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regista.insight.analyses import element_names
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.report import PERCENTILES, Report, ranks, seconds
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["stuck"]

_P90 = PERCENTILES.index(90)


def stuck(
    db: EventDatabase,
    scope: Scope,
    *,
    now: datetime,
    factor: float = 1.0,
    min_samples: int = 5,
    limit: int = 50,
) -> Report:
    """Running cases held at an element longer than `factor` x its usual p90, the longest
    held first (see the module docstring)."""
    if scope.imported:
        raise InsightError(
            "stuck instances are running ones; an imported log has none", field="log"
        )
    if factor <= 0:
        raise InsightError("--factor must be more than 0", field="factor")
    if min_samples < 1:
        raise InsightError("--min-samples must be at least 1", field="min_samples")
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    d = db.dialect
    usual: dict[str, tuple[float, int]] = {}
    for row in db.all(
        f"""{sql} SELECT activity, COUNT(*) AS n, {d.percentiles("ended - scheduled")} AS r
        FROM step_rows WHERE ended IS NOT NULL GROUP BY activity""",
        params,
    ):
        p90 = ranks(row["r"])[_P90]
        if p90 is not None and int(row["n"]) >= min_samples:
            usual[str(row["activity"])] = (p90, int(row["n"]))
    held = now.timestamp()
    found: list[dict[str, Any]] = []
    # the tokens of running cases; an open incident at the element is shown beside
    for row in db.stream(
        f"""{sql} SELECT s.case_id, c.business_key, s.activity, s.scheduled,
        (SELECT COUNT(*) FROM incidents i WHERE i.instance_id = s.case_id
            AND i.element_id = s.activity AND i.resolved_at IS NULL) AS incidents
        FROM step_rows s JOIN cases c ON c.case_id = s.case_id
        WHERE s.ended IS NULL AND c.case_end IS NULL""",
        params,
    ):
        learnt = usual.get(str(row["activity"]))
        if learnt is None:
            continue
        p90, samples = learnt
        elapsed = held - float(row["scheduled"])
        if elapsed <= factor * p90:
            continue
        found.append(
            {
                "case_id": row["case_id"],
                "business_key": row["business_key"],
                "activity": row["activity"],
                "held": seconds(elapsed),
                "usual_p90": seconds(p90),
                "times_usual": round(elapsed / p90, 1) if p90 > 0 else None,
                "samples": samples,
                "incident": int(row["incidents"] or 0) > 0,
            }
        )
    found.sort(key=lambda r: (-float(r["held"]), str(r["case_id"])))
    names = element_names(db, scope)
    rows = [{**r, "name": names.get(r["activity"], r["activity"])} for r in found[:limit]]
    return Report(
        "stuck",
        "Running instances held at an element longer than usual (seconds)",
        (
            "case_id",
            "business_key",
            "activity",
            "name",
            "held",
            "usual_p90",
            "times_usual",
            "incident",
        ),
        rows,
        notes=[
            f"held = now - the token's arrival; usual_p90 = the p90 of arrival to completion "
            f"of that element's completed executions; shown when held > {factor:g} x "
            f"usual_p90 and the element has at least {min_samples} completed executions",
        ],
        extra={"now": now.isoformat(), "stuck": len(found)},
    )
