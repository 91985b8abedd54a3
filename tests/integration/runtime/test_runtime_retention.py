"""History retention through the engine node and `regista db prune`, and timer leases
handed back when a node stops — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from runtimekit import Database, Harness, three_services, uid

from regista.bpmn import ProcessBuilder
from regista.cli.database import db as db_command
from regista.cli.engine import engine_command
from regista.client import Client, NotFoundError
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node, NodeOptions
from regista.runtime.workers import ActivatedJob, Workers
from testkit import wait_until

pytest_plugins = ["runtimefixtures"]

THIRTY_DAYS = dt.timedelta(days=30)


def step_workers() -> Workers:
    def step(job: ActivatedJob) -> dict[str, Any]:
        return {job.element_id: True}

    return Workers({"step-a": step, "step-b": step, "step-c": step})


def with_child() -> list[ProcessBuilder]:
    child = ProcessBuilder("child").start("s").service_task("a", type="step-a").end("e")
    parent = ProcessBuilder("parent").start("s").call_activity("call", process_id="child").end("e")
    return [child, parent]


def test_the_node_removes_instances_that_ended_longer_ago_than_the_ttl(db: Database) -> None:
    h = Harness(db, step_workers(), node_options=NodeOptions(history_ttl=THIRTY_DAYS))
    h.client.deploy(three_services(), *with_child())
    h.client.deploy(ProcessBuilder("review").start("s").user_task("check").end("e"))
    old = [h.client.start("services") for _ in range(3)]
    parent = h.client.start("parent")
    h.run()
    (child,) = [i.id for i in h.client.instances(process_id="child")]
    cancelled = h.client.start("review")
    h.client.cancel(cancelled, "not needed")
    waiting = h.client.start("review")  # active all along: never removed
    h.clock.advance("P20D")
    recent = h.client.start("services")
    h.run()
    assert all(h.client.instance(i).status == "completed" for i in [*old, parent, child, recent])

    h.clock.advance("P9D")  # the old ones ended 29 days ago
    assert h.node.prune_history().instances == 0
    h.clock.advance("P1DT1S")
    pruned = h.node.prune_history()

    assert pruned.instances == 6  # three services, the parent, its child, the cancelled one
    assert pruned.history > 6 * 2 and pruned.jobs >= 3 * 3 + 1 and pruned.user_tasks == 1
    for gone in [*old, parent, child, cancelled]:
        with pytest.raises(NotFoundError):
            h.client.instance(gone)
        assert h.client.history(gone) == []
    assert h.client.instance(recent).status == "completed"
    assert h.client.instance(waiting).status == "active"
    assert len(h.client.history(recent)) > 2
    assert h.client.verify_audit() is None
    # the survivors go on as before
    h.client.complete_task(h.client.tasks()[0].id)
    assert h.client.instance(waiting).status == "completed"
    assert h.client.verify_audit() is None
    h.close()


def test_without_a_ttl_nothing_is_removed(db: Database) -> None:
    h = Harness(db, step_workers())
    h.client.deploy(three_services())
    iid = h.client.start("services")
    h.run()
    h.clock.advance("P3650D")
    assert h.node.prune_history().instances == 0
    assert h.client.instance(iid).status == "completed"
    assert h.client.prune_history(dt.timedelta(days=3651)).instances == 0
    assert h.client.prune_history(dt.timedelta(days=1), batch=1).instances == 1
    with pytest.raises(NotFoundError):
        h.client.instance(iid)
    h.close()


def test_housekeeping_prunes_in_the_background(db: Database) -> None:
    options = NodeOptions(
        history_ttl=THIRTY_DAYS,
        heartbeat=0.05,
        prune_interval=0.05,
        prune_batch=2,
        prune_pause=0.0,
        timer_poll=0.05,
    )
    h = Harness(db, step_workers(), node_options=options)
    h.client.deploy(three_services())
    ids = [h.client.start("services") for _ in range(5)]
    h.run()
    h.clock.advance("P31D")
    keep = h.client.start("services")
    h.node.start()
    try:
        wait_until(
            lambda: [i.id for i in h.client.instances(process_id="services")] == [keep],
            what="the expired instances pruned",
        )
        left = [i.id for i in h.client.instances(process_id="services")]
        assert left == [keep]
        assert h.client.wait(keep, timeout=60).status == "completed"
    finally:
        h.node.stop(grace=1)
    assert not set(ids) & set(left)
    assert h.client.verify_audit() is None
    h.close()


def test_regista_db_prune(db: Database, tmp_path: Path) -> None:
    store = db.open_store()
    clock = FakeClock("2020-01-01T09:00:00Z")  # long before the real "now" the CLI uses
    client = Client(store, clock=clock)
    client.deploy(ProcessBuilder("review").start("s").user_task("check").end("e"))
    done = [client.start("review") for _ in range(3)]
    for task in client.tasks():
        client.complete_task(task.id, by="ann")
    active = client.start("review")
    runner = CliRunner()
    url = ["--database-url", db.url]

    missing = runner.invoke(db_command, ["prune", *url], env={"REGISTA_HISTORY_TTL": ""})
    assert missing.exit_code == 1 and "--older-than P30D" in missing.output
    bad = runner.invoke(db_command, ["prune", *url, "--older-than", "P1M"])
    assert bad.exit_code == 2 and "give days" in bad.output
    dry = runner.invoke(db_command, ["prune", *url, "--older-than", "P30D", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.startswith("3 instance(s) ended before")
    assert len(client.instances()) == 4

    pruned = runner.invoke(
        db_command, ["prune", *url, "--batch", "2"], env={"REGISTA_HISTORY_TTL": "P30D"}
    )
    assert pruned.exit_code == 0, pruned.output
    assert pruned.output.startswith("removed 3 instance(s),") and "3 user task(s)" in pruned.output
    assert [i.id for i in client.instances()] == [active]
    assert not set(done) & {i.id for i in client.instances()}
    assert client.verify_audit() is None
    again = runner.invoke(
        db_command, ["prune", *url, "--older-than", "P30D", "--batch-ms", "5", "--rate", "100"]
    )
    assert again.output.startswith("removed 0 instance(s)")
    slow = runner.invoke(db_command, ["prune", *url, "--older-than", "P30D", "--rate", "0"])
    assert slow.exit_code == 2 and "--rate" in slow.output
    client.close()
    vacuumed = runner.invoke(db_command, ["vacuum", *url])
    assert vacuumed.exit_code == 0, vacuumed.output
    assert "byte(s) given back" in vacuumed.output


# -- timer leases -------------------------------------------------------------------------


def napping() -> ProcessBuilder:
    return ProcessBuilder("nap").start("s").catch("wait", duration="PT1H").end("e")


def test_a_stopping_node_hands_back_its_timer_leases(db: Database) -> None:
    clock = FakeClock("2030-01-01T09:00:00Z")
    store = db.open_store()
    client = Client(store, clock=clock)
    client.deploy(napping())
    iid = client.start("nap")
    clock.advance("PT2H")
    node = Node(client.shell, node_id=uid("node-"))
    # the node leased the timer but stops before firing it (as when SIGTERM comes between)
    (leased,) = store.claim_timers(node.node_id, now=clock(), limit=10, lease_seconds=600)
    node.start()
    assert node.stop(grace=1) >= 1
    with store.transaction(write=False) as tx:
        timer = tx.get_timer(leased.id)
    assert timer is not None and timer.lease_owner is None and timer.lease_until is None
    # another node fires it at once, not ten minutes later when the lease would run out
    other = Node(client.shell, node_id=uid("node-"))
    assert other.run_until_idle() == 1
    assert client.instance(iid).status == "completed"
    client.close()


def test_sigterm_hands_back_job_and_timer_leases(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    overdue = (
        ProcessBuilder("overdue").start("s").catch("wait", date="2001-01-01T00:00:00Z").end("e")
    )
    client.deploy(overdue, ProcessBuilder("slow").start("s").service_task("w", type="x").end("e"))
    nap = client.start("overdue")
    work = client.start("slow")
    node_id = uid("engine-")
    now = dt.datetime.now(dt.UTC)
    (timer,) = store.claim_timers(node_id, now=now, limit=10, lease_seconds=3600)
    (job,) = store.claim_jobs(["x"], node_id, limit=10, lease_seconds=3600, now=now)
    env = {**os.environ, "REGISTA_DATABASE_URL": db.url}
    engine = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regista.cli.main",
            "engine",
            "--node-id",
            node_id,
            "--history-ttl",
            "P30D",
        ],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert engine.stderr is not None
        first = engine.stderr.readline()
        assert f"regista engine {node_id}" in first, first
        wait_until(lambda: [n for n in store.nodes() if n.id == node_id], what="registered")
        engine.send_signal(signal.SIGTERM)
        _, err = engine.communicate(timeout=30)
    finally:
        if engine.poll() is None:
            engine.kill()
    assert engine.returncode == 0, err
    assert "Traceback" not in err
    assert "stopped (2 lease(s) handed back)" in err, err
    with store.transaction(write=False) as tx:
        after_timer = tx.get_timer(timer.id)
        after_job = tx.get_job(job.id)
    assert after_timer is not None and after_timer.lease_owner is None
    assert after_job is not None and after_job.status == "ready" and after_job.lease_owner is None
    assert client.instance(nap).status == "active" and client.instance(work).status == "active"
    client.close()


def test_the_engine_refuses_a_bad_history_ttl(db: Database) -> None:
    result = CliRunner().invoke(
        engine_command, ["--database-url", db.url, "--history-ttl", "a month"]
    )
    assert result.exit_code == 2 and "ISO 8601 duration such as P30D" in result.output
