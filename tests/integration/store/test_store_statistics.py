"""The cockpit's counts: instances per definition and status, element instances per
element of a definition (history events and open incidents) — the same on memory, SQLite
and PostgreSQL — and the plans of their GROUP BY statements, which walk indexes."""

from __future__ import annotations

import json
import re
from typing import Any, cast

from storekit import T0, at

from regista.store import (
    ElementCount,
    InstanceCount,
    NewEvent,
    NewIncident,
    NewInstance,
    Store,
)
from regista.store.sql.session import SqlSession
from regista.store.sql.transaction import SqlTransaction

pytest_plugins = ["storefixtures"]

#: A plan step narrowing instances by the index led by the definition (SQLite, PostgreSQL).
_BY_DEFINITION = (
    r"SEARCH (i|instances) USING (COVERING )?INDEX instances_definition"
    r"|Index (Only )?Scan (instances )? ?instances_definition"
)

#: The index each statement over the running totals walks: the totals' primary key (led by
#: the definition), the open incidents' partial index, the history's (instance_id, seq) key.
_WALKS = {
    "element_totals": r"SEARCH element_counts USING PRIMARY KEY \(definition_id=\?\)"
    r"|Index Scan  ?element_counts_pkey",
    "element_open_incidents": r"incidents_open",
    "element_counts_forget": r"sqlite_autoindex_history_1|history_instance_id_seq_key",
}

#: A plan step finding an instance's history rows by the (instance_id, seq) key.
_BY_HISTORY_KEY = (
    r"SEARCH h USING INDEX sqlite_autoindex_history_1 \(instance_id=\?\)"
    r"|Index Scan (using )?history_instance_id_seq_key"
    r"|Bitmap Index Scan  ?history_instance_id_seq_key"
)

ALL = ["active", "incident", "completed", "terminated", "cancelled"]


def _event(kind: str, element: str, n: int) -> NewEvent:
    return NewEvent(kind, at(n), element_id=element, element_instance_id=f"{element}-{n}")


def _fill(store: Store) -> tuple[str, str]:
    """Two versions of `order`: the first with a completed, a cancelled, an active and an
    incident instance, the second with one active instance."""
    with store.transaction() as tx:
        first, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        second, _ = tx.deploy_definition("order", "<definitions id='2'/>", now=T0)
        plan: list[tuple[str, str, str, list[tuple[str, str]]]] = [
            ("101", first.id, "completed", [("a", "start"), ("c", "start"), ("a", "task"),
                                            ("c", "task"), ("a", "end"), ("c", "end")]),
            ("102", first.id, "cancelled", [("a", "start"), ("c", "start"), ("a", "task"),
                                            ("t", "task")]),
            ("103", first.id, "active", [("a", "start"), ("c", "start"), ("a", "task")]),
            ("104", first.id, "incident", [("a", "start"), ("c", "start"), ("a", "task")]),
            ("201", second.id, "active", [("a", "start")]),
        ]  # fmt: skip
        kinds = {"a": "element_activated", "c": "element_completed", "t": "element_terminated"}
        for iid, definition, status, events in plan:
            tx.insert_instance(
                NewInstance(iid, definition, "order", state={}, status=status), now=T0
            )
            tx.add_history(
                iid,
                [_event(kinds[k], e, n) for n, (k, e) in enumerate(events)]
                + [NewEvent("variables_set", at(9), data={"x": 1})],
            )
        for n, iid in enumerate(("104", "103")):
            tx.insert_incident(
                NewIncident(f"inc-{iid}", iid, "failed", element_id="task"), now=at(n)
            )
        tx.resolve_incident("inc-103", now=at(5))
    return first.id, second.id


def test_instances_are_counted_per_definition_and_status(store: Store) -> None:
    first, second = _fill(store)
    with store.transaction(write=False) as tx:
        every = tx.count_instances_by_definition()
        assert sorted(every, key=lambda c: (c.definition_id, c.status)) == sorted(
            [
                InstanceCount(first, "active", 1),
                InstanceCount(first, "cancelled", 1),
                InstanceCount(first, "completed", 1),
                InstanceCount(first, "incident", 1),
                InstanceCount(second, "active", 1),
            ],
            key=lambda c: (c.definition_id, c.status),
        )
        assert tx.count_instances_by_definition([second]) == [InstanceCount(second, "active", 1)]
        assert tx.count_instances_by_definition(["nothing"]) == []


def test_elements_are_counted_over_a_definitions_instances(store: Store) -> None:
    first, second = _fill(store)
    with store.transaction(write=False) as tx:
        counts = {c.element_id: c for c in tx.count_elements(first, ALL)}
        assert counts == {
            "start": ElementCount("start", activated=4, completed=4),
            "task": ElementCount("task", activated=4, completed=1, terminated=1, incidents=1),
            "end": ElementCount("end", activated=1, completed=1),
        }
        assert counts["task"].active == 2
        running = {c.element_id: c for c in tx.count_elements(first, ["active", "incident"])}
        assert running["task"].active == 2 and "end" not in running
        assert [c.element_id for c in tx.count_elements(second, ALL)] == ["start"]
        assert tx.count_elements(first, []) == []


def _plan(s: SqlSession, name: str, params: dict[str, Any]) -> list[str]:
    """The plan of a named statement, one line per step (SQLite's details, PostgreSQL's
    node types with their relation and index)."""
    sql = s.sql(name)
    if s.dialect.name == "sqlite":
        return [str(r["detail"]) for r in s.query("plan", "EXPLAIN QUERY PLAN " + sql, params)]
    s.query("plan", "SET LOCAL enable_seqscan = off", {})
    s.query("plan", "SET LOCAL jit = off", {})
    rows = s.query("plan", "EXPLAIN (FORMAT JSON) " + sql, params)
    raw = next(iter(dict(rows[0]).values()))
    found: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        found.append(
            f"{node['Node Type']} {node.get('Relation Name', '')} {node.get('Index Name', '')}"
        )
        for child in node.get("Plans", []):
            walk(child)

    walk((raw if not isinstance(raw, str) else json.loads(raw))[0]["Plan"])
    return found


def test_the_counts_walk_indexes(sql_store_plans: Store) -> None:
    with sql_store_plans.transaction(write=False) as tx:
        s = cast(SqlTransaction, tx).session
        ids = s.codec.text_list(["d1", "d2"])
        statuses = s.codec.text_list(["active", "incident"])
        cases: list[tuple[str, dict[str, Any]]] = [
            ("instance_counts", {}),
            ("instance_counts_of", {"ids": ids}),
            ("element_event_counts", {"definition_id": "d1", "statuses": statuses}),
            ("element_incident_counts", {"definition_id": "d1", "statuses": statuses}),
            ("element_totals", {"definition_id": "d1"}),
            ("element_open_incidents", {"definition_id": "d1"}),
            ("element_counts_forget", {"ids": ids}),
        ]
        for name, params in cases:
            plan = _plan(s, name, params)
            text = "\n".join(plan)
            # no table is read whole: every step that reads instances, history or
            # incidents goes through an index (the definition's, the history's key, the
            # open incidents' partial index)
            for line in plan:
                whole = re.fullmatch(r"SCAN (instances|history|incidents|element_counts)", line)
                assert not whole, f"{name} reads a whole table:\n{text}"
                assert not line.startswith("Seq Scan"), f"{name} reads a whole table:\n{text}"
            if name in _WALKS:
                assert re.search(_WALKS[name], text), f"{name} walks no index:\n{text}"
            elif name != "instance_counts":
                assert re.search(_BY_DEFINITION, text), (
                    f"{name} does not narrow by the definition's index:\n{text}"
                )
            if name == "element_event_counts":
                # each instance's history rows (one per command, schema 19) by their key
                assert re.search(_BY_HISTORY_KEY, text), text
