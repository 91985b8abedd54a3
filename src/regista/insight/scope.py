"""What an analysis looks at, and the two relations every analysis is written against.

`cases` holds one row per process instance (or imported case) in scope: `case_id`,
`definition_id`, `process_id`, `version`, `business_key`, `status`, and `case_start` /
`case_end` in seconds since 1970 (`case_end` NULL while it runs).

`step_rows` holds one row per element instance (one execution of one activity): `case_id`,
`step_id`, `activity` (the element id, or the imported activity name), `element_type`,
`flow` (the sequence flow that led to it), `ord` (its place in the case), `rep` (its n-th
execution in the case), `scheduled` (the token arrived), `started` (work began: a worker
locked the job or a person claimed the task; else `scheduled`), `ended` (NULL while it
runs), `lifecycle` ('complete', 'ate_abort' when terminated, NULL while it runs), `worker`
(who started it), `resource` (who completed it), `error_code` (a BPMN error a worker threw
there; '' when recorded without a code), `announced` (1 when `scheduled` is a recorded
event), and `definition_id`, `process_id`, `version` and `case_start` of its case, so that
most queries need no join. Waiting time is `started - scheduled`, service time
`ended - started`.

From the history, `step_rows` reads the `steps` table (schema 15), which the store keeps
as it appends the history, filtered by the scope's definitions and the start of the case;
`cases` reads `instances` and `definitions`. From an imported log, the n-th `start` of an
activity in a case pairs with its n-th `complete` (and `schedule`); a step without a
schedule event counts as scheduled when the step before it in the case ended, the usual
waiting time of process mining.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regista.insight.database import EventDatabase, SqlDialect
from regista.insight.errors import InsightError

__all__ = ["CASE_ORDER", "Scope", "resolve", "source_sql"]

CASE_ORDER = "ORDER BY process_id, case_start, case_id, ord"
"""Orders `step_rows` case by case, each case's steps in the order of its path. For the
history it is the order SQLite keeps the `steps` table in (its primary key), so a query
streaming the steps in it reads one range and sorts nothing."""


@dataclass(frozen=True, slots=True)
class Scope:
    """Which cases an analysis covers: a definition (process id or definition id), one of
    its versions, a window on the start of the case, or an imported event log instead of
    the history."""

    definition: str | None = None
    version: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    log: str | None = None

    @property
    def imported(self) -> bool:
        return self.log is not None


def resolve(db: EventDatabase, scope: Scope) -> None:
    """Refuse a scope that names what the database does not have, listing what it has."""
    if scope.since is not None and scope.until is not None and scope.since >= scope.until:
        raise InsightError("--since must be before --until", field="since")
    if scope.log is not None:
        if scope.definition is not None or scope.version is not None:
            raise InsightError(
                "--log takes no --definition or --version: a log is one process", field="log"
            )
        rows = db.all("SELECT name FROM event_logs ORDER BY name")
        names = [str(r["name"]) for r in rows]
        if scope.log not in names:
            known = ", ".join(names) or "none yet (regista log import FILE)"
            raise InsightError(
                f"no imported event log {scope.log!r}; the logs are: {known}", field="log"
            )
        return
    if scope.version is not None and scope.definition is None:
        raise InsightError(
            "--version needs --definition (the process it is a version of)", field="version"
        )
    if scope.definition is None:
        return
    params = {"definition": scope.definition}
    found = db.all(
        "SELECT version FROM definitions WHERE process_id = :definition OR id = :definition "
        "ORDER BY version",
        params,
    )
    if not found:
        rows = db.all("SELECT DISTINCT process_id FROM definitions ORDER BY process_id")
        known = ", ".join(str(r["process_id"]) for r in rows) or "none deployed"
        raise InsightError(
            f"no definition {scope.definition!r}; the processes are: {known}", field="definition"
        )
    versions = [int(r["version"]) for r in found]
    if scope.version is not None and scope.version not in versions:
        listed = ", ".join(str(v) for v in versions)
        raise InsightError(
            f"{scope.definition!r} has no version {scope.version}; its versions are: {listed}",
            field="version",
        )


def source_sql(dialect: SqlDialect, scope: Scope) -> tuple[str, dict[str, Any]]:
    """`WITH cases AS (...), ..., step_rows AS (...)` for the scope, and its parameters; an
    analysis appends its own CTEs (`, name AS (...)`) and its SELECT."""
    if scope.log is not None:
        return _log_sql(dialect, scope)
    return _history_sql(dialect, scope)


def _history_sql(d: SqlDialect, scope: Scope) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {}
    where = []
    step_where = []
    if scope.definition is not None:
        where.append("(d.process_id = :definition OR d.id = :definition)")
        params["definition"] = scope.definition
        # the process first (the steps are kept in its order), then the definition id
        # when the scope names one rather than a process
        step_where.append(
            "s.process_id = (SELECT process_id FROM definitions WHERE process_id = :definition"
            " OR id = :definition LIMIT 1)"
        )
        step_where.append("(s.process_id = :definition OR s.definition_id = :definition)")
        if scope.version is not None:
            step_where.append("s.version = :version")
    if scope.version is not None:
        where.append("d.version = :version")
        params["version"] = scope.version
    if scope.since is not None:
        where.append("i.started_at >= :since")
        step_where.append("s.case_start >= :since_s")
        params["since"] = d.timestamp(scope.since)
        params["since_s"] = scope.since.timestamp()
    if scope.until is not None:
        where.append("i.started_at < :until")
        step_where.append("s.case_start < :until_s")
        params["until"] = d.timestamp(scope.until)
        params["until_s"] = scope.until.timestamp()
    filters = ("WHERE " + " AND ".join(where)) if where else ""
    step_filters = ("WHERE " + " AND ".join(step_where)) if step_where else ""
    sql = f"""WITH cases AS (
    SELECT i.id AS case_id, i.definition_id, d.process_id, d.version, i.business_key,
           i.status, {d.epoch("i.started_at")} AS case_start,
           {d.epoch("i.ended_at")} AS case_end
    FROM instances i JOIN definitions d ON d.id = i.definition_id
    {filters}
), step_rows AS (
    SELECT s.instance_id AS case_id, s.element_instance_id AS step_id,
           s.element_id AS activity, s.element_type, s.flow, s.ord, s.rep, s.scheduled,
           COALESCE(s.started, s.scheduled) AS started, s.ended,
           CASE s.state WHEN 'completed' THEN 'complete' WHEN 'terminated' THEN 'ate_abort'
           END AS lifecycle, s.worker, s.resource, s.error_code, 1 AS announced,
           s.definition_id, s.process_id, s.version, s.case_start
    FROM steps s {step_filters}
)"""
    return sql, params


def _log_sql(d: SqlDialect, scope: Scope) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"log": scope.log}
    having = []
    if scope.since is not None:
        having.append("MIN(ts) >= :since")
        params["since"] = scope.since.timestamp()
    if scope.until is not None:
        having.append("MIN(ts) < :until")
        params["until"] = scope.until.timestamp()
    filters = ("HAVING " + " AND ".join(having)) if having else ""
    # only a time window needs the join: every case of the log is in scope otherwise
    case_join = "JOIN cases c ON c.case_id = e.case_id" if having else ""
    sql = f"""WITH cases AS (
    SELECT case_id, CAST(NULL AS TEXT) AS definition_id, CAST(:log AS TEXT) AS process_id,
           CAST(NULL AS INTEGER) AS version, CAST(NULL AS TEXT) AS business_key,
           'completed' AS status, MIN(ts) AS case_start, MAX(ts) AS case_end
    FROM event_log_events WHERE log_name = :log
    GROUP BY case_id {filters}
), ev AS (
    SELECT e.case_id, e.seq, e.activity, e.ts, e.lifecycle, e.resource,
           ROW_NUMBER() OVER (PARTITION BY e.case_id, e.activity, e.lifecycle
                              ORDER BY e.ts, e.seq) AS k
    FROM event_log_events e {case_join}
    WHERE e.log_name = :log AND e.lifecycle IN ('schedule', 'start', 'complete')
), paired AS (
    SELECT case_id, activity,
           MIN(CASE WHEN lifecycle = 'schedule' THEN ts END) AS scheduled_at,
           COALESCE(MIN(CASE WHEN lifecycle = 'start' THEN ts END),
                    MIN(CASE WHEN lifecycle = 'complete' THEN ts END)) AS started,
           MIN(CASE WHEN lifecycle = 'complete' THEN ts END) AS ended,
           MIN(CASE WHEN lifecycle = 'complete' THEN seq END) AS step_seq,
           COALESCE(MAX(CASE WHEN lifecycle = 'complete' THEN resource END),
                    MAX(CASE WHEN lifecycle = 'start' THEN resource END)) AS resource,
           MIN(seq) AS first_seq
    FROM ev GROUP BY case_id, activity, k
    HAVING MIN(CASE WHEN lifecycle = 'complete' THEN ts END) IS NOT NULL
), ordered AS (
    SELECT p.*,
           ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY started, first_seq) AS ord,
           LAG(ended) OVER (PARTITION BY case_id ORDER BY started, first_seq) AS prev_end,
           MIN(COALESCE(scheduled_at, started)) OVER (PARTITION BY case_id) AS case_start
    FROM paired p
), step_rows AS (
    SELECT case_id, CAST(step_seq AS TEXT) AS step_id, activity,
           CAST(NULL AS TEXT) AS element_type, CAST(NULL AS TEXT) AS flow, ord,
           ROW_NUMBER() OVER (PARTITION BY case_id, activity ORDER BY ord) AS rep,
           COALESCE(scheduled_at,
                    CASE WHEN prev_end IS NOT NULL AND prev_end <= started THEN prev_end END,
                    started) AS scheduled,
           started, ended, 'complete' AS lifecycle, CAST(NULL AS TEXT) AS worker, resource,
           CAST(NULL AS TEXT) AS error_code,
           CASE WHEN scheduled_at IS NULL THEN 0 ELSE 1 END AS announced,
           CAST(NULL AS TEXT) AS definition_id, CAST(:log AS TEXT) AS process_id,
           CAST(NULL AS INTEGER) AS version, CAST(NULL AS TEXT) AS business_key,
           'completed' AS status, case_start
    FROM ordered
)"""
    return sql, params
