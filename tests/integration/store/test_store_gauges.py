"""`Store.gauges`: what runs now, counted for metrics at scrape time, on memory, SQLite and
PostgreSQL alike."""

from __future__ import annotations

from storekit import T0, at, uid

from regista.store import (
    InstanceUpdate,
    NewIncident,
    NewInstance,
    NewJob,
    NewSubscription,
    NewTimer,
    NewUserTask,
    Store,
    Transaction,
)

pytest_plugins = ["storefixtures"]


def start(tx: Transaction, process_id: str) -> str:
    definition = tx.latest_definition(process_id)
    if definition is None:
        definition, _ = tx.deploy_definition(process_id, f"<{process_id}/>", now=T0)
    instance_id = uid("i-")
    tx.insert_instance(
        NewInstance(id=instance_id, definition_id=definition.id, process_id=process_id, state={}),
        now=T0,
    )
    return instance_id


def add_job(tx: Transaction, instance_id: str, job_type: str, due: int, element: str) -> str:
    job_id = uid("j-")
    new = NewJob(
        id=job_id,
        instance_id=instance_id,
        element_id=element,
        element_instance_id=uid("ei-"),
        type=job_type,
        retries=3,
        due_at=at(due),
    )
    tx.insert_job(new, now=T0)
    return job_id


def test_an_empty_store_counts_nothing(store: Store) -> None:
    gauges = store.gauges(at(0))
    assert (gauges.instances, gauges.tokens, gauges.jobs, gauges.incidents) == ({}, {}, {}, {})


def test_gauges_count_running_work_by_process_element_and_type(store: Store) -> None:
    with store.transaction() as tx:
        a1, a2 = start(tx, "order"), start(tx, "order")
        b1 = start(tx, "claim")
        done = start(tx, "order")
        add_job(tx, a1, "charge", 10, "pay")
        add_job(tx, a2, "charge", 20, "pay")
        add_job(tx, a2, "charge", 500, "pay")  # not due yet: a token, but not in the queue
        add_job(tx, b1, "regista:publish", 5, "claim")  # the outbox: queued, no token
        tx.insert_user_task(
            NewUserTask(
                id=uid("t-"), instance_id=b1, element_id="review", element_instance_id="ei-r"
            ),
            now=T0,
        )
        tx.insert_timer(
            NewTimer(
                id=uid("tm-"),
                instance_id=a1,
                element_id="wait",
                element_instance_id="ei-w",
                due_at=at(60),
            ),
            now=T0,
        )
        tx.insert_timer(  # a timer start event: no instance, no token
            NewTimer(
                id=uid("tm-"),
                instance_id="",
                element_id="every-day",
                element_instance_id="def",
                due_at=at(60),
            ),
            now=T0,
        )
        tx.insert_subscription(
            NewSubscription(
                id=uid("s-"),
                instance_id=b1,
                kind="message",
                name="paid",
                correlation_key="k",
                element_id="await-payment",
                element_instance_id="ei-s",
            ),
            now=T0,
        )
        tx.insert_incident(
            NewIncident(
                id=uid("x-"),
                instance_id=b1,
                message="boom",
                element_id="decide",
                error_type="CONDITION_ERROR",
            ),
            now=T0,
        )
        resolved = uid("x-")
        tx.insert_incident(
            NewIncident(id=resolved, instance_id=a1, message="old", element_id="pay"), now=T0
        )
        tx.resolve_incident(resolved, now=T0)
        ended = tx.lock_instance(done)
        update = InstanceUpdate(
            id=done, state={}, status="completed", expected_version=ended.version, ended_at=T0
        )
        tx.update_instance(update, now=T0)
        tx.update_instance(
            InstanceUpdate(id=b1, state={}, status="incident", expected_version=1), now=T0
        )

    gauges = store.gauges(at(30))

    assert gauges.instances == {("order", "active"): 2, ("claim", "incident"): 1}
    assert gauges.tokens == {
        ("order", "pay"): 3,
        ("order", "wait"): 1,
        ("claim", "review"): 1,
        ("claim", "await-payment"): 1,
        ("claim", "decide"): 1,
    }
    assert gauges.jobs == {"charge": (2, at(10)), "regista:publish": (1, at(5))}
    assert gauges.incidents == {("claim", "CONDITION_ERROR"): 1}


def test_claimed_and_completed_jobs_leave_the_queue(store: Store) -> None:
    with store.transaction() as tx:
        instance_id = start(tx, "order")
        first = add_job(tx, instance_id, "charge", 0, "pay")
        add_job(tx, instance_id, "charge", 1, "pay")
    claimed = store.claim_jobs(["charge"], "w", limit=1, lease_seconds=60, now=at(5))
    assert [job.id for job in claimed] == [first]
    assert store.gauges(at(5)).jobs == {"charge": (1, at(1))}
    assert store.gauges(at(5)).tokens == {("order", "pay"): 2}
    # a lease that ran out (a dead worker) puts the job back in the queue, waiting since then
    assert store.gauges(at(70)).jobs == {"charge": (2, at(1))}
    with store.transaction() as tx:
        tx.complete_job(first, 1, now=at(6))
    assert store.gauges(at(6)).tokens == {("order", "pay"): 1}


def test_a_lapsed_lease_waits_since_its_end(store: Store) -> None:
    with store.transaction() as tx:
        instance_id = start(tx, "order")
        add_job(tx, instance_id, "charge", 0, "pay")
    store.claim_jobs(["charge"], "w", limit=1, lease_seconds=60, now=at(5))
    assert store.gauges(at(64)).jobs == {}
    assert store.gauges(at(65)).jobs == {"charge": (1, at(65))}
