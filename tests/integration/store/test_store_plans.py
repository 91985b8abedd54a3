"""Every list the API offers is served by an index: the database's own plan of each list
statement (and its count), for each combination of the filters, orders and cursors a
search can give, must neither read a whole table nor sort rows.

SQLite: `EXPLAIN QUERY PLAN` has no `SCAN <table>` without an index and no temporary
B-tree. PostgreSQL: `EXPLAIN (FORMAT JSON)` with sequential scans and sorts priced out
(`enable_seqscan`, `enable_sort` off for the transaction), so that a small test table
cannot make a full scan look cheap: a `Seq Scan` or `Sort` left in the plan is one the
planner had no index to avoid. Where a search gives an equality filter that an index leads
with, the plan must narrow by an index (an index condition, or a partial index's walk)
rather than filter every row of an index it walks whole. A count of filters that no index
serves reads what it must and is left out.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, Literal, cast

import pytest
from storekit import T0, SqlBackend

from regista.store import (
    DecisionInstanceQuery,
    IncidentQuery,
    InstanceQuery,
    JobQuery,
    Store,
    Transaction,
    VariableCondition,
    VariableQuery,
)
from regista.store.sql.session import SqlSession
from regista.store.sql.transaction import SqlTransaction
from regista.store.tasklist import UserTaskQuery, Viewer

pytest_plugins = ["storefixtures"]

Statement = tuple[str, dict[str, Any]]
_TABLES = {
    "instances",
    "jobs",
    "incidents",
    "user_tasks",
    "history",
    "timers",
    "definitions",
    "variables",
    "decision_instances",
}


def _recorded(monkeypatch: pytest.MonkeyPatch) -> list[Statement]:
    """The statements built from pieces (`SqlSession.query`) from now on."""
    seen: list[Statement] = []
    original = SqlSession.query

    def spy(self: SqlSession, label: str, sql: str, params: Any) -> Any:
        seen.append((sql, dict(params)))
        return original(self, label, sql, params)

    monkeypatch.setattr(SqlSession, "query", spy)
    return seen


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from _walk(child)


def _problems(
    s: SqlSession, sql: str, params: dict[str, Any], served: Sequence[str], partial: set[str]
) -> list[str]:
    """What is wrong with the plan of `sql`: a full scan, a sort, or, where equality filters
    are `served`, no index narrowing the rows (`partial`: the partial indexes)."""
    found: list[str] = []
    if s.dialect.name == "sqlite":
        details = [str(r["detail"]) for r in s.query("plan", "EXPLAIN QUERY PLAN " + sql, params)]
        for detail in details:
            scan = re.fullmatch(r"SCAN (\w+)", detail)
            if scan and scan.group(1) in _TABLES:
                found.append(f"full scan: {detail}")
            if "TEMP B-TREE" in detail:
                found.append(f"sort: {detail}")
        searched = " ".join(d for d in details if d.startswith("SEARCH"))
        walked = [d for d in details if any(f"INDEX {i}" in d for i in partial)]
        if served and not searched and not walked:
            found.append(f"none of {served} is an index condition: {details}")
        return found
    rows = s.query("plan", "EXPLAIN (FORMAT JSON) " + sql, params)
    raw = next(iter(dict(rows[0]).values()))
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    narrowed = False
    for node in _walk(plan):
        kind = node["Node Type"]
        if kind == "Seq Scan" and node.get("Relation Name") in _TABLES:
            found.append(f"full scan of {node['Relation Name']}")
        if kind in ("Sort", "Incremental Sort"):
            found.append(f"sort by {node.get('Sort Key')}")
        narrowed = narrowed or "Index Cond" in node or node.get("Index Name") in partial
    if served and not narrowed:
        found.append(f"none of {served} is an index condition: {json.dumps(plan)[:400]}")
    return found


def _prepare(s: SqlSession) -> set[str]:
    """Price sequential scans and sorts out for this transaction (PostgreSQL); returns the
    names of the partial indexes (a walk of one reads only the rows it covers)."""
    if s.dialect.name == "postgres":
        s.query("plan", "SET LOCAL enable_seqscan = off", {})
        s.query("plan", "SET LOCAL enable_sort = off", {})
        # the priced-out plans' costs would otherwise compile each statement run (JIT)
        s.query("plan", "SET LOCAL jit = off", {})
    if s.dialect.name == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'"
    else:
        sql = "SELECT indexname AS name FROM pg_indexes WHERE indexdef LIKE '%% WHERE %%'"
    return {str(r["name"]) for r in s.query("partial", sql, {})}


def _check(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    cases: Sequence[tuple[str, Sequence[str], Callable[[Transaction], object]]],
) -> None:
    """Run each case's search and check the plans of the statements it sent."""
    failures: list[str] = []
    with store.transaction(write=False) as tx:
        session = cast(SqlTransaction, tx).session
        partial = _prepare(session)
        for name, served, run in cases:
            seen = _recorded(monkeypatch)
            run(tx)
            monkeypatch.undo()
            assert seen, f"{name}: no statement was built"
            for sql, params in seen:
                counting = sql.startswith("SELECT count(*)")
                if counting and not served:
                    continue  # a count of filters no index serves reads what it must
                for problem in _problems(session, sql, params, served, partial):
                    failures.append(f"{name}: {problem}\n{sql}")
    assert not failures, f"{len(failures)} plans read too much:\n" + "\n\n".join(failures[:5])


def _subsets(names: Sequence[str], most: int) -> Iterator[tuple[str, ...]]:
    for size in range(most + 1):
        yield from itertools.combinations(names, size)


def _instances_page(q: InstanceQuery, tx: Transaction) -> object:
    return tx.page_instances(q), tx.count_instances(q, cap=100)


def _incidents_page(q: IncidentQuery, tx: Transaction) -> object:
    return tx.page_incidents(q), tx.count_incidents(q, cap=100)


def _jobs_page(q: JobQuery, tx: Transaction) -> object:
    return tx.page_jobs(q), tx.count_jobs(q, cap=100)


def _user_tasks_page(q: UserTaskQuery, tx: Transaction) -> object:
    return tx.search_user_tasks(q)


@pytest.fixture
def sql_store(sql_backend: SqlBackend) -> Store:
    return sql_backend.open()


INSTANCE_FILTERS: dict[str, dict[str, Any]] = {
    "instance_id": {"instance_id": "1"},
    "definition_id": {"definition_id": "d1"},
    "process_id": {"process_id": "order"},
    "parent_instance_id": {"parent_instance_id": "2"},
    "status": {"statuses": ["completed"]},
    "statuses": {"statuses": ["terminated", "cancelled"]},
    "started": {"started_from": T0, "started_to": T0 + timedelta(days=1)},
    "ended": {"ended_from": T0, "ended_to": T0 + timedelta(days=1)},
}
ORDERS: tuple[Literal["started", "key"], ...] = ("started", "key")
_EQUALITIES = ("instance_id", "definition_id", "process_id", "parent_instance_id")


def test_instance_lists_walk_an_index(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    names = list(INSTANCE_FILTERS)
    for chosen in _subsets(names, len(names)):
        if "status" in chosen and "statuses" in chosen:
            continue
        filters: dict[str, Any] = {}
        for name in chosen:
            filters.update(INSTANCE_FILTERS[name])
        served = [
            "id" if n == "instance_id" else n
            for n in chosen
            if n in _EQUALITIES or (n == "status" and not set(chosen) & set(_EQUALITIES))
        ]
        for order, descending, cursor in itertools.product(ORDERS, (False, True), (False, True)):
            after: dict[str, Any] = {"after_id": "5", "after_started": T0} if cursor else {}
            query = InstanceQuery(**filters, order=order, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"instances {chosen} {order} desc={descending} cursor={cursor}",
                    served,
                    functools.partial(_instances_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


_CONDITIONS = (
    VariableCondition("orderId", "eq", "A-7"),
    VariableCondition("amount", "gt", 100),
    VariableCondition("amount", "neq", 5),
    VariableCondition("flag", "eq", True),
    VariableCondition("orderId", "like", "A-%"),
    VariableCondition("orderId", "lteq", "B"),
)


def test_instance_lists_by_variables_walk_an_index(
    sql_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A variable condition is checked through the variables' primary key on the rows the
    instance walk meets: the walk stays the one its other filters choose."""
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for name in ("", *INSTANCE_FILTERS):
        filters: dict[str, Any] = dict(INSTANCE_FILTERS.get(name, {}))
        served = ["id" if name == "instance_id" else name] if name in _EQUALITIES else []
        for conditions in ((_CONDITIONS[0],), _CONDITIONS[1:4], _CONDITIONS[4:]):
            for order, descending, cursor in itertools.product(
                ORDERS, (False, True), (False, True)
            ):
                after: dict[str, Any] = {"after_id": "5", "after_started": T0} if cursor else {}
                query = InstanceQuery(
                    **filters,
                    variables=conditions,
                    order=order,
                    descending=descending,
                    limit=50,
                    **after,
                )
                cases.append(
                    (
                        f"instances {name} {conditions} {order} desc={descending} cursor={cursor}",
                        served,
                        functools.partial(_instances_page, query),
                    )
                )
    _check(sql_store, monkeypatch, cases)


def _variables_page(q: VariableQuery, tx: Transaction) -> object:
    return tx.page_variables(q), tx.count_variables(q, cap=100)


def test_variable_lists_walk_an_index(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    filters: dict[str, dict[str, Any]] = {
        "name": {"names": ("amount",)},
        "names": {"names": ("amount", "orderId")},
        "instance_id": {"instance_id": "2"},
        "scope_id": {"scope_ids": ("3",)},
        "scope_ids": {"scope_ids": ("3", "4")},
        "key": {"key": "7"},
        "values": {"values": _CONDITIONS[:2]},
    }
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), 3):
        if {"name", "names"} <= set(chosen) or {"scope_id", "scope_ids"} <= set(chosen):
            continue
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        served = [n for n in chosen if n != "values"]
        for descending, cursor in itertools.product((False, True), (False, True)):
            after: dict[str, Any] = {"after_key": "5"} if cursor else {}
            query = VariableQuery(**given, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"variables {chosen} desc={descending} cursor={cursor}",
                    served,
                    functools.partial(_variables_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def _decisions_page(q: DecisionInstanceQuery, tx: Transaction) -> object:
    return tx.page_decision_instances(q), tx.count_decision_instances(q, cap=100)


def test_decision_instance_lists_walk_an_index(
    sql_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    filters: dict[str, dict[str, Any]] = {
        "key": {"key": "1-1"},
        "decision_id": {"decision_id": "discount"},
        "definition_key": {"definition_key": "2"},
        "instance_id": {"instance_id": "3"},
    }
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), 2):
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        for descending, cursor in itertools.product((False, True), (False, True)):
            after: dict[str, Any] = {"after_key": "5-1"} if cursor else {}
            query = DecisionInstanceQuery(**given, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"decision instances {chosen} desc={descending} cursor={cursor}",
                    list(chosen),
                    functools.partial(_decisions_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def test_incident_lists_walk_an_index(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    filters: dict[str, dict[str, Any]] = {
        "incident_id": {"incident_id": "1"},
        "instance_id": {"instance_id": "2"},
        "element_id": {"element_id": "task"},
        "job_id": {"job_id": "3"},
        "open": {"resolved": False},
        "resolved": {"resolved": True},
        "error_types": {"error_types": ("JOB_NO_RETRIES", "CONDITION_ERROR")},
    }
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), len(filters)):
        if "open" in chosen and "resolved" in chosen:
            continue
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        served = ["id" if n == "incident_id" else n for n in chosen if n.endswith("_id")]
        served = [c for c in served if c in ("id", "instance_id")]
        if "open" in chosen and "id" not in served:
            served = []  # the open incidents' partial index, or the instance's: either walks few
        for descending, cursor in itertools.product((False, True), (False, True)):
            after: dict[str, Any] = {"after_id": "5", "after_created": T0} if cursor else {}
            query = IncidentQuery(**given, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"incidents {chosen} desc={descending} cursor={cursor}",
                    served,
                    functools.partial(_incidents_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def test_the_cockpits_incident_filters_walk_an_index(
    sql_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Process, definition, element instance, error type and creation time (the incident
    list's filters): checked on the rows of the creation-time walk, or a range of it."""
    filters: dict[str, dict[str, Any]] = {
        "process_id": {"process_id": "order"},
        "definition_id": {"definition_id": "d1"},
        "element_instance_id": {"element_instance_id": "4"},
        "error_types": {"error_types": ("JOB_NO_RETRIES",)},
        "created_from": {"created_from": T0},
        "created_to": {"created_to": T0 + timedelta(days=1)},
        "open": {"resolved": False},
        "instance_id": {"instance_id": "2"},
    }
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), 2):
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        served = ["instance_id"] if "instance_id" in chosen and "open" not in chosen else []
        for descending, cursor in itertools.product((False, True), (False, True)):
            after: dict[str, Any] = {"after_id": "5", "after_created": T0} if cursor else {}
            query = IncidentQuery(**given, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"incidents {chosen} desc={descending} cursor={cursor}",
                    served,
                    functools.partial(_incidents_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def test_job_lists_walk_an_index(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    filters: dict[str, dict[str, Any]] = {
        "job_id": {"job_id": "1"},
        "type": {"type": "mail"},
        "worker": {"worker": "w1"},
        "status": {"statuses": ["failed"]},
        "statuses": {"statuses": ["ready", "claimed"]},
        "instance_id": {"instance_id": "2"},
        "process_id": {"process_id": "order"},
        "definition_id": {"definition_id": "d1"},
        "element_id": {"element_id": "task"},
        "element_instance_id": {"element_instance_id": "4"},
        "retries": {"retries": 3},
        "retries_left": {"retries_from": 1},
        "retries_at_most": {"retries_to": 0},
        "retried": {"retried": True},
        "not_retried": {"retried": False},
    }
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), 2):
        if {"status", "statuses"} <= set(chosen) or {"retried", "not_retried"} <= set(chosen):
            continue
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        served = [
            "id" if n == "job_id" else n for n in chosen if n in ("job_id", "type", "instance_id")
        ]
        if "status" in chosen or "statuses" in chosen:
            served.append("status")  # a status-led index serves as well as the type's
        for descending, cursor in itertools.product((False, True), (False, True)):
            after: dict[str, Any] = {"after_id": "5"} if cursor else {}
            query = JobQuery(**given, descending=descending, limit=50, **after)
            cases.append(
                (
                    f"jobs {chosen} desc={descending} cursor={cursor}",
                    served,
                    functools.partial(_jobs_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def test_user_task_lists_walk_an_index(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    filters: dict[str, dict[str, Any]] = {
        "open": {"states": ["open"]},
        "ended": {"states": ["completed", "cancelled"]},
        "task_id": {"task_id": "1"},
        "instance_id": {"instance_id": "2"},
        "element_id": {"element_id": "review"},
        "assignee": {"assignee": "ann"},
        "candidate_user": {"candidate_user": "bob"},
        "candidate_group": {"candidate_group": "sales"},
        "priority": {"priority": 70},
        "viewer": {"viewer": Viewer("ann", ("sales",))},
    }
    sorts = ("created_at", "priority", "due_at", "follow_up_at", "completed_at", "name")
    cases: list[tuple[str, Sequence[str], Callable[[Transaction], object]]] = []
    for chosen in _subsets(list(filters), 2):
        if {"open", "ended"} <= set(chosen):
            continue
        given: dict[str, Any] = {}
        for name in chosen:
            given.update(filters[name])
        for sort, descending, cursor in itertools.product(sorts, (False, True), (False, True)):
            query = UserTaskQuery(
                **given,
                sort=sort,  # type: ignore[arg-type]
                descending=descending,
                after="5" if cursor else None,
                limit=50,
            )
            cases.append(
                (
                    f"user tasks {chosen} {sort} desc={descending} cursor={cursor}",
                    ["status"] if query.states else [],
                    functools.partial(_user_tasks_page, query),
                )
            )
    _check(sql_store, monkeypatch, cases)


def test_history_and_retention_walk_an_index(sql_store: Store) -> None:
    with sql_store.transaction() as tx:
        s = cast(SqlTransaction, tx).session
        stamp = s.codec.ts(T0)
        for name, params, served in (
            ("history_of_instance", {"instance_id": "1"}, ["instance_id"]),
            ("history_page", {"after_instance": "1", "after_seq": 3, "limit": 50}, []),
            (
                "prunable",  # retention walks the end time, never sorting what may go
                {"before": stamp, "after_ended": stamp, "after_id": "", "limit": 100},
                [],
            ),
        ):
            problems = _problems(s, s.sql(name), params, served, _prepare(s))
            assert not problems, f"{name}: {problems}"
        if s.has("prune_batch"):  # PostgreSQL's batch in one statement walks it too
            params = {"before": stamp, "after_ended": stamp, "after_id": "", "limit": 100}
            problems = _problems(s, s.sql("prune_batch"), params, [], _prepare(s))
            # its only sorts are of the batch it took (at most :limit rows, `d`)
            batch = ("['d.", "['d_1.")
            assert all(p.startswith("sort by") and any(b in p for b in batch) for p in problems)


def test_the_steps_of_an_append_find_their_instance_by_its_key(sql_store: Store) -> None:
    """PostgreSQL keeps no index on the steps' (instance_id, element_id) (schema 18): the
    repeat count of a new step reads its instance's steps through the primary key."""
    with sql_store.transaction() as tx:
        s = cast(SqlTransaction, tx).session
        if s.dialect.name != "postgres":
            pytest.skip("SQLite's steps are clustered by process: it keeps steps_element")
        _prepare(s)
        rows = s.query(
            "plan",
            "EXPLAIN (FORMAT JSON) " + s.sql("steps_insert_rows"),
            {"instance_id": "1", "rows": '[["e", "a", null, null, 1, 0.0, null, null, "active"]]'},
        )
        raw = next(iter(dict(rows[0]).values()))
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        nodes = list(_walk(plan))
        reads = [n for n in nodes if n.get("Index Name") == "steps_pkey"]
        assert reads and all("Index Cond" in n for n in reads), json.dumps(plan)[:800]
        assert not any(
            n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "steps" for n in nodes
        )
