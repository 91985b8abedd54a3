"""Call activities through the durable runtime: children start in the parent's
transaction, and report back through the outbox."""

from __future__ import annotations

from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.runtime.workers import ActivatedJob, Workers

pytest_plugins = ["runtimefixtures"]


def parent() -> ProcessBuilder:
    return (
        ProcessBuilder("parent")
        .start("start")
        .call_activity("call", process_id="child")
        .end("done")
        .boundary_event("failed", attached_to="call", error="BOOM")
        .end("failed_end")
    )


def child() -> ProcessBuilder:
    return (
        ProcessBuilder("child")
        .start("start")
        .service_task("work", type="child-work")
        .exclusive_gateway("ok")
        .condition("=explode")
        .end("boom", error="BOOM")
        .move_to("ok")
        .default()
        .end("end")
    )


def workers() -> Workers:
    w = Workers()

    @w.worker("child-work")
    def work(job: ActivatedJob) -> dict[str, object]:
        return {"result": job.variables["n"] * 10}

    return w


def test_a_call_activity_runs_a_child_and_resumes_with_its_variables(db: Database) -> None:
    h = Harness(db, workers())
    h.client.deploy(parent(), child())
    pid = h.client.start("parent", {"n": 4, "explode": False})
    info = h.client.instance(pid)
    assert info.active == ["call"] and len(info.children) == 1
    (cid,) = info.children
    kid = h.client.instance(cid)
    assert kid.parent_id == pid and kid.active == ["work"]
    h.run()
    assert h.client.instance(cid).status == "completed"
    info = h.client.instance(pid)
    assert info.status == "completed" and info.passed[-1] == "done"
    assert info.variables["result"] == 40
    assert h.client.verify_audit() is None
    h.close()


def test_an_error_the_child_does_not_catch_is_thrown_from_the_call_activity(
    db: Database,
) -> None:
    h = Harness(db, workers())
    h.client.deploy(parent(), child())
    pid = h.client.start("parent", {"n": 1, "explode": True})
    h.run()
    info = h.client.instance(pid)
    assert info.status == "completed" and info.passed[-1] == "failed_end"
    h.close()


def test_a_child_that_ends_at_once_completes_the_parent_in_one_transaction(
    db: Database,
) -> None:
    h = Harness(db)
    h.client.deploy(
        ProcessBuilder("outer").start("s").call_activity("c", process_id="inner").end("e"),
        ProcessBuilder("inner")
        .start("s")
        .script_task("x", script="=1 + 1", result_variable="two")
        .end("e"),
    )
    pid = h.client.start("outer")
    info = h.client.instance(pid)
    assert info.status == "completed" and info.variables["two"] == 2
    h.close()


def test_cancelling_the_parent_cancels_the_child(db: Database) -> None:
    h = Harness(db)  # no workers: the child waits at its service task
    h.client.deploy(parent(), child())
    pid = h.client.start("parent", {"n": 1, "explode": False})
    (cid,) = h.client.instance(pid).children
    h.client.cancel(pid, "no longer needed")
    assert h.client.instance(pid).status == "cancelled"
    h.run()
    assert h.client.instance(cid).status == "cancelled"
    for iid in (pid, cid):  # the cancel first, then what it terminated, then the end
        kinds = h.kinds(iid)
        assert kinds.index("instance_cancelled") < kinds.index("element_terminated")
        assert kinds[-1] == "instance_ended"
    h.close()


def test_a_missing_called_process_is_an_incident_resolved_once_deployed(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(
        ProcessBuilder("lonely").start("s").call_activity("c", process_id="ghost").end("e")
    )
    pid = h.client.start("lonely")
    info = h.client.instance(pid)
    assert info.status == "incident"
    (incident,) = info.incidents
    assert "no process 'ghost' is deployed" in incident.message
    h.client.deploy(ProcessBuilder("ghost").start("s").end("e"))
    h.client.resolve_incident(incident.id, actor="operator")
    h.run()
    assert h.client.instance(pid).status == "completed"
    assert h.client.incidents() == []
    h.close()
