"""What the fast path of a unit of work adds to the store contract: history appended without
reading it back, jobs inserted already leased, checks that may go out with the commit, and
(on PostgreSQL) writes queued until the next round trip — with every guarantee kept."""

from __future__ import annotations

from typing import Any

import pytest
from storekit import T0, Backend, at, uid

from regista.store import (
    DuplicateKey,
    InstanceUpdate,
    NewEvent,
    NewInstance,
    NewJob,
    Outcome,
    StaleDefinition,
    Store,
    Transaction,
    VersionConflict,
)
from regista.store.chain import check_chain
from regista.store.errors import DeferredCheckFailed

pytest_plugins = ["storefixtures"]


def start(tx: Transaction, process_id: str = "order") -> str:
    definition = tx.latest_definition(process_id)
    if definition is None:
        definition, _ = tx.deploy_definition(process_id, f"<{process_id}/>", now=T0)
    instance_id = uid("i-")
    tx.insert_instance(
        NewInstance(
            id=instance_id, definition_id=definition.id, process_id=process_id, state={"n": 1}
        ),
        now=T0,
    )
    return instance_id


def job(tx: Transaction, instance_id: str, **lease: Any) -> str:
    job_id = uid("j-")
    tx.insert_job(
        NewJob(
            id=job_id,
            instance_id=instance_id,
            element_id="task",
            element_instance_id="ei-1",
            type="work",
            retries=3,
            variables={"x": 1},
            **lease,
        ),
        now=T0,
    )
    return job_id


def test_added_history_chains_like_appended_history(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        tx.add_history(iid, [NewEvent("a", T0, data={"k": [1.5, -0.0]}), NewEvent("b", T0)])
    with store.transaction() as tx:
        tx.lock_instance(iid)
        tx.add_history(iid, [NewEvent("c", at(1), element_id="task", actor="w", data={})])
        written = tx.append_history(iid, [NewEvent("d", at(2))])
        tx.add_history(iid, [])
    with store.transaction(write=False) as tx:
        events = tx.history(iid)
    assert [(e.seq, e.kind) for e in events] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    assert written == events[3:]
    assert events[0].data == {"k": [1.5, 0.0]}
    assert check_chain(events) is None and store.verify_chain() is None


def test_a_job_inserted_leased_is_claimed_at_attempt_one(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        taken = job(tx, iid, lease_owner="node-1", lease_until=at(30))
        ready = job(tx, iid)
    with store.transaction(write=False) as tx:
        held = tx.get_job(taken)
        assert held is not None
        assert (held.status, held.attempt, held.lease_owner, held.lease_until) == (
            "claimed",
            1,
            "node-1",
            at(30),
        )
    # not claimable while the lease holds; the ready one is
    claimed = store.claim_jobs(["work"], "node-2", limit=10, lease_seconds=30, now=at(1))
    assert [j.id for j in claimed] == [ready]
    with store.transaction() as tx:
        assert tx.complete_job(taken, 1, now=at(2)) is Outcome.APPLIED
    refused = pytest.raises(ValueError, match="both lease_owner and lease_until")
    with refused, store.transaction() as tx:
        job(tx, iid, lease_owner="node-1")


def test_a_lapsed_lease_of_a_job_inserted_leased_is_claimed_again(store: Store) -> None:
    with store.transaction() as tx:
        taken = job(tx, start(tx), lease_owner="node-1", lease_until=at(30))
    (again,) = store.claim_jobs(["work"], "node-2", limit=10, lease_seconds=30, now=at(31))
    assert (again.id, again.attempt, again.lease_owner) == (taken, 2, "node-2")
    with store.transaction() as tx:
        assert tx.complete_job(taken, 1, now=at(32)) is Outcome.STALE


def test_a_version_check_sent_with_the_commit(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
    with store.transaction() as tx:
        current = tx.lock_instance(iid)
        version = tx.update_instance(
            InstanceUpdate(
                id=iid,
                state={"n": 2},
                status="active",
                expected_version=current.version,
                deferred=True,
            ),
            now=at(1),
        )
        assert version == 2
    with pytest.raises(VersionConflict) as info, store.transaction() as tx:
        job(tx, iid)
        tx.update_instance(
            InstanceUpdate(
                id=iid, state={"n": 3}, status="active", expected_version=1, deferred=True
            ),
            now=at(2),
        )
        tx.add_history(iid, [NewEvent("lost", at(2))])
    assert (info.value.instance_id, info.value.expected, info.value.actual) == (iid, 1, 2)
    with store.transaction(write=False) as tx:  # nothing of the failed unit was committed
        inst = tx.get_instance(iid)
        assert inst is not None and (inst.version, inst.state) == (2, {"n": 2})
        assert tx.jobs_of_instance(iid) == [] and tx.history(iid) == []


def test_an_instance_starts_only_on_the_latest_version_when_asked(store: Store) -> None:
    with store.transaction() as tx:
        v1, _ = tx.deploy_definition("order", "<v1/>", now=T0)
        v2, _ = tx.deploy_definition("order", "<v2/>", now=T0)
        assert tx.latest_definition_id("order") == v2.id
        assert tx.latest_definition_id("other") is None
    with store.transaction() as tx:
        tx.insert_instance(
            NewInstance(id="new", definition_id=v2.id, process_id="order", state={}, latest=True),
            now=T0,
        )
    with pytest.raises(StaleDefinition) as info, store.transaction() as tx:
        tx.insert_instance(
            NewInstance(id="old", definition_id=v1.id, process_id="order", state={}, latest=True),
            now=T0,
        )
    assert (info.value.process_id, info.value.definition_id) == ("order", v1.id)
    with store.transaction(write=False) as tx:
        assert tx.get_instance("new") is not None and tx.get_instance("old") is None
    with store.transaction() as tx:  # an older version can still be named explicitly
        tx.insert_instance(
            NewInstance(id="old", definition_id=v1.id, process_id="order", state={}), now=T0
        )


def test_a_deploy_in_the_transaction_makes_a_later_start_stale(store: Store) -> None:
    """Several starts in one transaction (group commit) check the latest version once,
    until a deploy in the same transaction changes it. (PostgreSQL checks with the commit,
    which finds a check failed, and the caller runs the work again.)"""
    with store.transaction() as tx:
        v1, _ = tx.deploy_definition("order", "<v1/>", now=T0)
    with pytest.raises((StaleDefinition, DeferredCheckFailed)), store.transaction() as tx:
        for name in ("a", "b"):
            new = NewInstance(
                id=name, definition_id=v1.id, process_id="order", state={}, latest=True
            )
            tx.insert_instance(new, now=T0)
        tx.deploy_definition("order", "<v2/>", now=T0)
        tx.insert_instance(
            NewInstance(id="c", definition_id=v1.id, process_id="order", state={}, latest=True),
            now=T0,
        )
    with store.transaction(write=False) as tx:
        assert [tx.get_instance(name) for name in ("a", "b", "c")] == [None, None, None]


def test_locking_ahead_and_then_writing(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        job_id = job(tx, iid)
    (claimed,) = store.claim_jobs(["work"], "w", limit=1, lease_seconds=30, now=at(1))
    with store.transaction() as tx:
        tx.will_lock(iid)
        tx.will_lock(iid)
        assert tx.complete_job(job_id, claimed.attempt, now=at(2)) is Outcome.APPLIED
        inst = tx.lock_instance(iid)
        assert inst.version == 1
        tx.add_history(iid, [NewEvent("job_completed", at(2))])
        tx.update_instance(
            InstanceUpdate(
                id=iid, state={"n": 2}, status="active", expected_version=1, deferred=True
            ),
            now=at(2),
        )
    with store.transaction(write=False) as tx:
        assert [e.kind for e in tx.history(iid)] == ["job_completed"]
        done = tx.get_job(job_id)
        assert done is not None and done.status == "completed"


def test_a_transaction_reads_its_own_queued_writes(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        job_id = job(tx, iid)
        tx.add_history(iid, [NewEvent("a", T0)])
        found = tx.get_job(job_id)
        assert found is not None and found.variables == {"x": 1}
        assert [e.kind for e in tx.history(iid)] == ["a"]
        inst = tx.get_instance(iid)
        assert inst is not None and inst.state == {"n": 1}


def test_a_failing_queued_write_fails_the_whole_unit(store: Store) -> None:
    with store.transaction() as tx:
        iid = start(tx)
        job_id = job(tx, iid)
    with pytest.raises(DuplicateKey), store.transaction() as tx:
        other = start(tx)
        tx.add_history(other, [NewEvent("a", T0)])
        tx.insert_job(
            NewJob(
                id=job_id,
                instance_id=other,
                element_id="task",
                element_instance_id="ei",
                type="work",
                retries=1,
            ),
            now=T0,
        )
    with store.transaction(write=False) as tx:
        assert [i.id for i in tx.list_instances()] == [iid]


def test_a_read_only_transaction_that_reads_nothing_costs_nothing(backend: Backend) -> None:
    store = backend.open()
    with store.transaction(write=False):
        pass
    with store.transaction():
        pass
    with store.transaction(write=False) as tx:
        assert tx.list_instances() == []
