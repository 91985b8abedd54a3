"""The variable rows on every store: written with the state by the unit of work, a key
kept as the value changes, removed with their scope, undone with a failed transaction,
pruned with their instance (as are its decision instances), and filled in from existing
states by the migration."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from storekit import Backend, SqlBackend

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.clock import FakeClock
from regista.store import (
    DecisionInstance,
    DecisionInstanceQuery,
    Store,
    VariableCondition,
    VariableQuery,
    VariableValue,
)
from regista.store.sql import sqlfiles

pytest_plugins = ["storefixtures"]


def _rows(store: Store, instance_id: str) -> dict[tuple[str, str], VariableValue]:
    with store.transaction(write=False) as tx:
        return {(v.scope_id, v.name): v for v in tx.variables_of(instance_id)}


def _model() -> ProcessBuilder:
    return ProcessBuilder("vars").start("s").user_task("t").input("local", "=amount * 2").end("e")


def test_rows_follow_the_state(backend: Backend) -> None:
    store = backend.open()
    with Client(store) as client:
        client.deploy(_model())
        key = client.start("vars", {"amount": 1.5, "name": "Ann", "tags": ["a"], "ok": True})
        rows = _rows(store, key)
        values = {name: json.loads(v.value) for (_, name), v in rows.items()}
        assert values == {"amount": 1.5, "name": "Ann", "tags": ["a"], "ok": True, "local": 3}
        assert rows[(key, "amount")].number == 1.5 and rows[(key, "name")].text == "Ann"
        (task_scope,) = {scope for scope, _ in rows if scope != key}
        assert rows[(task_scope, "local")].instance_id == key

        client.set_variables(key, {"amount": 4})
        after = _rows(store, key)
        assert after[(key, "amount")].key == rows[(key, "amount")].key  # the key is kept
        assert json.loads(after[(key, "amount")].value) == 4

        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.write_variables([], [(key, "amount")])
            raise RuntimeError("rolled back")
        assert (key, "amount") in _rows(store, key)  # undone with its transaction

        (task,) = client.tasks(instance_id=key)
        client.complete_task(task.id, {})
        ended = _rows(store, key)
        assert (task_scope, "local") not in ended  # gone with its scope
        assert (key, "amount") in ended  # an ended instance keeps its own

        with store.transaction(write=False) as tx:
            big = VariableQuery(values=(VariableCondition("amount", "gteq", 4),))
            assert [v.instance_id for v in tx.page_variables(big)] == [key]
        clock_end = client.instance(key).ended_at
        assert clock_end is not None
        decided = DecisionInstance(
            key="1-1",
            evaluation_key="1",
            decision_id="d",
            decision_name="D",
            decision_type="DECISION_TABLE",
            evaluated_at=clock_end,
            result="1",
            instance_id=key,
            rules=({"ruleId": "r", "ruleIndex": 1, "evaluatedOutputs": []},),
        )
        with store.transaction() as tx:
            tx.insert_decision_instances([decided])
        with store.transaction(write=False) as tx:
            assert tx.page_decision_instances(DecisionInstanceQuery(instance_id=key)) == [decided]
        with store.transaction() as tx:
            pruned = tx.prune(ended_before=clock_end + timedelta(days=1), limit=10)
        assert pruned.instances == 1 and _rows(store, key) == {}
        with store.transaction(write=False) as tx:  # its decisions go with it
            assert tx.count_decision_instances(DecisionInstanceQuery(instance_id=key), cap=9) == 0


def _migration() -> tuple[str, str]:
    """The migration that made the table (found by name, never by number), per dialect."""
    found = {}
    for dialect in ("sqlite", "postgres"):
        (migration,) = [m for m in sqlfiles.migrations(dialect) if m.name == "variables"]
        found[dialect] = migration.sql
    return found["sqlite"], found["postgres"]


def test_the_migration_fills_the_table_from_the_states(sql_backend: SqlBackend) -> None:
    store = sql_backend.open()
    with Client(store, clock=FakeClock()) as client:
        client.deploy(_model())
        key = client.start(
            "vars", {"amount": 1.5, "n": 7, "name": "Ann", "o": {"k": ["a", True]}, "none": None}
        )
        written = {k: (json.loads(v.value), v.text, v.number) for k, v in _rows(store, key).items()}
    sqlite_sql, postgres_sql = _migration()
    sql_backend.execute("DROP TABLE variables")
    text = sqlite_sql if sql_backend.name == "sqlite" else postgres_sql
    for statement in text.split(";\n"):
        if statement.strip() and not all(
            line.startswith("--") or not line.strip() for line in statement.splitlines()
        ):
            sql_backend.execute(statement)
    filled = _rows(store, key)
    assert {k: (json.loads(v.value), v.text, v.number) for k, v in filled.items()} == written
    keys: list[Any] = [int(v.key) for v in filled.values()]
    assert len(set(keys)) == len(keys)
