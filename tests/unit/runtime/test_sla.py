"""SLA deadlines on the local runtime (memory store, fake clock): a timer per target,
written and cancelled with the history; a breach is recorded when the clock reaches it
(history event, `sla_breaches` row, alerts queued); at-risk deadlines are listed."""

from __future__ import annotations

import datetime as dt

from regista.runtime.alerts import (
    INCIDENT_RAISED,
    INSTANCE_FAILED,
    SLA_BREACH,
    TASK_OVERDUE,
)
from regista.runtime.breaches import at_risk
from regista.runtime.user_tasks import TaskUpdate
from regista.store import AlertSubscription
from regista.testing import FakeClock, LocalRuntime

START = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:regista="http://regista.dev/schema/bpmn/1.0" targetNamespace="t">
  <process id="p" isExecutable="true" regista:sla="PT4H">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
    <userTask id="review" regista:sla="PT1H"/>
    <sequenceFlow id="f2" sourceRef="review" targetRef="sign"/>
    <userTask id="sign"><extensionElements>
      <zeebe:taskSchedule dueDate="2030-01-01T06:00:00Z"/>
    </extensionElements></userTask>
    <sequenceFlow id="f3" sourceRef="sign" targetRef="e"/><endEvent id="e"/>
  </process>
</definitions>"""

FAILING = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="t">
  <process id="failing" isExecutable="true">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <exclusiveGateway id="g"/>
    <sequenceFlow id="f2" sourceRef="g" targetRef="e">
      <conditionExpression>=false</conditionExpression></sequenceFlow>
    <endEvent id="e"/>
  </process>
</definitions>"""


def runtime() -> LocalRuntime:
    rt = LocalRuntime(FakeClock(START))
    rt.deploy(MODEL)
    return rt


def subscribe(rt: LocalRuntime, kind: str) -> None:
    with rt.store.transaction() as tx:
        tx.insert_alert_subscription(
            AlertSubscription(
                id=f"sub-{kind}",
                event_kind=kind,
                channel="webhook",
                target="http://127.0.0.1:9/hook",
                secret="s3cret",
                created_at=START,
                created_by=None,
            )
        )


def sla_timers(rt: LocalRuntime) -> list[str]:
    with rt.store.transaction(write=False) as tx:
        return sorted(t.id for t in tx.open_sla_timers(after=(START, ""), limit=100))


def test_a_step_that_takes_too_long_is_a_breach_when_its_target_passes() -> None:
    rt = runtime()
    subscribe(rt, SLA_BREACH)
    instance = rt.start("p")
    assert len(sla_timers(rt)) == 2  # the instance's and review's
    rt.advance("PT59M")
    assert not any(e.kind == "sla_breached" for e in rt.history(instance))
    rt.advance("PT1M")
    events = [e for e in rt.history(instance) if e.kind == "sla_breached"]
    assert len(events) == 1
    assert events[0].element_id == "review" and events[0].ts == START + dt.timedelta(hours=1)
    assert events[0].data["sla_kind"] == "element"
    with rt.store.transaction(write=False) as tx:
        breaches = tx.sla_breaches()
        deliveries = tx.alert_deliveries()
    assert [(b.kind, b.element_id, b.instance_id) for b in breaches] == [
        ("element", "review", instance)
    ]
    assert breaches[0].due_at - breaches[0].started_at == dt.timedelta(hours=1)
    assert [(d.event_kind, d.status, d.payload["element_id"]) for d in deliveries] == [
        (SLA_BREACH, "pending", "review")
    ]
    assert rt.timers(instance) == []  # SLA deadlines are not the model's timers


def test_a_step_done_in_time_cancels_its_deadline_and_the_instance_its_own() -> None:
    rt = runtime()
    instance = rt.start("p")
    rt.advance("PT30M")
    rt.complete_task(instance, "review")
    # sign waits with its due date; review's deadline is gone
    assert [t.split(":")[1] for t in sla_timers(rt)] == ["i", "t"]
    rt.complete_task(instance, "sign")
    assert sla_timers(rt) == []
    rt.advance("PT10H")
    with rt.store.transaction(write=False) as tx:
        assert tx.sla_breaches() == []


def test_a_user_task_due_date_is_a_target_and_alerts_task_overdue() -> None:
    rt = runtime()
    subscribe(rt, TASK_OVERDUE)
    instance = rt.start("p")
    rt.complete_task(instance, "review")
    rt.advance("PT5H")  # the instance's own target (4 h) passed first
    rt.advance("PT1H")
    with rt.store.transaction(write=False) as tx:
        kinds = [(b.kind, b.element_id) for b in tx.sla_breaches()]
        overdue = [d.payload["element_id"] for d in tx.alert_deliveries()]
    assert kinds == [("instance", "p"), ("task_due", "sign")]
    assert overdue == ["sign"]


def test_at_risk_lists_deadlines_with_the_share_of_their_target_used() -> None:
    rt = runtime()
    instance = rt.start("p")
    rt.advance("PT47M")
    with rt.store.transaction(write=False) as tx:
        assert at_risk(tx, rt.now(), share=0.8) == []
    rt.advance("PT1M")
    with rt.store.transaction(write=False) as tx:
        found = at_risk(tx, rt.now(), share=0.8)
        lower = at_risk(tx, rt.now(), share=0.2)
        higher = at_risk(tx, rt.now(), share=0.25)
    assert [(r.instance_id, r.element_id, r.kind, r.used) for r in found] == [
        (instance, "review", "element", 0.8)
    ]
    assert [(r.element_id, r.used) for r in lower] == [("review", 0.8), ("p", 0.2)]
    assert [r.element_id for r in higher] == ["review"]  # the instance: 48 min of 4 h
    rt.advance("PT12M")  # review breached: no longer at risk, the instance is
    with rt.store.transaction(write=False) as tx:
        assert [r.element_id for r in at_risk(tx, rt.now(), share=0.25)] == ["p"]


def test_a_target_set_through_the_api_overrides_the_model() -> None:
    rt = runtime()
    with rt.store.transaction() as tx:
        definition_id = rt.shell.models.latest(tx, "p").definition_id
        tx.set_sla_targets(definition_id, {"review": 600.0})
    rt.shell.sla.forget(definition_id)
    instance = rt.start("p")
    rt.advance("PT10M")
    breached = [e.element_id for e in rt.history(instance) if e.kind == "sla_breached"]
    assert breached == ["review"]


def test_an_incident_alerts_incident_raised_and_instance_failed() -> None:
    rt = LocalRuntime(FakeClock(START))
    rt.deploy(FAILING)
    subscribe(rt, INCIDENT_RAISED)
    subscribe(rt, INSTANCE_FAILED)
    instance = rt.start("failing")
    with rt.store.transaction(write=False) as tx:
        deliveries = tx.alert_deliveries()
    kinds = sorted(d.event_kind for d in deliveries)
    assert kinds == [INCIDENT_RAISED, INSTANCE_FAILED]
    assert all(d.payload["instance_id"] == instance for d in deliveries)
    assert all(d.payload["element_id"] == "g" for d in deliveries)


def test_a_due_date_moved_moves_the_deadline() -> None:
    rt = runtime()
    instance = rt.start("p")
    rt.complete_task(instance, "review")
    (task,) = rt.tasks(instance)
    later = dt.datetime(2030, 1, 1, 8, tzinfo=dt.UTC)
    rt.shell.update_user_task(task.id, TaskUpdate(due_at=later))
    rt.advance("PT7H")
    with rt.store.transaction(write=False) as tx:
        assert [b.kind for b in tx.sla_breaches()] == ["instance"]
    rt.advance("PT1H")
    with rt.store.transaction(write=False) as tx:
        breaches = tx.sla_breaches()
    assert [(b.kind, b.due_at) for b in breaches][-1] == ("task_due", later)
