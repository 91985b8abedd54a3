"""The local runtime (the production shell driven until idle): every request, on the memory
store and on SQLite; both keep each state as JSON text between commands."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from regista.bpmn import ProcessBuilder
from regista.engine import Activate, InstanceState
from regista.settings import Settings
from regista.store import open_store
from regista.testing import (
    ActivatedJob,
    BpmnError,
    DeploymentError,
    FakeClock,
    LocalRuntime,
    RequestError,
    Workers,
)

Factory = Callable[..., LocalRuntime]


@pytest.fixture(params=["memory", "sqlite"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """A runtime factory over the memory store or a new SQLite database each."""
    made: list[LocalRuntime] = []

    def make(
        workers: Workers | None = None, clock: FakeClock | None = None, **options: Any
    ) -> LocalRuntime:
        store = None
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'run{len(made)}.db'}"
            store = open_store(Settings(database_url=url))
        rt = LocalRuntime(clock or FakeClock(), workers=workers, store=store, **options)
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()
        rt.store.close()


def approval() -> ProcessBuilder:
    return (
        ProcessBuilder("approval")
        .start("start")
        .user_task("approve")
        .exclusive_gateway("ok")
        .condition("=approved")
        .service_task("charge", type="payment")
        .end("end")
        .move_to("ok")
        .default()
        .end("rejected")
    )


def test_a_user_task_waits_and_the_gateway_follows_its_variables(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(approval())
    iid = rt.start("approval", {"amount": 1200})
    view = rt.instance(iid)
    assert view.status == "active"
    assert view.active == ["approve"]
    assert view.variables == {"amount": 1200}
    task = rt.tasks(iid)[0]
    assert task.element_id == "approve"
    rt.complete_task(iid, "approve", {"approved": False})
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.passed == ["start", "approve", "ok", "rejected"]
    assert [e.kind for e in rt.history(iid)][-1] == "instance_ended"


def test_workers_run_service_tasks_with_plain_python_variables(runtime: Factory) -> None:
    seen: list[ActivatedJob] = []
    workers = Workers()

    @workers.worker("payment")
    def charge(job: ActivatedJob) -> dict[str, Any]:
        seen.append(job)
        return {"transaction": f"tx-{job.variables['amount']}", "fee": 1.5}

    rt = runtime(workers)
    rt.deploy(approval())
    iid = rt.start("approval", {"amount": 30})
    rt.complete_task(rt.tasks(iid)[0].id, variables={"approved": True})
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.passed[-2:] == ["charge", "end"]
    assert view.variables["transaction"] == "tx-30"
    assert str(view.variables["fee"]) == "1.5"
    assert seen[0].element_id == "charge" and seen[0].variables["amount"] == 30
    assert isinstance(seen[0].variables["amount"], int)


def booking() -> ProcessBuilder:
    return (
        ProcessBuilder("booking")
        .start("start")
        .service_task("charge", type="payment", retries=3)
        .end("booked")
        .boundary_event("declined", attached_to="charge", error="CARD_DECLINED")
        .end("not_booked")
    )


def test_a_bpmn_error_from_a_worker_is_caught_by_the_boundary_event(runtime: Factory) -> None:
    workers = Workers()

    @workers.worker("payment")
    def charge(job: ActivatedJob) -> None:
        raise BpmnError("CARD_DECLINED", "no funds", {"reason": "funds"})

    rt = runtime(workers)
    rt.deploy(booking())
    iid = rt.start("booking")
    view = rt.instance(iid)
    assert view.status == "completed"
    assert "not_booked" in view.passed and "booked" not in view.passed
    assert view.variables["reason"] == "funds"


def test_a_failing_worker_uses_its_retries_then_raises_an_incident(runtime: Factory) -> None:
    calls: list[int] = []
    workers = Workers()

    @workers.worker("payment")
    def charge(job: ActivatedJob) -> None:
        calls.append(job.retries)
        raise ConnectionError("provider down")

    rt = runtime(workers)
    rt.deploy(booking())
    iid = rt.start("booking")
    assert calls == [3, 2, 1]
    view = rt.instance(iid)
    assert view.status == "incident"
    assert len(view.incidents) == 1
    assert "provider down" in view.incidents[0].message
    assert view.incidents[0].element_id == "charge"

    workers.register("payment", lambda job: {"paid": True})
    rt.resolve_incident(iid)
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.incidents == []
    assert view.variables["paid"] is True


def test_a_job_nobody_handles_can_wait_or_raise_an_incident(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(booking())
    waiting = rt.start("booking")
    assert rt.instance(waiting).active == ["charge"]
    assert [j.type for j in rt.jobs(waiting)] == ["payment"]

    strict = runtime(missing_worker="incident")
    strict.deploy(booking())
    stuck = strict.instance(strict.start("booking"))
    assert stuck.status == "incident"
    assert "no worker handles jobs of type 'payment'" in stuck.incidents[0].message


def test_throw_error_and_fail_act_on_the_job_at_an_element(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(booking())
    caught = rt.start("booking")
    rt.throw_error(caught, "charge", "CARD_DECLINED")
    assert rt.instance(caught).passed[-2:] == ["declined", "not_booked"]

    failed = rt.start("booking")
    rt.fail(failed, "charge", "timeout", retries=1)
    assert rt.instance(failed).active == ["charge"]
    rt.fail(failed, "charge", "timeout", retries=0)
    assert rt.instance(failed).status == "incident"
    with pytest.raises(RequestError, match="no job"):
        rt.throw_error(caught, "charge", "X")


def test_complete_task_names_what_waits_when_nothing_is_there(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(approval())
    iid = rt.start("approval")
    with pytest.raises(RequestError, match="waiting: approve"):
        rt.complete_task(iid, "charge")
    with pytest.raises(RequestError, match="no process 'nope'"):
        rt.start("nope")


def escalation() -> ProcessBuilder:
    return (
        ProcessBuilder("ticket")
        .start("start")
        .user_task("handle")
        .end("solved")
        .boundary_event("remind", attached_to="handle", duration="PT1H", interrupting=False)
        .end("reminded")
        .boundary_event("late", attached_to="handle", duration="PT4H")
        .user_task("escalate")
        .end("escalated")
    )


def test_advance_fires_the_timers_due_in_due_order(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(escalation())
    iid = rt.start("ticket")
    assert [t.element_id for t in rt.timers()] == ["remind", "late"]
    rt.advance("PT30M")
    assert rt.instance(iid).passed == ["start"]
    rt.advance(dt.timedelta(hours=5))
    view = rt.instance(iid)
    assert view.passed == ["start", "remind", "reminded", "late"]
    assert view.active == ["escalate"]
    assert rt.timers() == []


def test_timers_fire_at_their_due_time_on_the_fake_clock(runtime: Factory) -> None:
    clock = FakeClock("2024-03-01T12:00:00Z")
    fired: list[dt.datetime] = []
    workers = Workers()

    @workers.worker("log")
    def log(job: ActivatedJob) -> None:
        fired.append(clock.now)

    process = (
        ProcessBuilder("waiter")
        .start("start")
        .catch("wait", duration="PT90M")
        .service_task("log", type="log")
        .end("end")
    )
    rt = runtime(workers, clock=clock)
    rt.deploy(process)
    rt.start("waiter")
    rt.advance("P1D")
    assert fired == [dt.datetime(2024, 3, 1, 13, 30, tzinfo=dt.UTC)]
    assert clock.now == dt.datetime(2024, 3, 2, 12, 0, tzinfo=dt.UTC)


def payment() -> ProcessBuilder:
    return (
        ProcessBuilder("payment")
        .start("start")
        .catch("paid", message="payment-received", correlation_key="=orderId")
        .end("end")
    )


def test_messages_reach_the_instance_with_the_matching_key(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(payment())
    one = rt.start("payment", {"orderId": "o-1"})
    two = rt.start("payment", {"orderId": "o-2"})
    assert rt.correlate("payment-received", "o-2", {"amount": 5}) == [two]
    assert rt.instance(two).status == "completed"
    assert rt.instance(two).variables["amount"] == 5
    assert rt.instance(one).status == "active"
    with pytest.raises(RequestError, match="no instance waits"):
        rt.correlate("payment-received", "o-3")


def test_a_message_nobody_waits_for_is_kept_for_its_ttl(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(payment())
    assert rt.correlate("payment-received", "o-9", ttl=dt.timedelta(hours=1)) == []
    iid = rt.start("payment", {"orderId": "o-9"})
    assert rt.instance(iid).status == "completed"


def test_message_and_signal_start_events_start_instances(runtime: Factory) -> None:
    by_message = (
        ProcessBuilder("claims").start("submitted", message="claim").user_task("review").end()
    )
    by_signal = ProcessBuilder("drill").start("alarm", signal="fire").end("logged")
    rt = runtime()
    rt.deploy(by_message.build(), by_signal.build())
    [claim] = rt.correlate("claim", variables={"amount": 10})
    assert rt.instance(claim).active == ["review"]
    assert rt.instance(claim).variables == {"amount": 10}
    other = rt.start("claims", message="claim")
    assert rt.instance(other).passed == ["submitted"]
    [drill] = rt.broadcast_signal("fire")
    assert rt.instance(drill).status == "completed"


def test_a_signal_reaches_every_waiting_instance(runtime: Factory) -> None:
    process = ProcessBuilder("shift").start("start").catch("alarm", signal="fire").end("end")
    rt = runtime()
    rt.deploy(process)
    first, second = rt.start("shift"), rt.start("shift")
    assert sorted(rt.broadcast_signal("fire", {"hall": "B"})) == sorted([first, second])
    assert rt.instance(first).status == rt.instance(second).status == "completed"
    assert rt.instance(first).variables == {"hall": "B"}


def test_a_call_activity_runs_a_child_instance_and_resumes_the_parent(runtime: Factory) -> None:
    parent = (
        ProcessBuilder("parent").start("start").call_activity("call", process_id="child").end("end")
    )
    child = ProcessBuilder("child").start("child_start").user_task("review").end("child_end")
    rt = runtime()
    rt.deploy(parent.build(), child.build())
    iid = rt.start("parent", {"customer": "Ada"})
    view = rt.instance(iid)
    assert view.active == ["call"]
    [child_id] = view.children
    assert rt.instance(child_id).parent_id == iid
    assert rt.instance(child_id).variables["customer"] == "Ada"
    rt.complete_task(iid, "review", {"verdict": "ok"})
    assert rt.instance(child_id).status == "completed"
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.variables["verdict"] == "ok"
    assert rt.passed_in_tree(iid) == [
        "start",
        "child_start",
        "review",
        "child_end",
        "call",
        "end",
    ]


def test_cancel_ends_the_instance_and_its_children(runtime: Factory) -> None:
    parent = (
        ProcessBuilder("parent").start("start").call_activity("call", process_id="child").end("end")
    )
    child = ProcessBuilder("child").start("child_start").user_task("review").end("child_end")
    rt = runtime()
    rt.deploy(parent.build(), child.build())
    iid = rt.start("parent")
    [child_id] = rt.instance(iid).children
    rt.cancel(iid)
    assert rt.instance(iid).status == "cancelled"
    assert rt.instance(child_id).status == "cancelled"
    assert rt.tasks() == []


def test_a_timer_start_event_starts_an_instance_per_cycle(runtime: Factory) -> None:
    process = ProcessBuilder("report").start("hourly", cycle="R2/PT1H").user_task("read").end()
    rt = runtime()
    rt.deploy(process)
    assert rt.instances() == []
    rt.advance("PT5H")
    assert [v.active for v in rt.instances()] == [["read"], ["read"]]


def test_a_model_with_errors_is_refused_with_every_problem() -> None:
    broken = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="missing"/>
        <receiveTask id="r" messageRef="nowhere"/>
      </process>
    </definitions>"""
    rt = LocalRuntime(FakeClock())
    with pytest.raises(DeploymentError) as caught:
        rt.deploy(broken)
    messages = " ".join(p.message for p in caught.value.problems)
    assert "missing" in messages and "nowhere" in messages
    with pytest.raises(DeploymentError, match="no such file"):
        rt.deploy("does/not/exist.bpmn")


def test_a_waiting_state_survives_json_and_runs_on() -> None:
    rt = LocalRuntime(FakeClock())
    rt.deploy(approval())
    iid = rt.start("approval", {"amount": 1200})
    text = json.dumps(rt.state(iid).to_json())
    restored = InstanceState.from_json(json.loads(text))
    assert restored.active_elements() == ["approve"]
    assert restored.to_json() == rt.state(iid).to_json()


def test_a_message_thrown_by_one_instance_reaches_another(runtime: Factory) -> None:
    sender = ProcessBuilder("sender").start("s").throw("notify", message="ping").end("sent")
    receiver = ProcessBuilder("receiver").start("r").catch("wait", message="ping").end("got")
    rt = runtime()
    rt.deploy(sender.build(), receiver.build())
    waiting = rt.start("receiver")
    rt.start("sender", {"note": "hello"})
    assert rt.instance(waiting).status == "completed"


def test_an_error_ending_a_child_is_caught_on_the_call_activity(runtime: Factory) -> None:
    parent = (
        ProcessBuilder("parent")
        .start("start")
        .call_activity("call", process_id="child")
        .end("end")
        .boundary_event("failed", attached_to="call", error="REJECTED")
        .end("rejected")
    )
    child = (
        ProcessBuilder("child")
        .start("child_start")
        .user_task("check")
        .end("boom", error="REJECTED")
    )
    rt = runtime()
    rt.deploy(parent.build(), child.build())
    iid = rt.start("parent")
    rt.complete_task(iid, "check")
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.passed[-2:] == ["failed", "rejected"]


def test_interrupting_a_call_activity_cancels_its_child(runtime: Factory) -> None:
    parent = (
        ProcessBuilder("parent")
        .start("start")
        .call_activity("call", process_id="child")
        .end("end")
        .boundary_event("too_long", attached_to="call", duration="PT1H")
        .end("timed_out")
    )
    child = ProcessBuilder("child").start("child_start").user_task("review").end("child_end")
    rt = runtime()
    rt.deploy(parent.build(), child.build())
    iid = rt.start("parent")
    [child_id] = rt.instance(iid).children
    rt.advance("PT2H")
    assert rt.instance(iid).passed[-1] == "timed_out"
    assert rt.instance(iid).status == "completed"
    assert rt.instance(child_id).status == "cancelled"
    assert rt.tasks() == []


def test_a_call_to_a_process_that_is_not_deployed_does_not_complete(runtime: Factory) -> None:
    parent = (
        ProcessBuilder("parent").start("start").call_activity("call", process_id="nope").end("end")
    )
    rt = runtime()
    rt.deploy(parent)
    iid = rt.start("parent")
    view = rt.instance(iid)
    assert view.status == "incident"
    assert view.incidents[0].element_id == "call"
    assert "nope" in view.incidents[0].message
    rt.deploy(ProcessBuilder("nope").start("s").user_task("inside").end("e"))
    rt.resolve_incident(iid)
    assert rt.instance(iid).status == "active"
    (child,) = rt.instance(iid).children
    rt.complete_task(child, "inside")
    assert rt.instance(iid).status == "completed"


def test_async_continuations_are_carried_out_at_once(runtime: Factory) -> None:
    workers = Workers()
    workers.register("work", lambda job: {"seen": job.variables["n"]})
    model = (
        ProcessBuilder("p")
        .start("s")
        .async_before()
        .service_task("t", type="work")
        .async_before()
        .async_after()
        .script_task("inc", script="n + 1", result_variable="n")
        .async_after()
        .end("e")
    )
    rt = runtime(workers)
    rt.deploy(model)
    iid = rt.start("p", {"n": 1})
    view = rt.instance(iid)
    assert view.status == "completed"
    assert view.variables == {"n": 2, "seen": 1}
    assert view.passed == ["s", "t", "inc", "e"]
    assert rt.jobs() == []


def test_evaluate_conditions_starts_the_processes_whose_condition_holds(
    runtime: Factory,
) -> None:
    rt = runtime()
    rt.deploy(
        ProcessBuilder("big")
        .start("when_big", condition="=amount > 1000")
        .user_task("review")
        .end(),
        ProcessBuilder("small", id_prefix="s_")
        .start("when_small", condition="=amount <= 1000")
        .end(),
    )
    (started,) = rt.evaluate_conditions({"amount": 5000})
    view = rt.instance(started)
    assert (view.process_id, view.active, view.variables) == ("big", ["review"], {"amount": 5000})
    (small,) = rt.evaluate_conditions({"amount": 5}, process_id="small")
    assert rt.instance(small).status == "completed"
    assert rt.evaluate_conditions({"amount": 5}, process_id="big") == []
    with pytest.raises(RequestError):
        rt.evaluate_conditions({}, process_id="nope")


def test_a_message_starts_a_process_through_an_instantiating_receive_task(
    runtime: Factory,
) -> None:
    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
        targetNamespace="t">
      <message id="m" name="order"/>
      <process id="p" isExecutable="true">
        <receiveTask id="receive" messageRef="m" instantiate="true"/>
        <sequenceFlow id="f1" sourceRef="receive" targetRef="handle"/>
        <userTask id="handle"/>
        <sequenceFlow id="f2" sourceRef="handle" targetRef="e"/>
        <endEvent id="e"/>
      </process>
    </definitions>"""
    rt = runtime()
    rt.deploy(xml)
    (iid,) = rt.correlate("order", "o-1", {"total": 3})
    view = rt.instance(iid)
    assert (view.active, view.variables, view.business_key) == (["handle"], {"total": 3}, "o-1")
    assert view.passed == ["receive"]


def test_start_uses_the_conditional_start_event_that_holds(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(
        ProcessBuilder("big")
        .start("when_big", condition="=amount > 1000")
        .user_task("review")
        .end()
    )
    iid = rt.start("big", {"amount": 2000})
    assert rt.instance(iid).active == ["review"]
    with pytest.raises(RequestError, match="none of their conditions holds"):
        rt.start("big", {"amount": 1})


def test_an_instance_is_modified_in_memory(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(approval())
    iid = rt.start("approval", {"amount": 10})
    rt.modify(iid, activate=[Activate("charge", {"approved": True})], terminate=["approve"])
    view = rt.instance(iid)
    assert view.active == ["charge"] and not rt.tasks(iid)
    assert view.variables == {"amount": 10, "approved": True}
    with pytest.raises(RequestError, match="nothing named 'approve' runs"):
        rt.modify(iid, terminate=["approve"])


def test_completing_a_wait_at_an_element_reaches_that_instance_only(runtime: Factory) -> None:
    rt = runtime()
    rt.deploy(payment())
    first = rt.start("payment", {"orderId": "same"})
    second = rt.start("payment", {"orderId": "same"})
    rt.complete_task(second, "paid", {"amount": 3})
    assert rt.instance(second).status == "completed"
    assert rt.instance(first).status == "active"
    kinds = [e.kind for e in rt.history(second)]
    assert "message_correlated" in kinds


def test_a_receive_task_without_a_message_is_triggered_in_the_called_instance(
    runtime: Factory,
) -> None:
    rt = runtime()
    rt.deploy(
        ProcessBuilder("parent").start("s").call_activity("call", process_id="child").end("e"),
        ProcessBuilder("child").start("cs").receive_task("hold").receive_task("again").end("ce"),
    )
    root = rt.start("parent")
    rt.trigger(root, "hold", {"x": 1})
    # complete_task by element triggers it too, as it completes any wait at an element.
    rt.complete_task(root, "again")
    assert rt.instance(root).status == "completed"
    with pytest.raises(RequestError, match="no receive task without a message"):
        rt.trigger(root, "hold")
