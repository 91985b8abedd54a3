"""Failures: retries with backoff, incidents and their resolution, BPMN errors from
workers, corrupt state rows — on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.runtime.workers import ActivatedJob, BpmnError, Workers

pytest_plugins = ["runtimefixtures"]


def charging(retries: int = 3) -> ProcessBuilder:
    return (
        ProcessBuilder("billing")
        .start("start")
        .service_task("charge", type="payment", retries=retries)
        .end("paid")
        .boundary_event("declined", attached_to="charge", error="DECLINED")
        .end("not_paid")
    )


class Flaky:
    """A payment worker failing until told otherwise."""

    def __init__(self) -> None:
        self.broken = True
        self.calls = 0

    def __call__(self, job: ActivatedJob) -> dict[str, Any]:
        self.calls += 1
        if self.broken:
            raise ConnectionError("the payment service is down")
        return {"paid": True}


def test_failed_attempts_retry_with_backoff_then_raise_an_incident_resolved_later(
    db: Database,
) -> None:
    flaky = Flaky()
    workers = Workers({"payment": flaky})
    h = Harness(db, workers)
    h.client.deploy(charging(retries=3))
    iid = h.client.start("billing")
    h.run()
    assert flaky.calls == 1
    h.advance("PT0.5S")
    assert flaky.calls == 1  # backoff: 1 s after the first attempt
    h.advance("PT0.5S")
    assert flaky.calls == 2
    h.advance("PT1S")
    assert flaky.calls == 2  # then 2 s
    h.advance("PT1S")
    assert flaky.calls == 3
    info = h.client.instance(iid)
    assert info.status == "incident"
    (incident,) = h.client.incidents()
    assert "the payment service is down" in incident.message
    assert incident.element_id == "charge" and incident.instance_id == iid
    h.advance("PT1H")
    assert flaky.calls == 3  # nothing retries an incident by itself
    kinds = h.kinds(iid)
    assert kinds.count("job_failed") == 3 and "incident_raised" in kinds
    flaky.broken = False
    h.client.resolve_incident(incident.id, actor="operator")
    h.run()
    info = h.client.instance(iid)
    assert info.status == "completed" and info.variables == {"paid": True}
    assert h.client.incidents() == []
    resolved = [e for e in h.history(iid) if e.kind == "incident_resolved"]
    assert resolved[0].actor == "operator"
    h.close()


def test_a_bpmn_error_from_a_worker_is_caught_by_the_boundary_event(db: Database) -> None:
    def decline(job: ActivatedJob) -> None:
        raise BpmnError("DECLINED", "no funds", {"reason": "funds"})

    h = Harness(db, Workers({"payment": decline}))
    h.client.deploy(charging())
    iid = h.client.start("billing")
    h.run()
    info = h.client.instance(iid)
    assert info.status == "completed" and info.passed[-1] == "not_paid"
    assert info.variables["reason"] == "funds"
    h.close()


def test_async_workers_are_awaited(db: Database) -> None:
    async def pay(job: ActivatedJob) -> dict[str, Any]:
        return {"paid": "async"}

    h = Harness(db, Workers({"payment": pay}))  # type: ignore[dict-item]
    h.client.deploy(charging())
    iid = h.client.start("billing")
    h.run()
    assert h.client.instance(iid).variables == {"paid": "async"}
    h.close()


def test_a_corrupt_state_row_becomes_an_incident_not_a_loop(db: Database) -> None:
    h = Harness(db, Workers({"payment": lambda job: {}}))
    h.client.deploy(charging(retries=2))
    iid = h.client.start("billing")
    if db.kind == "sqlite":
        db.execute("UPDATE instances SET state = '{\"version\": 1}' WHERE id = ?", [iid])
    else:
        db.execute("UPDATE instances SET state = '{\"version\": 1}'::jsonb WHERE id = %s", [iid])
    h.run()
    h.advance("PT5S")
    (incident,) = h.client.incidents()
    assert incident.instance_id == iid and "corrupt" in incident.message
    assert h.client.instance(iid).variables == {}  # still shown, without its state
    h.close()


def test_a_worker_returning_something_else_than_a_mapping_fails_the_job(db: Database) -> None:
    def odd(job: ActivatedJob) -> Any:
        return 42

    h = Harness(db, Workers({"payment": odd}))
    h.client.deploy(charging(retries=1))
    iid = h.client.start("billing")
    h.run()
    (incident,) = h.client.incidents(instance_id=iid)
    assert "return a dict of variables or None" in incident.message
    h.close()
