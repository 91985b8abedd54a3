"""History: append-only events chained by SHA-256 per instance; tampering is detected."""

from __future__ import annotations

import threading
from typing import cast

import pytest
from storekit import Backend, PostgresBackend, SqlBackend, at

from regista.store import HistoryEvent, NewEvent, SerializationConflict, Store
from regista.store.chain import check_chain, event_hash
from regista.store.sql.transaction import SqlTransaction
from testkit import pg_lock_waiters, wait_until

pytest_plugins = ["storefixtures"]


def append(store: Store, instance_id: str, *kinds: str, t: int = 0) -> None:
    with store.transaction() as tx:
        tx.append_history(
            instance_id,
            [
                NewEvent(
                    kind,
                    at(t + i),
                    element_id="task",
                    element_instance_id="ei-1",
                    actor="worker-7",
                    command="CompleteJob",
                    data={"variable": "total", "old": None, "new": [1.5, -0.0, "€"]},
                )
                for i, kind in enumerate(kinds)
            ],
        )


def test_chain_links_events_across_transactions(store: Store) -> None:
    append(store, "i-1", "instance.started", "element.activated")
    append(store, "i-1", "element.completed", t=10)
    append(store, "i-2", "instance.started")
    with store.transaction(write=False) as tx:
        events = tx.history("i-1")
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash is None
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert len({e.id for e in events}) == 3
    assert events[2].ts == at(10) and events[2].actor == "worker-7"
    assert events[2].data == {"variable": "total", "old": None, "new": [1.5, 0.0, "€"]}
    first = events[0]
    assert first.hash == event_hash(
        instance_id="i-1",
        seq=1,
        ts=at(0),
        kind="instance.started",
        element_id="task",
        element_instance_id="ei-1",
        actor="worker-7",
        command="CompleteJob",
        data={"new": [1.5, 0.0, "€"], "old": None, "variable": "total"},
        prev_hash=None,
    )
    assert check_chain(events) is None
    assert store.verify_chain("i-1") is None
    assert store.verify_chain() is None
    assert store.verify_chain("no-events") is None


def test_returned_events_equal_what_is_read_back(store: Store) -> None:
    with store.transaction() as tx:
        written = tx.append_history("i-1", [NewEvent("a", at(0)), NewEvent("b", at(1))])
    with store.transaction(write=False) as tx:
        assert tx.history("i-1") == written


def test_altered_event_is_detected(backend: Backend, store: Store) -> None:
    append(store, "i-1", "a", "b", "c")
    append(store, "i-2", "a", "b")
    backend.tamper_history(store, "i-1", 2, "forged")
    broken = store.verify_chain()
    assert broken is not None
    assert (broken.instance_id, broken.seq) == ("i-1", 2)
    assert "altered" in broken.reason
    assert store.verify_chain("i-2") is None


def test_deleted_event_is_detected(backend: Backend, store: Store) -> None:
    append(store, "i-1", "a", "b", "c")
    backend.delete_history(store, "i-1", 2)
    broken = store.verify_chain("i-1")
    assert broken is not None and broken.seq == 3 and "gap" in broken.reason
    assert str(broken).startswith("instance i-1, event #3:")


def test_verify_walks_many_instances(store: Store) -> None:
    for n in range(30):
        append(store, f"i-{n:03d}", *[f"k{k}" for k in range(40)])
    assert store.verify_chain() is None


def test_appending_without_the_instance_lock_is_caught(backend: Backend) -> None:
    """Two units appending to one chain unlocked: the loser gets a retryable error, never a
    fork. (SQLite and memory serialize writers, so only PostgreSQL can race here.)"""
    if not isinstance(backend, PostgresBackend):
        pytest.skip("writers are serial on this backend")
    store, other = backend.open(), backend.open()
    append(store, "i-1", "a")
    appended = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        with store.transaction() as tx:
            tx.append_history("i-1", [NewEvent("b", at(1))])
            appended.set()
            # commit only once the second one waits on the unique (instance, seq) key
            wait_until(lambda: pg_lock_waiters(backend.url), what="the second writer waiting")

    def second() -> None:
        appended.wait(30)
        try:
            with other.transaction() as tx:
                tx.append_history("i-1", [NewEvent("c", at(1))])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(errors) == 1 and isinstance(errors[0], SerializationConflict)
    assert store.verify_chain("i-1") is None
    with store.transaction(write=False) as tx:
        assert [e.kind for e in tx.history("i-1")] == ["a", "b"]


def test_one_commands_events_share_a_row_and_its_hash(backend: Backend, store: Store) -> None:
    append(store, "i-1", "a")
    command = [
        NewEvent(kind, at(5), element_id="task", actor="w", command="CompleteJob", data={"n": n})
        for n, kind in enumerate(("job_completed", "variable_set", "element_completed"))
    ]
    with store.transaction() as tx:
        written = tx.append_history("i-1", [*command, NewEvent("later", at(6))])
    with store.transaction(write=False) as tx:
        events = tx.history("i-1")
    assert events[1:] == written
    assert [e.seq for e in events] == [1, 2, 3, 4, 5] and len({e.id for e in events}) == 5
    assert events[1].hash == events[2].hash == events[3].hash != events[4].hash
    assert events[1].prev_hash == events[0].hash and events[4].prev_hash == events[3].hash
    assert [e.data for e in events[1:4]] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert check_chain(events) is None and store.verify_chain() is None
    if isinstance(backend, SqlBackend):
        rows = backend.execute(f"SELECT seq FROM history WHERE instance_id = {backend.p}", ["i-1"])
        assert sorted(r[0] for r in rows) == [1, 4, 5]
        backend.tamper_history(store, "i-1", 3, "forged")
        broken = store.verify_chain("i-1")
        assert broken is not None and broken.seq == 2 and "#2-#4 was altered" in broken.reason


def test_pages_of_events_may_end_inside_a_row(sql_backend: SqlBackend) -> None:
    """The audit reads every chain page by page (`history_page`): a page that ends inside a
    row of several events goes on after its last event, each event read once."""
    store = sql_backend.open()
    for iid, n in (("i-1", 5), ("i-2", 3)):
        with store.transaction() as tx:
            tx.append_history(iid, [NewEvent("first", at(0))])
            tx.append_history(iid, [NewEvent(f"e{k}", at(1), command="C") for k in range(n)])
    with store.transaction(write=False) as tx:
        expected = tx.history("i-1") + tx.history("i-2")
        read: list[HistoryEvent] = []
        after = ("", 0)
        while page := cast(SqlTransaction, tx).history_page(after, 4):
            read += page
            after = (page[-1].instance_id, page[-1].seq)
    assert read == expected and len(read) == 10
    assert store.audit_history() == []
