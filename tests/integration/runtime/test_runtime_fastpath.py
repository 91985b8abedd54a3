"""The runtime's fast path: jobs a report creates go straight to the executor that made
them, and starts use the latest version remembered without reading it — each checked, on
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from runtimekit import Database, Harness, three_services, uid

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node
from regista.runtime.workers import ActivatedJob, Workers, WorkResult
from regista.store import CorruptState, Job, Outcome

pytest_plugins = ["runtimefixtures"]


class Taker:
    """A `JobTaker` that records what it is handed."""

    def __init__(self, wanted: set[str], worker_id: str = "taker-1") -> None:
        self.wanted = wanted
        self.worker_id = worker_id
        self.lease = 30.0
        self.jobs: list[Job] = []

    def wants(self, job_type: str, pending: int = 0) -> bool:
        return job_type in self.wanted

    def taken(self, jobs: Sequence[Job]) -> None:
        self.jobs.extend(jobs)


def step(job: ActivatedJob) -> dict[str, Any]:
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
        done = WorkResult("completed", {"a": 1})
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
        done = WorkResult("completed", {"a": 1})
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
    node.start()
    try:
        for iid in ids:
            assert client.wait(iid, timeout=60).status == "completed"
    finally:
        node.stop(grace=5)
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
        here.deploy(ProcessBuilder("p").start("s").end("e"))
        first = here.start("p")
        second = here.start("p")  # on the version remembered, checked by the insert
        there.deploy(ProcessBuilder("p").start("s").user_task("review").end("e"))
        third = here.start("p")
        assert [here.instance(i).status for i in (first, second, third)] == [
            "completed",
            "completed",
            "active",
        ]
        with here.store.transaction(write=False) as tx:
            rows = [tx.get_instance(i) for i in (first, second, third)]
            definitions = [tx.get_definition(row.definition_id) for row in rows if row]
        assert [d.version for d in definitions if d] == [1, 1, 2]
    finally:
        here.close()
        there.close()


def _corrupt(db: Database, instance_id: str) -> None:
    if db.kind == "sqlite":
        db.execute("UPDATE instances SET state = '{\"version\": 1}' WHERE id = ?", [instance_id])
    else:
        db.execute(
            "UPDATE instances SET state = '{\"version\": 1}'::jsonb WHERE id = %s", [instance_id]
        )


def test_reports_of_one_worker_are_applied_in_one_transaction(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(three_services())
        ids = [h.client.start("services") for _ in range(3)]
        jobs = h.store.claim_jobs(
            ["step-a"], "taker-1", limit=5, lease_seconds=30, now=h.client.shell.now()
        )
        assert len(jobs) == 3
        taker = Taker({"step-b"})
        done = WorkResult("completed", {"a": 1})
        reports = [(job, done) for job in jobs] + [(jobs[0], done)]  # the last is a repeat
        outcomes = h.client.shell.report_many(reports, "taker-1", taker=taker)
        assert outcomes == [Outcome.APPLIED] * 3 + [Outcome.DUPLICATE]
        # each instance moved on once, and its follow-up job went to the taker
        assert sorted(j.instance_id for j in taker.jobs) == sorted(ids)
        for iid in ids:
            assert h.kinds(iid).count("job_completed") == 1
            assert h.client.instance(iid).variables == {"a": 1}
        assert h.store.verify_chain() is None
    finally:
        h.close()


def test_a_batch_of_reports_is_all_or_nothing(db: Database) -> None:
    h = Harness(db)
    try:
        h.client.deploy(three_services())
        good, bad = h.client.start("services"), h.client.start("services")
        jobs = h.store.claim_jobs(
            ["step-a"], "taker-1", limit=5, lease_seconds=30, now=h.client.shell.now()
        )
        _corrupt(db, bad)
        before = h.kinds(good)
        done = WorkResult("completed", {"a": 1})
        with pytest.raises(CorruptState):
            h.client.shell.report_many([(job, done) for job in jobs], "taker-1")
        # the good instance's report was rolled back with the rest: nothing half-applied
        assert h.kinds(good) == before
        with h.store.transaction(write=False) as tx:
            assert {j.status for j in tx.jobs_of_instance(good)} == {"claimed"}
    finally:
        h.close()


def test_a_running_node_isolates_the_report_that_fails_from_the_others(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(three_services())
    ids = [client.start("services") for _ in range(12)]
    _corrupt(db, ids[5])
    node = Node(
        client.shell,
        Workers({"step-a": step, "step-b": step, "step-c": step}),
        node_id=uid("node-"),
        executor=ExecutorOptions(concurrency=4, poll_interval=0.05),
    )
    others = ids[:5] + ids[6:]
    node.start()
    try:
        for iid in others:
            client.wait(iid, timeout=60)
    finally:
        node.stop(grace=5)
    assert [client.instance(i).status for i in others] == ["completed"] * len(others)
    # the corrupt instance's job alone counts a failed attempt (an incident when none is left)
    with store.transaction(write=False) as tx:
        (job,) = tx.jobs_of_instance(ids[5])
    assert job.status in ("ready", "failed") and job.attempt >= 1
    assert "corrupt" in (job.error or "")
    client.close()


def test_every_lease_of_a_job_is_in_the_history_with_its_worker(db: Database) -> None:
    """Claims and jobs taken by the reporting executor are `job_locked` events, chained
    like the rest; a claim after a lease ran out shows the new attempt and worker."""
    h = Harness(db)
    try:
        h.client.deploy(three_services())
        iid = h.client.start("services")
        shell = h.client.shell
        (first,) = shell.claim(["step-a"], "worker-1", limit=5, lease_seconds=30)
        h.clock.advance("PT31S")  # worker-1 stalls: its lease runs out
        (again,) = shell.claim(["step-a"], "worker-2", limit=5, lease_seconds=30)
        assert (again.id, again.attempt) == (first.id, 2)
        taker = Taker({"step-b"}, worker_id="worker-2")
        done = WorkResult("completed", {"a": 1})
        assert shell.report(again, done, "worker-2", taker=taker) is Outcome.APPLIED
        assert shell.report(first, done, "worker-1") is Outcome.STALE
        events = h.history(iid)
        locks = [
            (e.actor, e.command, e.element_id, e.data["attempt"])
            for e in events
            if e.kind == "job_locked"
        ]
        assert locks == [
            ("worker-1", "ClaimJobs", "a", 1),
            ("worker-2", "ClaimJobs", "a", 2),
            ("worker-2", "CompleteJob", "b", 1),  # taken by the executor that reported
        ]
        kinds = [e.kind for e in events]
        b_created = next(
            i for i, e in enumerate(events) if e.kind == "job_created" and e.element_id == "b"
        )
        assert kinds[b_created + 1] == "job_locked"
        assert h.store.verify_chain(iid) is None
    finally:
        h.close()


def test_a_batch_applies_each_report_fully_before_the_next(db: Database) -> None:
    """A report that opens a subscription takes the kept message at once, even when the
    next report of the batch terminates the instance (as in transactions of their own)."""
    h = Harness(db)
    try:
        h.client.deploy(
            ProcessBuilder("race")
            .start("start")
            .parallel_gateway("fork")
            .service_task("a", type="step-a")
            .receive_task("wait", message="msg", correlation_key="=k")
            .end("got")
            .move_to("fork")
            .service_task("b", type="step-b")
            .end("stop", terminate=True)
        )
        iid = h.client.start("race", {"k": "k1"})
        h.client.correlate("msg", "k1", {"m": 1}, ttl=dt.timedelta(hours=1))  # kept
        jobs = h.client.shell.claim(["step-a", "step-b"], "w", limit=5, lease_seconds=30)
        by_element = {j.element_id: j for j in jobs}
        done = WorkResult("completed", {})
        reports = [(by_element["a"], done), (by_element["b"], done)]
        assert h.client.shell.report_many(reports, "w") == [Outcome.APPLIED] * 2
        kinds = h.kinds(iid)
        assert "message_correlated" in kinds
        assert kinds.index("message_correlated") < kinds.index("instance_ended")
        assert h.client.instance(iid).variables.get("m") == 1
    finally:
        h.close()


def test_a_batch_takes_no_more_jobs_than_the_executor_has_room_for(db: Database) -> None:
    class Room(Taker):
        def wants(self, job_type: str, pending: int = 0) -> bool:
            return job_type in self.wanted and len(self.jobs) + pending < 2

    h = Harness(db)
    try:
        h.client.deploy(three_services())
        for _ in range(4):
            h.client.start("services")
        jobs = h.client.shell.claim(["step-a"], "taker-1", limit=5, lease_seconds=30)
        taker = Room({"step-b"})
        done = WorkResult("completed", {})
        h.client.shell.report_many([(j, done) for j in jobs], "taker-1", taker=taker)
        assert len(taker.jobs) == 2  # the other two step-b jobs are left for any node
        ready = h.store.claim_jobs(
            ["step-b"], "other", limit=5, lease_seconds=30, now=h.client.shell.now()
        )
        assert len(ready) == 2
    finally:
        h.close()
