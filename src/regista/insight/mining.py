"""Process discovery and replay fitness over a scope of the history or an imported log.

The log the miner sees is the sequence of activities of each completed case (those
completed, and those an event ended, such as a boundary error: they ran; a history's
gateways and events are left out, the model puts them back), aggregated into distinct
traces by the database. `discover` mines it (`miner.py`) and writes the tree as
a BPMN process with a diagram (`tree_model.py`); `fitness` replays it on a model
(`replay.py`), the discovered one, a file, or the deployed version of the scope.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from regista.bpmn import to_xml
from regista.insight.analyses import element_names
from regista.insight.database import EventDatabase
from regista.insight.errors import InsightError
from regista.insight.miner import mine
from regista.insight.models import ModelCache
from regista.insight.paths import SEPARATOR
from regista.insight.process_tree import Log, ProcessTree
from regista.insight.replay import net_of, replay
from regista.insight.report import Report
from regista.insight.scope import CASE_ORDER, Scope, resolve, source_sql
from regista.insight.tree_model import TaskKind, tree_to_definitions
from regista.model.bpmn import Definitions, Process

__all__ = ["ACTIVITY_TYPES", "Discovery", "discover", "event_log", "fitness"]

ACTIVITY_TYPES = (
    "task",
    "userTask",
    "serviceTask",
    "manualTask",
    "scriptTask",
    "businessRuleTask",
    "sendTask",
    "receiveTask",
    "callActivity",
)
"""The element types of the history that are activities of the log."""


def event_log(db: EventDatabase, scope: Scope) -> Log:
    """The distinct traces of the ended cases in scope (activity names in order) and how
    many cases followed each; a case without an activity is an empty trace."""
    resolve(db, scope)
    sql, params = source_sql(db.dialect, scope)
    kinds = ", ".join(f"'{k}'" for k in ACTIVITY_TYPES)
    kept = f"""s.lifecycle IN ('complete', 'ate_abort')
      AND (s.element_type IS NULL OR s.element_type IN ({kinds}))"""
    paths: Counter[tuple[str, ...]] = Counter()
    if db.dialect.name == "sqlite":
        # SQLite has no ordered aggregate: the steps of the completed cases streamed in
        # the order the table keeps them (no sort), each case's path counted in Python
        stream = db.tuples(
            f"""{sql} SELECT s.case_id, s.activity FROM step_rows s WHERE {kept}
            AND s.case_id IN (SELECT case_id FROM cases WHERE status = 'completed')
            {CASE_ORDER}""",
            params,
        )
        paths.update(tuple(s[1] for s in steps) for _, steps in groupby(stream, itemgetter(0)))
    else:
        query = f"""{sql}, paths AS (
            SELECT s.case_id, string_agg(s.activity, '{SEPARATOR}' ORDER BY s.ord) AS path
            FROM step_rows s JOIN cases c ON c.case_id = s.case_id
            WHERE {kept} AND c.status = 'completed' GROUP BY s.case_id
        ) SELECT path, COUNT(*) AS cases FROM paths GROUP BY path"""
        for row in db.stream(query, params):
            paths[tuple(str(row["path"]).split(SEPARATOR))] += int(row["cases"])
    ended = int(
        db.one(f"{sql} SELECT COUNT(*) AS n FROM cases WHERE status = 'completed'", params)["n"]
    )
    names = element_names(db, scope)
    log: Log = Counter()
    for path, count in paths.items():
        log[tuple(names.get(a, a) for a in path)] += count
    with_activities = sum(log.values())
    if ended > with_activities:
        log[()] += ended - with_activities
    return log


@dataclass(frozen=True, slots=True)
class Discovery:
    """A discovered model: the tree, the BPMN definitions, and the log it came from."""

    tree: ProcessTree
    definitions: Definitions
    log: Log

    @property
    def xml(self) -> bytes:
        return to_xml(self.definitions)

    def report(self) -> Report:
        process = next(iter(self.definitions.processes.values()))
        kinds = Counter(type(n).__name__ for n in process.elements.values())
        rows = [{"element": kind, "count": count} for kind, count in sorted(kinds.items())]
        return Report(
            "discover",
            "Discovered model (inductive miner, infrequent)",
            ("element", "count"),
            rows,
            notes=[f"process tree: {self.tree}"],
            extra={
                "cases": sum(self.log.values()),
                "variants": len(self.log),
                "activities": sorted(self.tree.activities()),
                "tree": str(self.tree),
            },
        )


def discover(
    db: EventDatabase,
    scope: Scope,
    *,
    noise: float = 0.2,
    process_id: str = "discovered",
    name: str | None = None,
    kind: TaskKind = "task",
) -> Discovery:
    """Mine the scope's log into a sound block-structured BPMN model with a diagram."""
    if not 0.0 <= noise <= 1.0:
        raise InsightError(f"--noise must be between 0 and 1 (a share), not {noise}")
    log = event_log(db, scope)
    if not log:
        raise InsightError(
            "no ended case in this scope to discover a model from; widen the scope "
            "(--definition, --since/--until) or import a log (regista log import)"
        )
    tree = mine(log, noise)
    return Discovery(tree, tree_to_definitions(tree, process_id, name=name, kind=kind), log)


def fitness(db: EventDatabase, scope: Scope, process: Process | None = None) -> Report:
    """Token replay of the scope's log on `process` (default: the deployed model of the
    scope's one definition): the share of cases that fit and the token fitness."""
    log = event_log(db, scope)
    if process is None:
        process = _deployed(db, scope)
    net = net_of(process)
    replayed = replay(net, log)
    total = replayed.total()
    rows: list[dict[str, Any]] = [
        {
            "cases": count,
            "fits": fit.fits,
            "fitness": round(fit.fitness, 4),
            "produced": fit.produced,
            "consumed": fit.consumed,
            "missing": fit.missing,
            "remaining": fit.remaining,
            "trace": list(trace),
        }
        for trace, count, fit in replayed.traces
    ]
    cases = replayed.cases
    unknown = sorted({a for t in log for a in t} - net.labels)
    notes = ["fitness = 1/2 (1 - missing/consumed) + 1/2 (1 - remaining/produced), over all cases"]
    if unknown:
        notes.append("activities the model does not have: " + ", ".join(unknown))
    if net.approximated:
        notes.append("inclusive gateways replayed as exclusive: " + ", ".join(net.approximated))
    summary = {
        "cases": cases,
        "fitting_cases": replayed.fitting,
        "trace_fitness": round(replayed.fitting / cases, 4) if cases else None,
        "fitness": round(total.fitness, 4) if cases else None,
        "produced": total.produced,
        "consumed": total.consumed,
        "missing": total.missing,
        "remaining": total.remaining,
    }
    return Report(
        "fitness",
        f"Replay fitness on {process.id}: {summary['fitness']} "
        f"({replayed.fitting} of {cases} cases fit)",
        ("cases", "fits", "fitness", "missing", "remaining", "trace"),
        rows,
        notes=notes,
        extra={"summary": summary},
    )


def _deployed(db: EventDatabase, scope: Scope) -> Process:
    if scope.imported or scope.definition is None:
        raise InsightError(
            "which model? give --model FILE.bpmn, or --definition PROCESS_ID to replay on "
            "its deployed version"
        )
    sql, params = source_sql(db.dialect, scope)
    rows = db.all(
        f"{sql} SELECT definition_id, MAX(version) AS version FROM cases "
        "GROUP BY definition_id ORDER BY 2 DESC",
        params,
    )
    if not rows:
        raise InsightError(f"no case of {scope.definition!r} in this scope to replay")
    model = ModelCache(db).get(str(rows[0]["definition_id"]))
    if model is None or model.process is None:
        raise InsightError(f"the deployed model of {scope.definition!r} could not be read")
    return model.process
