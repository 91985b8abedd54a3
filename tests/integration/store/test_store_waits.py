"""What instances wait for: timers, message/signal subscriptions, buffered messages, user
tasks, and incidents."""

from __future__ import annotations

import threading

from storekit import T0, Backend, at, uid

from regista.store import (
    BufferedMessage,
    NewIncident,
    NewMessage,
    NewSubscription,
    NewTimer,
    NewUserTask,
    Outcome,
    Store,
)

pytest_plugins = ["storefixtures"]


def add_timer(store: Store, timer_id: str, due: int, repeat: str | None = None) -> None:
    with store.transaction() as tx:
        tx.insert_timer(
            NewTimer(
                id=timer_id,
                instance_id="i-1",
                element_id="wait",
                element_instance_id=f"ei-{timer_id}",
                due_at=at(due),
                repeat=repeat,
            ),
            now=T0,
        )


def test_due_timers_oldest_first(store: Store) -> None:
    add_timer(store, "late", 30)
    add_timer(store, "early", 10, repeat="R5/PT10M")
    add_timer(store, "later", 3600)
    assert store.next_timer_due() == at(10)
    assert store.due_timers(at(9), 10) == []
    due = store.due_timers(at(30), 10)
    assert [t.id for t in due] == ["early", "late"]
    assert due[0].repeat == "R5/PT10M" and due[0].due_at == at(10)
    assert [t.id for t in store.due_timers(at(30), 1)] == ["early"]


def test_take_timer_fires_once_and_cancel(store: Store) -> None:
    add_timer(store, "t1", 10)
    add_timer(store, "t2", 10)
    with store.transaction() as tx:
        fired = tx.take_timer("t1")
        assert fired is not None and fired.element_id == "wait"
        assert tx.take_timer("t1") is None
        assert tx.cancel_timer("t2") is True
        assert tx.cancel_timer("t2") is False
    assert store.due_timers(at(100), 10) == []
    assert store.next_timer_due() is None


def test_claimed_timers_are_leased(store: Store) -> None:
    for i in range(4):
        add_timer(store, f"t{i}", i)
    first = store.claim_timers("n1", now=at(10), limit=3, lease_seconds=30)
    assert [t.id for t in first] == ["t0", "t1", "t2"]
    assert all(t.lease_owner == "n1" and t.lease_until == at(40) for t in first)
    second = store.claim_timers("n2", now=at(10), limit=10, lease_seconds=30)
    assert [t.id for t in second] == ["t3"]
    assert store.claim_timers("n2", now=at(39), limit=10, lease_seconds=30) == []
    again = store.claim_timers("n2", now=at(40), limit=10, lease_seconds=30)
    assert [t.id for t in again] == ["t0", "t1", "t2", "t3"]


def subscribe(
    store: Store, sub_id: str, name: str, key: str | None, kind: str = "message", t: int = 0
) -> None:
    with store.transaction() as tx:
        tx.insert_subscription(
            NewSubscription(
                id=sub_id,
                instance_id=f"i-{sub_id}",
                kind="message" if kind == "message" else "signal",
                name=name,
                correlation_key=key,
                element_id="catch",
                element_instance_id=f"ei-{sub_id}",
            ),
            now=at(t),
        )


def test_subscriptions_by_name_and_key(store: Store) -> None:
    subscribe(store, "s1", "payment-received", "order-1", t=0)
    subscribe(store, "s2", "payment-received", "order-1", t=1)
    subscribe(store, "s3", "payment-received", "order-2", t=2)
    subscribe(store, "s4", "start-order", None, t=3)
    subscribe(store, "g1", "alarm", None, kind="signal", t=4)
    subscribe(store, "g2", "alarm", None, kind="signal", t=5)
    with store.transaction() as tx:
        found = tx.find_subscription("payment-received", ("order-1",))
        assert found is not None and found.id == "s1" and found.instance_id == "i-s1"
        other = tx.find_subscription("payment-received", ("order-2",))
        assert other is not None and other.id == "s3"
        assert tx.find_subscription("payment-received", ("order-3",)) is None
        keyless = tx.find_subscription("start-order", (None,))
        assert keyless is not None and keyless.correlation_key is None
        assert tx.find_subscription("alarm", (None,)) is None  # signals are not messages
        assert [s.id for s in tx.signal_subscriptions("alarm")] == ["g1", "g2"]
        assert tx.delete_subscription("s1") is True
        assert tx.delete_subscription("s1") is False
        next_one = tx.find_subscription("payment-received", ("order-1",))
        assert next_one is not None and next_one.id == "s2"
        assert [s.id for s in tx.subscriptions_of_instance("i-s2")] == ["s2"]
        sub = tx.get_subscription("s3")
        assert sub is not None and sub.kind == "message" and sub.element_instance_id == "ei-s3"


def buffer(store: Store, name: str, key: str | None, t: int, ttl: int) -> BufferedMessage:
    with store.transaction() as tx:
        return tx.buffer_message(
            NewMessage(
                id=uid("m-"),
                name=name,
                correlation_key=key,
                variables={"amount": 10, "t": t},
                expires_at=at(t + ttl),
            ),
            now=at(t),
        )


def test_buffered_message_is_consumed_once_within_its_ttl(store: Store) -> None:
    first = buffer(store, "paid", "o-1", t=0, ttl=60)
    second = buffer(store, "paid", "o-1", t=1, ttl=60)
    buffer(store, "paid", "o-2", t=2, ttl=60)
    with store.transaction() as tx:
        got = tx.take_message("paid", ("o-1",), consumer="i-A", now=at(10))
        assert got is not None and got.id == first.id
        assert (got.consumed_by, got.consumed_at, got.variables) == ("i-A", at(10), first.variables)
        got2 = tx.take_message("paid", ("o-1",), consumer="i-B", now=at(10))
        assert got2 is not None and got2.id == second.id
        assert tx.take_message("paid", ("o-1",), consumer="i-C", now=at(10)) is None
        stored = tx.get_message(first.id)
        assert stored is not None and stored.consumed_by == "i-A"
    with store.transaction() as tx:
        assert tx.take_message("paid", ("o-2",), consumer="late", now=at(62)) is None
    assert store.purge_messages(now=at(62), limit=10) == 3
    with store.transaction(write=False) as tx:
        assert tx.get_message(first.id) is None


def test_keyless_messages_and_ttl_boundary(store: Store) -> None:
    msg = buffer(store, "ping", None, t=0, ttl=5)
    assert msg.correlation_key is None
    with store.transaction() as tx:
        assert tx.take_message("ping", (None,), consumer="x", now=at(5)) is None
        assert tx.take_message("ping", (None,), consumer="x", now=at(4)) is not None


def test_consume_is_rolled_back_with_its_unit(store: Store) -> None:
    buffer(store, "paid", "o-1", t=0, ttl=60)
    try:
        with store.transaction() as tx:
            assert tx.take_message("paid", ("o-1",), consumer="i-A", now=at(1)) is not None
            raise ValueError("step failed")
    except ValueError:
        pass
    with store.transaction() as tx:
        got = tx.take_message("paid", ("o-1",), consumer="i-B", now=at(2))
        assert got is not None and got.consumed_by == "i-B"


def test_concurrent_consumers_one_winner(backend: Backend) -> None:
    store = backend.open()
    buffer(store, "paid", "o-1", t=0, ttl=60)
    stores = [store] if backend.name == "memory" else [backend.open() for _ in range(3)]
    winners: list[str] = []
    barrier = threading.Barrier(len(stores) * 2)
    lock = threading.Lock()

    def consume(n: int) -> None:
        mine = stores[n % len(stores)]
        barrier.wait(5)
        with mine.transaction() as tx:
            got = tx.take_message("paid", ("o-1",), consumer=f"c{n}", now=at(1))
        if got is not None:
            with lock:
                winners.append(f"c{n}")

    threads = [threading.Thread(target=consume, args=(n,)) for n in range(len(stores) * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(winners) == 1


def test_user_tasks(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_user_task(
            NewUserTask(
                id="u1",
                instance_id="i-1",
                element_id="approve",
                element_instance_id="ei-1",
                name="Approve invoice",
                candidate_users=["ann"],
                candidate_groups=["finance", "managers"],
                due_at=at(86400),
                form_key="forms/approve",
                variables={"amount": 1200},
            ),
            now=T0,
        )
        tx.insert_user_task(
            NewUserTask(
                id="u2",
                instance_id="i-2",
                element_id="approve",
                element_instance_id="ei-2",
                assignee="bob",
            ),
            now=at(1),
        )
    with store.transaction() as tx:
        task = tx.get_user_task("u1")
        assert task is not None
        assert task.candidate_groups == ("finance", "managers")
        assert task.candidate_users == ("ann",)
        assert (task.due_at, task.form_key, task.variables) == (
            at(86400),
            "forms/approve",
            {"amount": 1200},
        )
        assert [t.id for t in tx.list_open_user_tasks(candidate_group="finance")] == ["u1"]
        assert [t.id for t in tx.list_open_user_tasks(candidate_user="ann")] == ["u1"]
        assert [t.id for t in tx.list_open_user_tasks(assignee="bob")] == ["u2"]
        assert [t.id for t in tx.list_open_user_tasks()] == ["u1", "u2"]
        assert tx.list_open_user_tasks(candidate_group="sales") == []
        assert tx.assign_user_task("u1", "ann") is True
        assert [t.id for t in tx.list_open_user_tasks(assignee="ann")] == ["u1"]
    with store.transaction() as tx:
        assert tx.complete_user_task("u1", by="ann", now=at(5)) is Outcome.APPLIED
        assert tx.complete_user_task("u1", by="ann", now=at(6)) is Outcome.DUPLICATE
        assert tx.cancel_user_task("u2", now=at(6)) is True
        assert tx.complete_user_task("u2", by="bob", now=at(7)) is Outcome.STALE
        assert tx.complete_user_task("u9", by="bob", now=at(7)) is Outcome.MISSING
        done = tx.get_user_task("u1")
        assert done is not None and (done.status, done.completed_by, done.completed_at) == (
            "completed",
            "ann",
            at(5),
        )
        assert tx.list_open_user_tasks() == []


def test_incidents(store: Store) -> None:
    with store.transaction() as tx:
        tx.insert_incident(
            NewIncident(
                id="inc-1",
                instance_id="i-1",
                message="no retries left: HTTP 500",
                element_id="charge",
                element_instance_id="ei-1",
                job_id="j-1",
                error_type="JOB_NO_RETRIES",
            ),
            now=T0,
        )
        tx.insert_incident(
            NewIncident(id="inc-2", instance_id="i-2", message="bad expression"), now=at(1)
        )
    with store.transaction() as tx:
        assert [i.id for i in tx.list_open_incidents()] == ["inc-1", "inc-2"]
        assert [i.id for i in tx.list_open_incidents(instance_id="i-2")] == ["inc-2"]
        assert tx.resolve_incident("inc-1", now=at(2)) is True
        assert tx.resolve_incident("inc-1", now=at(3)) is False
        incident = tx.get_incident("inc-1")
        assert incident is not None and incident.resolved_at == at(2)
        assert incident.job_id == "j-1"
        assert incident.error_type == "JOB_NO_RETRIES"
        other = tx.get_incident("inc-2")
        assert other is not None and other.error_type == "UNKNOWN", "the default type"
        assert [i.id for i in tx.list_open_incidents()] == ["inc-2"]
