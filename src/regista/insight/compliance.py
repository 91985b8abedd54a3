"""SLA compliance over the history: per definition (the instance's target) and per element
with a target, how many steps met it, breached it (ended late, or still running past it)
and are at risk (running, with a share of the target used), against the targets that apply
to each version — those of its model, and those set through the API, which win. User tasks
with a due date count too, each against its own due date."""

from __future__ import annotations

from typing import Any

from regista.insight.analyses import element_names
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.models import ModelCache
from regista.insight.report import Report, seconds
from regista.insight.scope import Scope, resolve, source_sql

__all__ = ["sla_compliance"]


def _targets(db: EventDatabase, definition_ids: list[str]) -> dict[str, dict[str, float]]:
    """Definition id -> element id (the process id: the instance) -> target in seconds."""
    models = ModelCache(db)
    found: dict[str, dict[str, float]] = {}
    for definition_id in definition_ids:
        model = models.get(definition_id)
        if model is None or model.process is None:
            continue
        found[definition_id] = {k: v.total_seconds() for k, v in model.process.sla_targets.items()}
    if definition_ids:
        marks = ", ".join(f":d{i}" for i in range(len(definition_ids)))
        rows = db.all(
            f"SELECT definition_id, element_id, seconds FROM sla_targets "
            f"WHERE definition_id IN ({marks})",
            {f"d{i}": d for i, d in enumerate(definition_ids)},
        )
        for row in rows:
            found.setdefault(str(row["definition_id"]), {})[str(row["element_id"])] = float(
                row["seconds"]
            )
    return found


def _case(pairs: list[tuple[str, str, float]], key: str, params: dict[str, Any]) -> str:
    """A SQL CASE giving each row its target by (definition_id, `key`), bound parameters."""
    whens = []
    for i, (definition_id, element_id, target) in enumerate(pairs):
        params.update({f"sd{i}": definition_id, f"se{i}": element_id, f"st{i}": target})
        whens.append(f"WHEN definition_id = :sd{i} AND {key} = :se{i} THEN :st{i}")
    return "CASE " + " ".join(whens) + " END"


_COUNTS = """COUNT(*) AS count,
    SUM(CASE WHEN {end} IS NOT NULL AND {end} - {start} <= target THEN 1 ELSE 0 END) AS met,
    SUM(CASE WHEN ({end} IS NOT NULL AND {end} - {start} > target)
              OR ({end} IS NULL AND :now - {start} > target) THEN 1 ELSE 0 END) AS breached,
    SUM(CASE WHEN {end} IS NULL AND :now - {start} <= target
              AND :now - {start} >= :share * target THEN 1 ELSE 0 END) AS at_risk,
    SUM(CASE WHEN {end} IS NULL AND :now - {start} < :share * target
             THEN 1 ELSE 0 END) AS on_track,
    MIN(target) AS target_min, MAX(target) AS target_max"""


def sla_compliance(db: EventDatabase, scope: Scope, *, now: float, share: float = 0.8) -> Report:
    """Per definition and per element with an SLA target: steps (or instances) that met
    it, breached it and are at risk at `now` (seconds since 1970) — running with at least
    `share` of the target used. A step is measured from its token's arrival to its end."""
    if scope.imported:
        raise InsightError(
            "SLA targets belong to deployed models; an imported log has none", field="log"
        )
    if not 0 < share <= 1:
        raise InsightError(
            f"share {share} must be above 0 and at most 1 (0.8: 80 % of the target used)",
            field="share",
        )
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    definitions = db.all(f"{sql} SELECT DISTINCT definition_id, process_id FROM cases", params)
    process_of = {str(r["definition_id"]): str(r["process_id"]) for r in definitions}
    targets = _targets(db, sorted(process_of))
    instance_pairs = [
        (d, process_of[d], found[process_of[d]])
        for d, found in sorted(targets.items())
        if process_of[d] in found
    ]
    element_pairs = [
        (d, element_id, target)
        for d, found in sorted(targets.items())
        for element_id, target in sorted(found.items())
        if element_id != process_of[d]
    ]
    base = {**params, "now": now, "share": share}
    rows: list[dict[str, Any]] = []
    if instance_pairs:
        bound = dict(base)
        target = _case(instance_pairs, "process_id", bound)
        found = db.all(
            f"""{sql}, measured AS (SELECT process_id, case_start, case_end, {target} AS target
                FROM cases)
            SELECT process_id AS id, {_COUNTS.format(start="case_start", end="case_end")}
            FROM measured WHERE target IS NOT NULL GROUP BY process_id ORDER BY process_id""",
            bound,
        )
        rows += [_row("instance", r, r["id"]) for r in found]
    if element_pairs:
        bound = dict(base)
        target = _case(element_pairs, "activity", bound)
        names = element_names(db, scope)
        found = db.all(
            f"""{sql}, measured AS (SELECT activity, scheduled, ended, {target} AS target
                FROM step_rows)
            SELECT activity AS id, {_COUNTS.format(start="scheduled", end="ended")}
            FROM measured WHERE target IS NOT NULL GROUP BY activity ORDER BY activity""",
            bound,
        )
        rows += [_row("element", r, names.get(str(r["id"]), str(r["id"]))) for r in found]
    rows += _due_dates(db, scope, sql, base)
    return Report(
        "sla",
        "SLA compliance: instances and steps against their targets",
        (
            "level",
            "id",
            "name",
            "target",
            "count",
            "met",
            "breached",
            "at_risk",
            "on_track",
            "compliance",
        ),
        rows,
        notes=[
            "a step is measured from its token's arrival to its end, an instance from its "
            "start to its end; breached = ended late or still running past the target",
            f"at_risk = running with at least {share:.0%} of the target used; compliance = "
            "met / (met + breached)",
            "level task: user tasks with a due date, each against its own (target = the "
            "longest time from creation to due date); cancelled tasks do not count",
        ],
        extra={"share": share},
    )


def _due_dates(
    db: EventDatabase, scope: Scope, sql: str, base: dict[str, Any]
) -> list[dict[str, Any]]:
    """Per user-task element, its tasks with a due date against that date: the target of
    a task is the time from its creation to its due date."""
    epoch = db.dialect.epoch
    found = db.all(
        f"""{sql}, measured AS (
            SELECT t.element_id AS activity, {epoch("t.created_at")} AS created,
                   {epoch("t.completed_at")} AS done,
                   {epoch("t.due_at")} - {epoch("t.created_at")} AS target
            FROM user_tasks t JOIN cases c ON c.case_id = t.instance_id
            WHERE t.due_at IS NOT NULL AND t.status <> 'cancelled')
        SELECT activity AS id, {_COUNTS.format(start="created", end="done")}
        FROM measured GROUP BY activity ORDER BY activity""",
        dict(base),
    )
    if not found:
        return []
    names = element_names(db, scope)
    return [_row("task", r, names.get(str(r["id"]), str(r["id"]))) for r in found]


def _row(level: str, row: dict[str, Any], name: str) -> dict[str, Any]:
    met, breached = int(row["met"] or 0), int(row["breached"] or 0)
    low, high = seconds(row["target_min"]), seconds(row["target_max"])
    return {
        "level": level,
        "id": row["id"],
        "name": name,
        # versions may give an element different targets: the longest is shown
        "target": high if high is not None else low,
        "count": int(row["count"]),
        "met": met,
        "breached": breached,
        "at_risk": int(row["at_risk"] or 0),
        "on_track": int(row["on_track"] or 0),
        "compliance": round(met / (met + breached), 4) if met + breached else None,
    }
