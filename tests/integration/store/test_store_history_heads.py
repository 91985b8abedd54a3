"""Chain heads on memory, SQLite and PostgreSQL: kept with every append in the same
transaction, compared by `audit_history` so a deleted tail or a deleted instance history is
found, compared with an anchor's heads so a consistent rewrite is found, removed by
retention with their instance, and computed for existing history by the migration."""

from __future__ import annotations

from dataclasses import replace

import pytest
from storekit import Backend, MemoryBackend, SqlBackend, at, history_before_19
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
    history_before_19(sql_backend)
    _history_before_18(sql_backend)
    _replay(sql_backend, "history_heads")
    _replay(sql_backend, "history_compact")
    _replay(sql_backend, "history_rows")
    upgraded = sql_backend.open(schema="ignore")
    assert upgraded.history_heads() == expected
    assert upgraded.audit_history() == []


def _replay(sql_backend: SqlBackend, name: str) -> None:
    """Run one migration again, wherever it stands among the migrations."""
    (migration,) = [m for m in sqlfiles.migrations(sql_backend.name) if m.name == name]
    for statement in split_statements(migration.sql):
        sql_backend.execute(statement)


def _history_before_18(sql_backend: SqlBackend) -> None:
    """The history as schema 17 kept it: hashes as hex text, each event with the hash of
    the event before it in `prev_hash`."""
    text = "encode(hash, 'hex')" if sql_backend.name == "postgres" else "lower(hex(hash))"
    if sql_backend.name == "postgres":
        sql_backend.execute(f"ALTER TABLE history ALTER COLUMN hash TYPE text USING {text}")
    else:
        sql_backend.execute(f"UPDATE history SET hash = {text}")
    sql_backend.execute("ALTER TABLE history ADD COLUMN prev_hash text")
    sql_backend.execute(
        "UPDATE history SET prev_hash = (SELECT p.hash FROM history p "
        "WHERE p.instance_id = history.instance_id AND p.seq = history.seq - 1)"
    )


def test_schema_18_keeps_the_chains_of_existing_history(sql_backend: SqlBackend) -> None:
    store = sql_backend.open()
    append(store, "i-1", "a", "b", "c")
    append(store, "i-2", "a")
    with store.transaction(write=False) as tx:
        expected = tx.history("i-1") + tx.history("i-2")
    heads = store.history_heads()
    store.close()
    # back to schema 17 (hex text, the previous hash stored), heads included
    history_before_19(sql_backend)
    _history_before_18(sql_backend)
    text = "encode(hash, 'hex')" if sql_backend.name == "postgres" else "lower(hex(hash))"
    if sql_backend.name == "postgres":
        sql_backend.execute(f"ALTER TABLE history_heads ALTER COLUMN hash TYPE text USING {text}")
    else:
        sql_backend.execute(f"UPDATE history_heads SET hash = {text}")
    sql_backend.execute("DELETE FROM schema_version WHERE version >= 18")
    upgraded = sql_backend.open()  # migrates to 18 and 19
    assert upgraded.schema_version() == sqlfiles.latest_version("sqlite")  # both the same
    with upgraded.transaction(write=False) as tx:
        assert tx.history("i-1") + tx.history("i-2") == expected
    assert upgraded.history_heads() == heads
    assert upgraded.audit_history() == []
    # the chains go on from heads written before (SQLite keeps those as hex text)
    append(upgraded, "i-1", "d", t=10)
    with upgraded.transaction(write=False) as tx:
        events = tx.history("i-1")
    assert events[3].prev_hash == expected[2].hash
    assert upgraded.audit_history() == []
    # and an altered event written before 18 is still found
    sql_backend.tamper_history(upgraded, "i-1", 2, "forged")
    (broken,) = upgraded.audit_history()
    assert (broken.instance_id, broken.seq) == ("i-1", 2)


def test_schema_19_keeps_the_rows_of_one_event(sql_backend: SqlBackend) -> None:
    store = sql_backend.open()
    append(store, "i-1", "a", "b", "c")
    with store.transaction(write=False) as tx:
        expected = tx.history("i-1")
    heads = store.history_heads()
    store.close()
    history_before_19(sql_backend)
    sql_backend.execute("DELETE FROM schema_version WHERE version = 19")
    upgraded = sql_backend.open()  # migrates to 19
    with upgraded.transaction(write=False) as tx:
        assert tx.history("i-1") == expected
    assert upgraded.history_heads() == heads
    assert upgraded.audit_history() == []
    # a command's events after the old rows make one row that chains on from them
    with upgraded.transaction() as tx:
        tx.append_history("i-1", [NewEvent("x", at(9), command="C"), NewEvent("y", at(9))])
        tx.append_history("i-1", [NewEvent("z", at(10), command="C")] * 3)
    with upgraded.transaction(write=False) as tx:
        events = tx.history("i-1")
    assert [e.seq for e in events] == list(range(1, 9))
    assert events[3].prev_hash == expected[2].hash
    assert events[5].hash == events[6].hash == events[7].hash
    assert upgraded.audit_history() == []
    sql_backend.tamper_history(upgraded, "i-1", 2, "forged")
    (broken,) = upgraded.audit_history()
    assert (broken.instance_id, broken.seq) == ("i-1", 2)
