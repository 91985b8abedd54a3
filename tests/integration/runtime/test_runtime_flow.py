"""Instances run through the durable runtime: workers, user tasks, versions, idempotent
starts and the audit trail — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from runtimekit import Database, Harness, approval, three_services

from regista.bpmn import ProcessBuilder
from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.workers import ActivatedJob, Workers

pytest_plugins = ["runtimefixtures"]


def counting_workers(calls: Counter[str]) -> Workers:
    workers = Workers()

    def handler(job: ActivatedJob) -> dict[str, Any]:
        calls[job.type] += 1
        return {job.element_id: job.variables.get("n", 0) + 1}

    for job_type in ("step-a", "step-b", "step-c"):
        workers.register(job_type, handler)
    return workers


def test_service_tasks_are_done_by_in_process_workers(db: Database) -> None:
    calls: Counter[str] = Counter()
    h = Harness(db, counting_workers(calls))
    h.client.deploy(three_services())
    iid = h.client.start("services", {"n": 1}, business_key="order-1")
    assert h.client.instance(iid).active == ["a"]
    h.run()
    info = h.client.instance(iid)
    assert info.status == "completed"
    assert info.variables == {"n": 1, "a": 2, "b": 2, "c": 2}
    assert info.passed == ["start", "a", "b", "c", "end"]
    assert info.business_key == "order-1" and info.ended_at is not None
    assert calls == {"step-a": 1, "step-b": 1, "step-c": 1}
    history = h.history(iid)
    completed = [e for e in history if e.kind == "job_completed"]
    assert [e.element_id for e in completed] == ["a", "b", "c"]
    assert all(e.actor == h.node.node_id and e.command == "CompleteJob" for e in completed)
    assert [e.kind for e in history].count("job_created") == 3
    assert history[0].kind == "instance_started" and history[-1].kind == "instance_ended"
    assert h.client.verify_audit() is None
    h.close()


def test_workers_see_the_process_id_and_business_key_of_their_job(db: Database) -> None:
    seen: list[tuple[str, str | None]] = []
    workers = Workers()

    def handler(job: ActivatedJob) -> dict[str, Any]:
        seen.append((job.process_id, job.business_key))
        return {}

    for job_type in ("step-a", "step-b", "step-c"):
        workers.register(job_type, handler)
    h = Harness(db, workers)
    h.client.deploy(three_services())
    h.client.start("services", {"n": 1}, business_key="k-1")
    h.run()
    assert seen == [("services", "k-1")] * 3
    h.close()


def test_user_tasks_are_queried_assigned_and_completed_through_the_client(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(approval())
    iid = h.client.start("approval", {"amount": 1200})
    (task,) = h.client.tasks(candidate_group="managers")
    assert task.instance_id == iid and task.element_id == "approve"
    assert task.variables == {"amount": 1200}
    h.client.assign_task(task.id, "alice", actor="bob")
    assert h.client.tasks(assignee="alice")[0].id == task.id
    assert h.client.complete_task(task.id, {"approved": True}, by="alice") is True
    assert h.client.complete_task(task.id, {"approved": False}, by="alice") is False  # repeat
    info = h.client.instance(iid)
    assert info.status == "completed" and info.passed[-1] == "approved"
    events = {e.kind: e for e in h.history(iid)}
    assert events["user_task_assigned"].actor == "bob"
    assert events["user_task_completed"].actor == "alice"
    assert events["user_task_completed"].data["by"] == "alice"
    assert h.client.tasks() == []
    with pytest.raises(NotFoundError):
        h.client.complete_task("no-such-task")
    h.close()


def test_the_same_source_is_one_version_and_a_changed_one_the_next(db: Database) -> None:
    h = Harness(db)
    (first,) = h.client.deploy(approval())
    (again,) = h.client.deploy(approval())
    assert (first.version, first.created) == (1, True)
    assert (again.version, again.created, again.definition_id) == (1, False, first.definition_id)
    old = h.client.start("approval")
    changed = ProcessBuilder("approval").start("start").user_task("review").end("done")
    (second,) = h.client.deploy(changed)
    assert (second.version, second.created) == (2, True)
    new = h.client.start("approval")
    pinned = h.client.start("approval", version=1)
    assert h.client.instance(old).active == ["approve"]  # running instances keep theirs
    assert h.client.instance(new).active == ["review"]
    assert h.client.instance(pinned).active == ["approve"]
    assert h.client.instance(pinned).version == 1 and h.client.instance(new).version == 2
    task = h.client.tasks(instance_id=old)[0]
    h.client.complete_task(task.id, {"approved": False})
    assert h.client.instance(old).passed[-1] == "rejected"
    with pytest.raises(NotFoundError, match="version 7"):
        h.client.start("approval", version=7)
    with pytest.raises(NotFoundError, match="deployed: approval"):
        h.client.start("nope")
    h.close()


def test_a_start_repeated_with_its_idempotency_key_returns_the_first_instance(
    db: Database,
) -> None:
    h = Harness(db)
    h.client.deploy(approval())
    first = h.client.start("approval", {"amount": 1}, idempotency_key="order-42")
    again = h.client.start("approval", {"amount": 2}, idempotency_key="order-42")
    other = h.client.start("approval", idempotency_key="order-43")
    assert first == again != other
    assert len(h.client.instances(process_id="approval")) == 2
    assert h.client.instance(first).variables == {"amount": 1}
    h.close()


def test_the_audit_trail_verifies_and_tampering_is_detected(db: Database) -> None:
    h = Harness(db, counting_workers(Counter()))
    h.client.deploy(three_services())
    ids = [h.client.start("services", {"n": i}) for i in range(3)]
    h.run()
    assert h.client.verify_audit() is None
    target = ids[1]
    # the row of event #7: the events of the command that completed the first job, #7 first
    db.execute(
        "UPDATE history SET actor = 'mallory' WHERE id = (SELECT id FROM history "
        f"WHERE instance_id = {db.p} AND seq >= 7 ORDER BY seq LIMIT 1)",
        [target],
    )
    broken = h.client.verify_audit()
    assert broken is not None and broken.instance_id == target and broken.seq == 7
    assert h.client.verify_audit(ids[0]) is None
    h.close()


def test_bad_requests_are_typed_errors(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(approval())
    iid = h.client.start("approval")
    with pytest.raises(RequestError, match="mapping"):
        h.client.start("approval", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        h.client.cancel("no-such-instance")
    h.client.cancel(iid, "customer withdrew")
    assert h.client.instance(iid).status == "cancelled"
    assert h.client.tasks() == []
    with pytest.raises(RequestError, match="already ended"):
        h.client.cancel(iid)
    h.close()
