"""Tasks: pass-through, service/user/send/receive tasks, scripts, decisions, io mappings."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from regista import dmn
from regista.bpmn import ProcessBuilder, parse
from regista.engine import (
    CreateJob,
    CreateUserTask,
    FailJob,
    PublishMessage,
    RaiseIncident,
    RetryJob,
    SetJobRetries,
    step,
)

from .harness import Harness


def test_task_and_manual_task_pass_through(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start("s").task("t").manual_task("m").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed == ["s", "t", "m", "e"]


def test_service_task_creates_a_job_and_merges_its_variables(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("charge", type="payment", retries=5, headers={"provider": "x"})
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"amount": 10})
    job = h.job("charge")
    assert (job.type, job.retries, dict(job.headers)) == ("payment", 5, {"provider": "x"})
    assert job.variables == {"amount": Decimal(10)}
    assert h.active == ["charge"]
    h.complete_job("charge", {"paid": True})
    assert h.status == "completed"
    assert h.variables == {"amount": 10, "paid": True}


def test_job_type_may_be_feel(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("t", type='=kind + "-job"').end().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"kind": "mail"})
    assert h.job("t").type == "mail-job"


def test_failing_job_retries_then_raises_an_incident_that_resolves(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="work").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.fail_job("t", retries=2)
    assert h.job("t").retries == 2
    assert h.status == "active"
    h.fail_job("t", retries=0, message="out of luck")
    assert h.status == "incident"
    assert [i.message for i in h.state.incidents] == ["out of luck"]
    assert any(isinstance(e, RaiseIncident) and e.job_id for e in h.last)
    assert h.active == ["t"]
    h.resolve()
    assert h.status == "active"
    assert h.job("t").retries == 3
    h.complete_job("t")
    assert h.status == "completed"


def test_a_failed_job_given_retries_runs_again_with_them(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="work").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.fail_job("t", retries=0, message="down")
    failed = h.job("t").job_id
    h.apply(SetJobRetries(failed, 5))  # an operator's update of the job, then the resolution
    h.resolve()
    assert h.status == "active"
    assert h.job("t").job_id != failed and h.job("t").retries == 5
    h.fail_job("t", retries=0)
    h.resolve()  # without an update: the model's retries
    assert h.job("t").retries == 3


def test_user_task_fields_are_evaluated(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task(
            "approve",
            name="Approve",
            assignee="=owner",
            candidate_groups=["sales", "managers"],
            candidate_users='=["ann", "bob"]',
            due_date='=now() + duration("P2D")',
            follow_up_date="2026-02-01T00:00:00Z",
            form_key="approve-form",
        )
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"owner": "carl"})
    task = h.task("approve")
    assert isinstance(task, CreateUserTask)
    assert task.name == "Approve"
    assert task.assignee == "carl"
    assert task.candidate_groups == ("sales", "managers")
    assert task.candidate_users == ("ann", "bob")
    assert task.due_date is not None and task.due_date.day == 3
    assert task.follow_up_date is not None and task.follow_up_date.month == 2
    assert task.form_key == "approve-form"
    h.complete_task("approve", {"approved": True})
    assert h.status == "completed"
    assert h.variables["approved"] is True


def test_send_task_publishes_its_message_or_creates_a_job(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .send_task("notify", message="order-shipped")
        .input("orderId", "=id")
        .send_task("mail", type="mailer")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "o-1"})
    published = [e for e in h.effects if isinstance(e, PublishMessage)]
    assert [(p.name, dict(p.variables)) for p in published] == [
        ("order-shipped", {"orderId": "o-1"})
    ]
    assert h.job("mail").type == "mailer"
    h.complete_job("mail")
    assert h.status == "completed"


def test_receive_task_waits_for_its_message(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .receive_task("wait", message="payment", correlation_key="=orderId")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"orderId": "o-7"})
    assert h.active == ["wait"]
    h.correlate("payment", "o-7", {"paid": 12})
    assert h.status == "completed"
    assert h.variables["paid"] == 12


def test_feel_script_sets_its_result_variable(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("inc", script="x + 1", result_variable="x")
        .script_task("sum", script="=sum([x, 10])", result_variable="total")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 1})
    assert h.variables == {"x": 2, "total": 12}


def test_python_script_runs_only_when_trusted(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task(
            "py",
            script="y = x * 2\nz = [i for i in range(x)]\nx + 100",
            format="python",
            result_variable="r",
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip, trusted=True).start(variables={"x": 3})
    assert h.status == "completed"
    assert h.variables == {"x": 3, "y": 6, "z": [0, 1, 2], "r": 103}
    untrusted = Harness(defs, roundtrip=roundtrip).start(variables={"x": 3})
    assert untrusted.status == "incident"
    assert "trusted" in untrusted.state.incidents[0].message
    assert untrusted.active == ["py"]


def test_python_script_exception_is_an_incident(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p").start().script_task("py", script="1 / 0", format="python").end().build()
    )
    h = Harness(defs, roundtrip=roundtrip, trusted=True).start()
    assert h.status == "incident"
    assert "ZeroDivisionError" in h.state.incidents[0].message


def test_script_task_with_job_type_creates_a_job(roundtrip: bool) -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
        <scriptTask id="t"><extensionElements><zeebe:taskDefinition type="scripts"/>
        </extensionElements></scriptTask>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
      </process></definitions>"""
    h = Harness(parse(xml), roundtrip=roundtrip).start()
    assert h.job("t").type == "scripts"


DMN = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
    namespace="http://example.com/dmn">
  <inputData id="amount" name="amount"/>
  <decision id="discount" name="Discount">
    <informationRequirement id="ir"><requiredInput href="#amount"/></informationRequirement>
    <decisionTable hitPolicy="UNIQUE">
      <input id="i1" label="Amount"><inputExpression typeRef="number"><text>amount</text>
      </inputExpression></input>
      <output id="o1" name="rate" typeRef="number"/>
      <rule id="r1"><inputEntry><text>&lt; 100</text></inputEntry>
        <outputEntry><text>0</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&gt;= 100</text></inputEntry>
        <outputEntry><text>0.1</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_business_rule_task_evaluates_a_decision(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .business_rule_task("rate", decision="discount", result_variable="rate")
        .end()
        .build()
    )
    models = dmn.load(DMN)
    h = Harness(defs, roundtrip=roundtrip, decisions=models).start(variables={"amount": 150})
    assert h.status == "completed"
    assert h.variables["rate"] == Decimal("0.1")
    missing = Harness(defs, roundtrip=roundtrip).start(variables={"amount": 1})
    assert missing.status == "incident"
    assert "no DMN models" in missing.state.incidents[0].message


FREE = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="f" name="f"
    namespace="http://example.com/free">
  <inputData id="level" name="level"><variable name="level" typeRef="number"/></inputData>
  <decision id="route" name="Route">
    <informationRequirement id="ir"><requiredInput href="#level"/></informationRequirement>
    <decisionTable hitPolicy="FIRST">
      <input id="i1"><inputExpression typeRef="number"><text>level</text></inputExpression>
      </input>
      <input id="i2"><inputExpression typeRef="string"><text>customer.tier</text>
      </inputExpression></input>
      <output id="o1" name="queue" typeRef="string"/>
      <rule id="r1"><inputEntry><text>&gt; 2</text></inputEntry><inputEntry><text>-</text>
        </inputEntry><outputEntry><text>"escalated"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>-</text></inputEntry><inputEntry><text>"gold"</text>
        </inputEntry><outputEntry><text>"priority"</text></outputEntry></rule>
      <rule id="r3"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text>
        </inputEntry><outputEntry><text>"standard"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def test_business_rule_task_sees_every_process_variable(roundtrip: bool) -> None:
    # As in Camunda: a decision sees all variables, not only its declared input data.
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .business_rule_task("rules", decision="route", result_variable="queue")
        .input("level", "=priority")
        .end("se")
        .end_subprocess()
        .end()
        .build()
    )
    models = dmn.load(FREE)
    cases = (
        ({"priority": 3, "customer": {"tier": "gold"}}, "escalated"),
        ({"priority": 1, "customer": {"tier": "gold"}}, "priority"),
        ({"priority": 1, "customer": {"tier": "basic"}}, "standard"),
    )
    for variables, queue in cases:
        h = Harness(defs, roundtrip=roundtrip, decisions=models).start(variables=variables)
        assert h.status == "completed"
        assert h.variables["queue"] == queue
    # Declared input data still win and are type-checked: a string level is not a number.
    h = Harness(defs, roundtrip=roundtrip, decisions=models).start(
        variables={"priority": "high", "level": 9, "customer": {"tier": "basic"}}
    )
    assert h.variables["queue"] == "standard"


def test_input_mappings_are_local_and_outputs_propagate(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("t", type="work")
        .input("amount", "=order.total")
        .input("currency", "EUR")
        .input("order.checked", "=true")
        .output("paymentId", "=transactionId")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"order": {"total": 5}})
    job = h.job("t")
    assert job.variables["amount"] == Decimal(5)
    assert job.variables["currency"] == "EUR"
    assert job.variables["order"] == {"total": Decimal(5), "checked": True}
    h.complete_job("t", {"transactionId": "tx-1", "noise": 1})
    assert h.variables == {"order": {"total": 5}, "paymentId": "tx-1"}


def test_job_variables_update_the_scope_that_defines_them(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .service_task("t", type="work")
        .end("se")
        .end_subprocess()
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"count": 1})
    sub = next(h.state.element_instances("sub"))
    h.set_variables({"local": "a"}, scope_id=sub.id)
    h.complete_job("t", {"local": "b", "count": 2, "fresh": True})
    assert h.status == "completed"
    assert h.variables == {"count": 2, "fresh": True}


def test_failing_input_mapping_is_an_incident_that_can_be_retried(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="w").input("x", "=1 +").end().build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "invalid FEEL" in h.state.incidents[0].message


@pytest.mark.parametrize("language", ["groovy", "javascript"])
def test_foreign_script_languages_are_incidents(language: str) -> None:
    defs = ProcessBuilder("p").start().script_task("t", script="1", format=language).end().build()
    h = Harness(defs).start()
    assert h.status == "incident"
    assert language in h.state.incidents[0].message


def test_create_job_carries_element_and_instance_ids() -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="w").end().build()
    h = Harness(defs).start()
    job = h.job("t")
    assert isinstance(job, CreateJob)
    assert job.element_id == "t"
    assert job.element_instance_id in h.state.instances


def test_the_engine_decides_the_retry_of_a_failed_job_and_its_backoff() -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="work", retries=2).end("e").build()
    h = Harness(defs).start()
    key = h.job("t").job_id
    ctx = replace(h.ctx(), backoff=lambda attempt: dt.timedelta(seconds=10 * attempt))
    state, effects = step(h.state, FailJob(key, "boom", attempt=3), ctx)
    # the same job again, after the backoff, with one retry fewer: no new job
    assert [e for e in effects if isinstance(e, RetryJob)] == [
        RetryJob(key, 1, h.now + dt.timedelta(seconds=30))
    ]
    assert not any(isinstance(e, CreateJob) for e in effects)
    _, effects = step(state, FailJob(key, "boom again", attempt=4), ctx)
    assert not any(isinstance(e, RetryJob) for e in effects)
    assert any(isinstance(e, RaiseIncident) and e.job_id == key for e in effects)
