"""Chain heads on memory, SQLite and PostgreSQL: kept with every append in the same
transaction, compared by `audit_history` so a deleted tail or a deleted instance history is
found, compared with an anchor's heads so a consistent rewrite is found, removed by
retention with their instance, and computed for existing history by the migration."""

from __future__ import annotations

from dataclasses import replace

import pytest
from storekit import Backend, MemoryBackend, SqlBackend, at
from test_store_history import append
from test_store_retention import add_instance

from regista.runtime.retention import prune
from regista.store import HistoryHead, NewEvent, Store
from regista.store.memory import MemoryStore
from regista.store.sql import sqlfiles
from regista.store.sql.sqlite import split_statements

pytest_plugins = ["storefixtures"]


def test_each_append_moves_the_recorded_head(store: Store) -> None:
    append(store, "i-1", "a", "b")
    append(store, "i-2", "a")
    append(store, "i-1", "c", t=10)
    with store.transaction(write=False) as tx:
        last = tx.history("i-1")[-1]
    heads = store.history_heads()
    assert [(h.instance_id, h.seq) for h in heads] == [("i-1", 3), ("i-2", 1)]
    assert heads[0].hash == last.hash
    assert store.audit_history() == []


def test_a_rolled_back_append_leaves_the_head_where_it_was(store: Store) -> None:
    append(store, "i-1", "a")
    before = store.history_heads()
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.append_history("i-1", [NewEvent("x", at(5))])
        raise RuntimeError("abort")
    assert store.history_heads() == before


def _delete_all(backend: Backend, store: Store, instance_id: str) -> None:
    if isinstance(backend, MemoryBackend):
        assert isinstance(store, MemoryStore)
        del store._tables.history[instance_id]
    else:
        assert isinstance(backend, SqlBackend)
        backend.execute(f"DELETE FROM history WHERE instance_id = {backend.p}", [instance_id])


def test_deleting_the_last_event_is_found(backend: Backend, store: Store) -> None:
    append(store, "i-1", "a", "b", "c")
    append(store, "i-2", "a")
    backend.delete_history(store, "i-1", 3)
    (broken,) = store.audit_history()
    assert (broken.instance_id, broken.seq) == ("i-1", 3)
    assert "event #3 deleted" in broken.reason
    assert store.verify_chain("i-1") == broken
    assert store.verify_chain("i-2") is None


def test_deleting_every_event_of_an_instance_is_found(backend: Backend, store: Store) -> None:
    append(store, "i-1", "a", "b")
    append(store, "i-2", "a")
    _delete_all(backend, store, "i-1")
    (broken,) = store.audit_history()
    assert broken.instance_id == "i-1" and "all 2 events" in broken.reason
    assert store.verify_chain() == broken


def test_an_anchor_finds_a_rewrite_and_a_removed_instance(store: Store) -> None:
    append(store, "i-1", "a", "b")
    append(store, "i-2", "a")
    real = {h.instance_id: h for h in store.history_heads()}
    # what a consistent rewrite looks like from outside: the heads differ from the anchor's
    anchor = {**real, "i-1": replace(real["i-1"], hash="0" * 64)}
    anchor["i-gone"] = HistoryHead("i-gone", 4, "f" * 64)
    found = {b.instance_id: b.reason for b in store.audit_history(anchor=anchor)}
    assert set(found) == {"i-1", "i-gone"}
    assert "rewritten" in found["i-1"] and "are gone" in found["i-gone"]
    # appends after the anchor change nothing it covers
    append(store, "i-2", "b", t=10)
    assert store.audit_history(anchor=real) == []
    assert store.audit_history("i-1", anchor=anchor)[0].instance_id == "i-1"


def test_retention_removes_heads_with_their_instances(store: Store) -> None:
    add_instance(store, "old", ended=0)
    add_instance(store, "recent", ended=100)
    prune(store, ended_before=at(50), batch=10)
    assert [h.instance_id for h in store.history_heads()] == ["recent"]
    assert store.audit_history() == []


def test_the_migration_computes_the_heads_of_existing_history(sql_backend: SqlBackend) -> None:
    store = sql_backend.open()
    append(store, "i-1", "a", "b", "c")
    append(store, "i-2", "a")
    expected = store.history_heads()
    store.close()
    # back to the schema before the heads (no table), then the heads migration alone,
    # wherever it stands among the migrations
    sql_backend.execute("DROP TABLE history_heads")
    (migration,) = [m for m in sqlfiles.migrations(sql_backend.name) if m.name == "history_heads"]
    for statement in split_statements(migration.sql):
        sql_backend.execute(statement)
    upgraded = sql_backend.open(schema="ignore")
    assert upgraded.history_heads() == expected
    assert upgraded.audit_history() == []
