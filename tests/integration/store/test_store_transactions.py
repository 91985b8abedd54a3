"""The unit of work: commit, rollback, optimistic versions, definitions, instances."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
from storekit import T0, Backend, MemoryBackend, PostgresBackend, at, uid

from regista.store import (
    CorruptState,
    DuplicateKey,
    InstanceUpdate,
    NewEvent,
    NewInstance,
    NewJob,
    NewTimer,
    NotFound,
    Store,
    StoreError,
    Transaction,
    VersionConflict,
)
from testkit import pg_lock_waiters, wait_until

pytest_plugins = ["storefixtures"]


def start(
    tx: Transaction, state: dict[str, Any] | None = None, now: datetime = T0, **kw: Any
) -> str:
    definition, _ = tx.deploy_definition("order", "<definitions/>", now=now)
    instance_id = uid("i-")
    tx.insert_instance(
        NewInstance(
            id=instance_id,
            definition_id=definition.id,
            process_id="order",
            state=state or {"version": 1, "tokens": ["start"]},
            **kw,
        ),
        now=now,
    )
    return instance_id


def test_commit_makes_everything_visible_together(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx, business_key="B-1")
        tx.insert_job(
            NewJob(
                id=uid("j-"),
                instance_id=iid,
                element_id="charge",
                element_instance_id="ei-1",
                type="payment",
                retries=3,
                variables={"amount": "12.50", "items": [1, 2]},
                headers={"url": "https://example.invalid"},
            ),
            now=T0,
        )
        tx.append_history(iid, [NewEvent("instance.started", T0, data={"by": "test"})])
    with store.transaction(write=False) as tx:
        loaded = tx.get_instance(iid)
        assert loaded is not None
        assert loaded.state == {"version": 1, "tokens": ["start"]}
        assert loaded.version == 1
        assert loaded.business_key == "B-1"
        assert loaded.started_at == T0
        (job,) = tx.jobs_of_instance(iid)
        assert job.variables == {"amount": "12.50", "items": [1, 2]}
        assert job.headers == {"url": "https://example.invalid"}
        assert job.status == "ready" and job.attempt == 0
        assert [e.kind for e in tx.history(iid)] == ["instance.started"]


def test_exception_rolls_back_the_whole_unit(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
    with pytest.raises(RuntimeError, match="boom"), store.transaction() as tx:
        inst = tx.lock_instance(iid)
        tx.update_instance(
            InstanceUpdate(
                id=iid, state={"changed": True}, status="active", expected_version=inst.version
            ),
            now=at(1),
        )
        tx.insert_timer(
            NewTimer(
                id="t-1",
                instance_id=iid,
                element_id="wait",
                element_instance_id="ei",
                due_at=at(60),
            ),
            now=at(1),
        )
        tx.append_history(iid, [NewEvent("element.activated", at(1))])
        raise RuntimeError("boom")
    with store.transaction(write=False) as tx:
        inst = tx.lock_instance(iid)
        assert inst.version == 1
        assert inst.state == {"version": 1, "tokens": ["start"]}
        assert tx.get_timer("t-1") is None
        assert tx.history(iid) == []
    assert store.due_timers(at(3600), 10) == []


def test_read_only_transaction_refuses_writes(store: Store) -> None:
    with store.transaction(write=False) as tx, pytest.raises(StoreError, match="read-only"):
        start(tx)


def test_transaction_is_unusable_after_it_ends(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
    with pytest.raises(StoreError, match="already ended"):
        tx.get_instance(iid)


def test_optimistic_version_conflict(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
    with store.transaction(write=False) as tx:
        stale = tx.lock_instance(iid)
    with store.transaction() as tx:
        current = tx.lock_instance(iid)
        new_version = tx.update_instance(
            InstanceUpdate(
                id=iid, state={"n": 2}, status="active", expected_version=current.version
            ),
            now=at(1),
        )
        assert new_version == 2
    with pytest.raises(VersionConflict) as info, store.transaction() as tx:
        tx.update_instance(
            InstanceUpdate(id=iid, state={"n": 3}, status="active", expected_version=stale.version),
            now=at(2),
        )
    assert info.value.expected == 1 and info.value.actual == 2
    assert "expected version 1 but it is at version 2" in str(info.value)
    with store.transaction(write=False) as tx:
        assert tx.lock_instance(iid).state == {"n": 2}


def test_update_sets_status_and_end(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        tx.update_instance(
            InstanceUpdate(
                id=iid, state={}, status="completed", expected_version=1, ended_at=at(5)
            ),
            now=at(5),
        )
    with store.transaction(write=False) as tx:
        inst = tx.lock_instance(iid)
        assert (inst.status, inst.ended_at, inst.updated_at, inst.version) == (
            "completed",
            at(5),
            at(5),
            2,
        )
        assert [i.id for i in tx.list_instances(status="completed")] == [iid]
        assert tx.list_instances(status="active") == []


def test_update_keeping_the_status_writes_the_state_and_checks_the_version(
    store: Store,
) -> None:
    with store.transaction() as tx:
        iid = start(tx)
    with store.transaction() as tx:
        version = tx.update_instance(
            InstanceUpdate(
                id=iid, state={"n": 2}, status="active", expected_version=1, same_status=True
            ),
            now=at(3),
        )
        assert version == 2
    with pytest.raises(VersionConflict), store.transaction() as tx:
        tx.update_instance(
            InstanceUpdate(
                id=iid, state={"n": 3}, status="active", expected_version=1, same_status=True
            ),
            now=at(4),
        )
    with store.transaction(write=False) as tx:
        inst = tx.lock_instance(iid)
        assert (inst.state, inst.status, inst.ended_at, inst.updated_at, inst.version) == (
            {"n": 2},
            "active",
            None,
            at(3),
            2,
        )
        assert [i.id for i in tx.list_instances(status="active")] == [iid]


def test_missing_instance(store: Store) -> None:
    with store.transaction() as tx:
        with pytest.raises(NotFound, match="no process instance 'nope'"):
            tx.lock_instance("nope")
        assert tx.get_instance("nope") is None
        with pytest.raises(VersionConflict, match="no longer exists"):
            tx.update_instance(
                InstanceUpdate(id="nope", state={}, status="active", expected_version=1), now=T0
            )


def test_idempotency_key_starts_one_instance(store: Store) -> None:
    with store.transaction() as tx:
        first = start(tx, idempotency_key="order-42")
    with pytest.raises(DuplicateKey) as info, store.transaction() as tx:
        start(tx, idempotency_key="order-42")
    assert info.value.existing_id == first
    with store.transaction(write=False) as tx:
        found = tx.find_instance_by_idempotency_key("order-42")
        assert found is not None and found.id == first
        assert len(tx.list_instances()) == 1


def test_parent_refs_and_listing(store: Store) -> None:
    with store.transaction() as tx:
        parent = start(tx, business_key="K")
        child = start(tx, now=at(1), parent_instance_id=parent, parent_element_instance_id="call-1")
    with store.transaction(write=False) as tx:
        (found,) = tx.list_instances(parent_instance_id=parent)
        assert found.id == child and found.parent_element_instance_id == "call-1"
        assert [i.id for i in tx.list_instances()] == [parent, child]
        assert [i.id for i in tx.list_instances(business_key="K")] == [parent]
        assert len(tx.list_instances(limit=1)) == 1


def test_same_source_deployed_twice_is_one_version(store: Store) -> None:
    with store.transaction() as tx:
        v1, created1 = tx.deploy_definition("invoice", "<a/>", now=T0, resource_name="inv.bpmn")
        again, created2 = tx.deploy_definition("invoice", "<a/>", now=at(1))
        v2, created3 = tx.deploy_definition("invoice", "<b/>", now=at(2))
        v3, _ = tx.deploy_definition("invoice", "<a/>", now=at(3))
    assert (created1, created2, created3) == (True, False, True)
    assert again == v1
    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    assert v1.resource_name == "inv.bpmn"
    assert len(v1.sha256) == 64 and v1.sha256 != v2.sha256 and v1.sha256 == v3.sha256
    with store.transaction(write=False) as tx:
        latest = tx.latest_definition("invoice")
        assert latest is not None and latest.id == v3.id and latest.source == "<a/>"
        v2_again = tx.definition_version("invoice", 2)
        assert v2_again is not None and v2_again.source == "<b/>"
        assert tx.get_definition(v1.id) == v1
        assert [d.version for d in tx.list_definitions("invoice")] == [1, 2, 3]
        assert tx.latest_definition("other") is None


def test_corrupt_state_row_is_a_typed_error(backend: Backend, store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        other = start(tx)
    backend.corrupt_state(store, iid)
    with pytest.raises(CorruptState) as info, store.transaction() as tx:
        tx.lock_instance(iid)
    assert info.value.instance_id == iid
    assert "stored state of process instance" in str(info.value)
    with store.transaction(write=False) as tx:
        assert tx.lock_instance(other).version == 1  # the others still load


def test_values_must_be_json_safe_and_times_aware(store: Store) -> None:
    with pytest.raises(ValueError, match="JSON-safe"), store.transaction() as tx:
        start(tx, state={"when": object()})
    with pytest.raises(ValueError, match="timezone-aware"), store.transaction() as tx:
        start(tx, now=datetime(2030, 1, 1))
    with store.transaction(write=False) as tx:
        assert tx.list_instances() == []


def test_committed_data_survives_reopening(backend: Backend) -> None:
    first = backend.open()
    with first.transaction() as tx:
        iid = start(tx, state={"x": "é ü 😀", "n": 10**20, "f": 0.1})
    if backend.name == "memory":
        return  # memory keeps nothing across stores
    first.close()
    second = backend.open()
    with second.transaction(write=False) as tx:
        assert tx.lock_instance(iid).state == {"x": "é ü 😀", "n": 10**20, "f": 0.1}


def test_locking_an_instance_serializes_units_of_work(backend: Backend) -> None:
    """A second unit locking the same instance waits for the first and sees its commit."""
    store = backend.open()
    other = store if backend.name == "memory" else backend.open()
    with store.transaction() as tx:
        iid = start(tx)
    locked = threading.Event()
    locking = threading.Event()
    seen: list[int] = []

    def first() -> None:
        with store.transaction() as tx:
            inst = tx.lock_instance(iid)
            locked.set()
            # Hold the lock until the second unit goes for it; on PostgreSQL until it is
            # seen waiting (SQLite and memory serialise whole write transactions).
            locking.wait(30)
            if isinstance(backend, PostgresBackend):
                wait_until(lambda: pg_lock_waiters(backend.url), what="the second unit waiting")
            tx.update_instance(
                InstanceUpdate(
                    id=iid, state={"by": "first"}, status="active", expected_version=inst.version
                ),
                now=at(1),
            )

    def second() -> None:
        locked.wait(30)
        locking.set()
        with other.transaction() as tx:
            inst = tx.lock_instance(iid)
            seen.append(inst.version)
            tx.update_instance(
                InstanceUpdate(
                    id=iid, state={"by": "second"}, status="active", expected_version=inst.version
                ),
                now=at(2),
            )

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [2]
    with store.transaction(write=False) as tx:
        final = tx.lock_instance(iid)
        assert (final.version, final.state) == (3, {"by": "second"})


def test_id_blocks_only_grow_across_reopening_and_stores(backend: Backend) -> None:
    first = backend.open()
    taken = [first.reserve_id_block() for _ in range(3)]
    assert taken == sorted(set(taken)) and taken[0] >= 1
    if isinstance(backend, MemoryBackend):
        return  # nothing outlives a memory store
    again = backend.open()  # another node of the same database, or a restart
    assert again.reserve_id_block() > taken[-1]
    assert first.reserve_id_block() > taken[-1] + 1
