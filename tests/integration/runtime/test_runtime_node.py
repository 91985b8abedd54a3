"""Engine nodes: restarts, the threaded executor and scheduler, graceful stop, timeouts,
heartbeats, and one node per SQLite file — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from runtimekit import Database, Harness, three_services, uid

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.clock import FakeClock
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node, NodeOptions
from regista.runtime.wakeup import CHANNEL
from regista.runtime.workers import ActivatedJob, Workers
from regista.store import NodeLockError
from testkit import wait_until

pytest_plugins = ["runtimefixtures"]


def simple_workers() -> Workers:
    def step(job: ActivatedJob) -> dict[str, Any]:
        return {job.element_id: True}

    return Workers({"step-a": step, "step-b": step, "step-c": step})


def test_a_new_node_on_the_same_database_continues_where_the_last_one_stopped(
    db: Database,
) -> None:
    clock = FakeClock("2030-01-01T09:00:00Z")
    process = (
        ProcessBuilder("restart")
        .start("start")
        .service_task("a", type="step-a")
        .catch("wait", duration="PT1H")
        .service_task("b", type="step-b")
        .end("end")
    )
    first = Harness(db, simple_workers(), clock=clock)
    first.client.deploy(process)
    ids = [first.client.start("restart") for _ in range(3)]
    first.run()
    assert all(first.client.instance(i).active == ["wait"] for i in ids)
    first.close()
    for store in db.stores:
        store.close()
    db.stores.clear()
    clock.advance("PT3H")  # everything was down when the timers came due
    second = Harness(db, simple_workers(), clock=clock)
    second.run()
    for iid in ids:
        info = second.client.instance(iid)
        assert info.status == "completed" and info.variables == {"a": True, "b": True}
    assert second.client.verify_audit() is None
    second.close()


def test_a_threaded_node_runs_jobs_and_timers_on_its_own(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(three_services())
    client.deploy(ProcessBuilder("nap").start("s").catch("t", duration="PT0.3S").end("e"))
    node = Node(
        store,
        simple_workers(),
        node_id=uid("node-"),
        executor=ExecutorOptions(concurrency=4, poll_interval=0.1),
        node=NodeOptions(timer_poll=0.1),
    )
    node.start()
    try:
        ids = [client.start("services") for _ in range(20)]
        nap = client.start("nap")
        # how fast is a figure of benchmarks/durable_bench.py (node throughput, timer lateness)
        for iid in ids:
            assert client.wait(iid, timeout=60).status == "completed"
        info = client.wait(nap, timeout=60)
        assert info.status == "completed"
        assert [n.id for n in store.nodes()] == [node.node_id]
    finally:
        node.stop(grace=5)
    assert store.nodes() == []
    client.close()


def test_stopping_finishes_running_jobs_and_hands_back_the_others(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(ProcessBuilder("slow").start("s").service_task("w", type="slow").end("e"))
    release = threading.Event()
    entered = threading.Event()

    def slow(job: ActivatedJob) -> dict[str, Any]:
        entered.set()
        release.wait(60)
        return {"done": True}

    node = Node(
        store,
        Workers({"slow": slow}),
        node_id=uid("node-"),
        executor=ExecutorOptions(concurrency=1, poll_interval=0.05, batch=1),
    )
    node.start()
    finished = client.start("slow")
    assert entered.wait(30)
    waiting = client.start("slow")
    wait_until(lambda: node.executor.busy == 2, what="the second job claimed and queued")

    def release_once_the_queued_job_is_handed_back() -> None:
        wait_until(lambda: node.executor.busy < 2, what="stop handing back the queued job")
        release.set()

    # stop hands the queued job back at once, then the running one finishes within the grace
    threading.Thread(target=release_once_the_queued_job_is_handed_back, daemon=True).start()
    node.stop(grace=60)
    assert client.instance(finished).status == "completed"
    assert client.instance(waiting).status == "active"
    with store.transaction(write=False) as tx:
        (job,) = [j for j in tx.jobs_of_instance(waiting) if j.type == "slow"]
    assert job.status == "ready" and job.lease_owner is None
    other = Node(store, Workers({"slow": lambda job: {"done": True}}), node_id=uid("node-"))
    other.run_until_idle()
    assert client.instance(waiting).status == "completed"
    client.close()


def test_a_hung_worker_times_out_and_the_attempt_fails(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(
        ProcessBuilder("hang").start("s").service_task("w", type="hang", retries=1).end("e")
    )
    stuck = threading.Event()

    def hang(job: ActivatedJob) -> None:
        stuck.wait(10)

    node = Node(
        store,
        Workers({"hang": hang}),
        node_id=uid("node-"),
        executor=ExecutorOptions(concurrency=1, timeout=0.3, lease=0.9, poll_interval=0.05),
    )
    node.start()
    try:
        iid = client.start("hang")
        info = client.wait(iid, timeout=10, statuses=("incident",))
        assert "did not finish within 0.3 s" in info.incidents[0].message
    finally:
        stuck.set()
        node.stop(grace=1)
    client.close()


def test_heartbeats_keep_the_lease_of_a_long_job(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(ProcessBuilder("long").start("s").service_task("w", type="long").end("e"))
    calls: list[str] = []
    lease = dt.timedelta(seconds=0.3)

    def lease_until(job_id: str) -> dt.datetime:
        with store.transaction(write=False) as tx:
            record = tx.get_job(job_id)
        assert record is not None and record.lease_until is not None
        return record.lease_until

    def long(job: ActivatedJob) -> dict[str, Any]:
        calls.append(job.id)
        # work until heartbeats carried the lease three leases beyond where it first ended
        first = lease_until(job.id)
        wait_until(lambda: lease_until(job.id) >= first + 3 * lease, what="heartbeats")
        return {}

    options = ExecutorOptions(concurrency=2, lease=lease.total_seconds(), poll_interval=0.05)
    nodes = [
        Node(store, Workers({"long": long}), node_id=uid("node-"), executor=options)
        for _ in range(2 if db.kind == "postgres" else 1)
    ]
    for node in nodes[:1]:
        node.start()
    try:
        iid = client.start("long")
        if len(nodes) > 1:
            wait_until(lambda: calls, what="the first node running the job")
            nodes[1].start()  # would take the job over if its lease ran out
        assert client.wait(iid, timeout=60).status == "completed"
        assert len(calls) == 1
    finally:
        for node in nodes:
            node.stop(grace=1)
    client.close()


def test_sqlite_serves_one_node(db: Database) -> None:
    if db.kind != "sqlite":
        pytest.skip("PostgreSQL serves many nodes")
    first = Node(db.open_store(), node_id="one")
    second = Node(db.open_store(), node_id="two")
    first.start()
    try:
        with pytest.raises(NodeLockError, match="node"):
            second.start()
    finally:
        first.stop()
    second.start()  # the first one let go
    second.stop()


def test_work_committed_elsewhere_wakes_a_postgres_node_through_notify(db: Database) -> None:
    if db.kind != "postgres":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    node = Node(
        db.open_store(),
        simple_workers(),
        node_id=uid("node-"),
        executor=ExecutorOptions(poll_interval=3600.0),  # it never polls in this test
        node=NodeOptions(timer_poll=3600.0),
    )
    ((since,),) = db.execute("SELECT clock_timestamp()")
    node.start()
    client = Client(db.open_store())  # its own shell: only NOTIFY reaches the node
    try:
        client.deploy(three_services())
        wait_until(
            lambda: db.execute(
                "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                "AND query = %s AND state = 'idle' AND backend_start >= %s",
                [f"LISTEN {CHANNEL}", since],
            ),
            what="the node listening",
        )
        # The node looked for jobs once when it started; the second instance's job is
        # committed after that claim for certain, and only a notification brings it.
        for _ in range(2):
            iid = client.start("services")
            assert client.wait(iid, timeout=60).status == "completed"
    finally:
        node.stop(grace=1)
        client.close()
