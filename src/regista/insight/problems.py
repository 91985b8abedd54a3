"""What went wrong most often: incidents and BPMN errors, grouped by element and cause."""

from __future__ import annotations

from regista.insight.analyses import element_names
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.report import Report
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["bpmn_errors", "incidents"]


def _history_only(scope: Scope, what: str) -> None:
    if scope.imported:
        raise InsightError(
            f"{what} are recorded by Regista's history; an imported log has none", field="log"
        )


def incidents(db: EventDatabase, scope: Scope, *, limit: int = 20) -> Report:
    """The most frequent incidents: by element and message, with how many are still open."""
    _history_only(scope, "incidents")
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    query = f"""{sql} SELECT i.element_id, i.message, COUNT(*) AS count,
        SUM(CASE WHEN i.resolved_at IS NULL THEN 1 ELSE 0 END) AS open,
        COUNT(DISTINCT i.instance_id) AS cases
    FROM incidents i JOIN cases c ON c.case_id = i.instance_id
    GROUP BY i.element_id, i.message ORDER BY count DESC, i.element_id, i.message
    LIMIT :limit"""
    names = element_names(db, scope)
    rows = [
        {
            "element_id": r["element_id"],
            "name": names.get(r["element_id"] or "", r["element_id"]),
            "message": r["message"],
            "count": int(r["count"]),
            "open": int(r["open"]),
            "cases": int(r["cases"]),
        }
        for r in db.all(query, {**params, "limit": limit})
    ]
    return Report(
        "incidents",
        "Most frequent incidents",
        ("element_id", "name", "message", "count", "open", "cases"),
        rows,
    )


def bpmn_errors(db: EventDatabase, scope: Scope, *, limit: int = 20) -> Report:
    """The most frequent BPMN errors thrown by workers: by element and error code."""
    _history_only(scope, "BPMN errors")
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    # the steps keep the code of a BPMN error a worker threw there ('' when none was
    # recorded)
    query = f"""{sql} SELECT activity AS element_id, error_code, COUNT(*) AS count,
        COUNT(DISTINCT case_id) AS cases
    FROM step_rows WHERE error_code IS NOT NULL
    GROUP BY activity, error_code ORDER BY count DESC, activity, error_code LIMIT :limit"""
    names = element_names(db, scope)
    rows = [
        {
            "element_id": r["element_id"],
            "name": names.get(r["element_id"] or "", r["element_id"]),
            "code": r["error_code"] or None,
            "count": int(r["count"]),
            "cases": int(r["cases"]),
        }
        for r in db.all(query, {**params, "limit": limit})
    ]
    return Report(
        "errors",
        "Most frequent BPMN errors thrown by workers",
        ("element_id", "name", "code", "count", "cases"),
        rows,
        notes=["a code of null: thrown before Regista recorded error codes in the history"],
    )
