"""The runtime's fast path: jobs a report creates go straight to the executor that made
them, and starts use the latest version remembered without reading it — each checked, on
SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from runtimekit import Database, Harness, three_services, uid

from regista.bpmn import Process
from regista.client import Client
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node
from regista.runtime.workers import Job as WorkerJob
from regista.runtime.workers import Outcome as WorkOutcome
from regista.runtime.workers import Workers
from regista.store import Job, Outcome

pytest_plugins = ["runtimefixtures"]


class Taker:
    """A `JobTaker` that records what it is handed."""

    def __init__(self, wanted: set[str], worker_id: str = "taker-1") -> None:
        self.wanted = wanted
        self.worker_id = worker_id
        self.lease = 30.0
        self.jobs: list[Job] = []

    def wants(self, job_type: str) -> bool:
        return job_type in self.wanted

    def taken(self, jobs: Sequence[Job]) -> None:
        self.jobs.extend(jobs)


def step(job: WorkerJob) -> dict[str, Any]:
    return {job.element_id: True}


def test_a_report_hands_the_next_job_to_the_executor_that_wants_it(db: Database) -> None:
    h = Harness(db, Workers({"step-c": step}))
    try:
        h.client.deploy(three_services())
        iid = h.client.start("services")
        (first,) = h.store.claim_jobs(
            ["step-a"], "taker-1", limit=5, lease_seconds=30, now=h.client.shell.now()
        )
        taker = Taker({"step-b"})
        done = WorkOutcome("completed", {"a": 1})
        assert h.client.shell.report(first, done, "taker-1", taker=taker) is Outcome.APPLIED
        (taken,) = taker.jobs
        assert (taken.type, taken.attempt, taken.status, taken.lease_owner) == (
            "step-b",
            1,
            "claimed",
            "taker-1",
        )
        with h.store.transaction(write=False) as tx:
            row = tx.get_job(taken.id)
        assert row is not None
        assert (row.status, row.attempt, row.lease_owner, row.variables) == (
            "claimed",
            1,
            "taker-1",
            taken.variables,
        )
        # nobody else can claim it while the lease holds; the taker reports it as usual
        assert (
            h.store.claim_jobs(
                ["step-b"], "other", limit=5, lease_seconds=30, now=h.client.shell.now()
            )
            == []
        )
        assert h.client.shell.report(taken, done, "taker-1", taker=taker) is Outcome.APPLIED
        # step-c is not wanted: it is left ready for any node
        assert len(taker.jobs) == 1
        assert h.run() == 1
        assert h.client.instance(iid).status == "completed"
        assert "job_created" in h.kinds(iid)
        assert h.store.verify_chain(iid) is None
    finally:
        h.close()


def test_a_repeated_report_hands_nothing_over(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(three_services())
        h.client.start("services")
        (first,) = h.store.claim_jobs(
            ["step-a"], "taker-1", limit=5, lease_seconds=30, now=h.client.shell.now()
        )
        taker = Taker({"step-b"})
        done = WorkOutcome("completed", {"a": 1})
        assert h.client.shell.report(first, done, "taker-1", taker=taker) is Outcome.APPLIED
        # a second report of the same attempt changes nothing and takes nothing
        assert h.client.shell.report(first, done, "taker-1", taker=taker) is Outcome.DUPLICATE
        assert len(taker.jobs) == 1
    finally:
        h.close()


def test_a_running_node_runs_the_jobs_it_takes(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(three_services())
    ids = [client.start("services") for _ in range(20)]
    claimed: list[int] = []
    real_claim = store.claim_jobs

    def counting_claim(*args: Any, **kwargs: Any) -> list[Job]:
        jobs = real_claim(*args, **kwargs)
        claimed.append(len(jobs))
        return jobs

    store.claim_jobs = counting_claim  # type: ignore[method-assign]
    node = Node(
        client.shell,
        Workers({"step-a": step, "step-b": step, "step-c": step}),
        node_id=uid("node-"),
        executor=ExecutorOptions(concurrency=4, poll_interval=0.05),
    )
    finished = threading.Event()
    node.start()
    try:
        for _ in range(200):
            if all(client.instance(i).status == "completed" for i in ids):
                finished.set()
                break
            finished.wait(0.05)
    finally:
        node.stop(grace=5)
    assert finished.is_set()
    # 60 jobs ran; those after the first of each instance were mostly taken, not claimed
    assert sum(claimed) < 60
    with store.transaction(write=False) as tx:
        for iid in ids:
            jobs = tx.jobs_of_instance(iid)
            assert [j.status for j in jobs] == ["completed"] * 3
    assert store.verify_chain() is None
    client.close()


def test_a_start_notices_a_version_deployed_elsewhere(db: Database) -> None:
    here, there = Client(db.open_store()), Client(db.open_store())
    try:
        here.deploy(Process("p").start("s").end("e"))
        first = here.start("p")
        second = here.start("p")  # on the version remembered, checked by the insert
        there.deploy(Process("p").start("s").user_task("review").end("e"))
        third = here.start("p")
        assert [here.instance(i).status for i in (first, second, third)] == [
            "completed",
            "completed",
            "active",
        ]
        with here.store.transaction(write=False) as tx:
            versions = [tx.get_instance(i) for i in (first, second, third)]
        assert [v.definition_id.split(":")[1] for v in versions if v] == ["1", "1", "2"]
    finally:
        here.close()
        there.close()
