"""The fluent builder: the model it produces, and XML that parses back to the same model."""

from __future__ import annotations

import pytest

from regista.bpmn import BuilderError, ProcessBuilder, build_definitions, parse, to_xml, validate
from regista.model.bpmn import (
    BoundaryEvent,
    CallActivity,
    CompensateEventDefinition,
    Definitions,
    EndEvent,
    ErrorEventDefinition,
    ExclusiveGateway,
    Expression,
    IoParameter,
    JobDefinition,
    MessageEventDefinition,
    MultiInstance,
    ParallelGateway,
    ScriptTask,
    ServiceTask,
    StandardLoop,
    StartEvent,
    SubProcess,
    TimerEventDefinition,
    Transaction,
    UserTask,
)


def round_trip(defs: Definitions) -> Definitions:
    again = parse(to_xml(defs))
    assert again == defs
    return again


def test_the_readme_chain() -> None:
    defs = (
        ProcessBuilder("order")
        .start()
        .service_task("charge", type="payment")
        .exclusive_gateway("ok?")
        .condition("=amount > 100")
        .user_task("approve")
        .end()
        .build()
    )
    process = defs.processes["order"]
    assert list(process.elements) == ["StartEvent_1", "charge", "ok", "approve", "EndEvent_1"]
    gateway = process.elements["ok"]
    assert isinstance(gateway, ExclusiveGateway) and gateway.name == "ok?"
    charge = process.elements["charge"]
    assert isinstance(charge, ServiceTask)
    assert charge.job == JobDefinition(type=Expression.literal("payment"))
    (flow_id,) = gateway.outgoing
    assert process.flows[flow_id].condition == Expression.feel("amount > 100")
    assert process.flows[flow_id].target == "approve"
    assert process.start_events == ("StartEvent_1",)
    round_trip(defs)


def test_branches_joins_and_defaults() -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("split")
        .condition("=x > 1", name="big")
        .task("a")
        .exclusive_gateway("join")
        .end("done")
        .branch("split")
        .default(name="small")
        .task("b")
        .connect_to("join")
        .move_to("split")
        .condition("x < 0")
        .task("c")
        .connect_to("join")
        .build()
    )
    process = defs.processes["p"]
    split = process.elements["split"]
    assert isinstance(split, ExclusiveGateway)
    assert len(split.outgoing) == 3
    default = process.flows[split.default or ""]
    assert default.target == "b" and default.is_default and default.name == "small"
    assert process.elements["join"].incoming == tuple(
        f for f in process.flows if process.flows[f].target == "join"
    )
    assert len(process.elements["join"].incoming) == 3
    assert validate(defs) == []
    round_trip(defs)


def test_parallel_fork_and_join() -> None:
    defs = (
        ProcessBuilder("fan")
        .start()
        .parallel_gateway("fork")
        .task("a")
        .parallel_gateway("join")
        .end()
        .move_to("fork")
        .task("b")
        .connect_to("join")
        .build()
    )
    process = defs.processes["fan"]
    assert isinstance(process.elements["join"], ParallelGateway)
    assert len(process.elements["fork"].outgoing) == 2
    assert len(process.elements["join"].incoming) == 2
    assert validate(defs) == []
    round_trip(defs)


def test_boundary_events_subprocesses_and_event_subprocesses() -> None:
    defs = (
        ProcessBuilder("order")
        .start(message="order-placed")
        .subprocess("handle")
        .start()
        .user_task("check", assignee="=clerk", candidate_groups=["sales", "support"])
        .boundary_event("too_slow", duration="PT2H", interrupting=False)
        .end("reminded")
        .move_to("check")
        .end("checked")
        .end_subprocess()
        .boundary_event("failed", error="FAILED")
        .end("failure", terminate=True)
        .move_to("handle")
        .end("ok")
        .event_subprocess("on_cancel")
        .start(message="cancel-order", correlation_key="=orderId", interrupting=True)
        .end("cancelled")
        .end_subprocess()
        .build()
    )
    process = defs.processes["order"]
    handle = process.elements["handle"]
    assert isinstance(handle, SubProcess)
    assert handle.children == ("StartEvent_2", "check", "too_slow", "reminded", "checked")
    assert handle.boundary_events == ("failed",)
    too_slow = process.elements["too_slow"]
    assert isinstance(too_slow, BoundaryEvent)
    assert too_slow.parent == "handle" and not too_slow.cancel_activity
    assert too_slow.definition == TimerEventDefinition(time_duration=Expression.literal("PT2H"))
    failed = process.elements["failed"]
    assert isinstance(failed, BoundaryEvent) and failed.parent == "order"
    assert failed.definition == ErrorEventDefinition(error_ref="Error_FAILED")
    assert defs.errors["Error_FAILED"].code == Expression.literal("FAILED")
    user = process.elements["check"]
    assert isinstance(user, UserTask)
    assert user.candidate_groups == Expression.literal("sales, support")
    assert process.event_subprocesses == ("on_cancel",)
    cancel_start = process.elements[process.elements["on_cancel"].children[0]]  # type: ignore[attr-defined]
    assert isinstance(cancel_start, StartEvent)
    assert cancel_start.definition == MessageEventDefinition(message_ref="Message_cancel-order")
    assert defs.messages["Message_cancel-order"].correlation_key == Expression.feel("orderId")
    assert process.elements["ok"].incoming  # the chain resumed after the subprocess
    assert validate(defs) == []
    round_trip(defs)


def test_activity_details() -> None:
    defs = (
        ProcessBuilder("details", name="Details", version_tag="1.2")
        .start()
        .script_task("sum", script="=a + b", result_variable="total")
        .script_task("py", script="total = a + b", format="python")
        .documentation("A Python script.")
        .async_before()
        .async_after()
        .property("owner", "ops")
        .service_task("notify", type="=channel", retries=2, headers={"k": "v"})
        .input("to", "=customer.email")
        .output("sent", "=true")
        .multi_instance("customers", "customer", sequential=True, completion_condition="=done")
        .call_activity("child", process_id="child-process", propagate_all_child_variables=False)
        .loop("=again", test_before=True, maximum=3)
        .business_rule_task("decide", decision="risk", result_variable="risk")
        .send_task("tell", message="told")
        .receive_task("hear", message="heard", correlation_key="=id")
        .manual_task("sweep")
        .catch("pause", duration="PT5M")
        .throw("shout", signal="alarm")
        .end("fin", message="finished", type="publish")
        .build()
    )
    process = defs.processes["details"]
    assert process.version_tag == "1.2"
    script = process.elements["sum"]
    assert isinstance(script, ScriptTask)
    assert (script.script_format, script.script, script.result_variable) == (
        "feel",
        "a + b",
        "total",
    )
    python = process.elements["py"]
    assert python.documentation == "A Python script."
    assert python.async_before and python.async_after
    assert python.properties == {"owner": "ops"}
    notify = process.elements["notify"]
    assert isinstance(notify, ServiceTask)
    assert notify.job == JobDefinition(
        type=Expression.feel("channel"), retries=Expression.literal("2")
    )
    assert notify.inputs == (IoParameter(Expression.feel("customer.email"), "to"),)
    assert notify.loop == MultiInstance(
        is_sequential=True,
        input_collection=Expression.feel("customers"),
        input_element="customer",
        completion_condition=Expression.feel("done"),
    )
    child = process.elements["child"]
    assert isinstance(child, CallActivity) and not child.propagate_all_child_variables
    assert child.loop == StandardLoop(
        loop_condition=Expression.feel("again"), test_before=True, loop_maximum=3
    )
    end = process.elements["fin"]
    assert isinstance(end, EndEvent) and end.job is not None
    assert set(defs.messages) == {"Message_told", "Message_heard", "Message_finished"}
    assert set(defs.signals) == {"Signal_alarm"}
    assert validate(defs) == []
    round_trip(defs)


def test_compensation_and_transactions() -> None:
    defs = (
        ProcessBuilder("booking")
        .start()
        .transaction("tx")
        .start()
        .service_task("book", type="book")
        .boundary_event("undo", compensate=True)
        .service_task("unbook", type="unbook")
        .move_to("book")
        .end("cancel", cancel=True)
        .end_subprocess()
        .boundary_event("cancelled", cancel=True)
        .throw("compensate_all", compensate=True)
        .end("rolled_back")
        .move_to("tx")
        .end("booked")
        .build()
    )
    process = defs.processes["booking"]
    assert isinstance(process.elements["tx"], Transaction)
    undo = process.elements["undo"]
    assert isinstance(undo, BoundaryEvent) and undo.compensation_handler == "unbook"
    unbook = process.elements["unbook"]
    assert isinstance(unbook, ServiceTask) and unbook.is_for_compensation
    assert unbook.incoming == ()
    throw = process.elements["compensate_all"]
    assert throw.definition == CompensateEventDefinition()  # type: ignore[attr-defined]
    assert validate(defs) == []
    round_trip(defs)


def test_several_processes() -> None:
    parent = ProcessBuilder("parent").start().call_activity("call", process_id="child").end()
    with pytest.raises(BuilderError, match="'StartEvent_1' is used in both"):
        build_definitions(parent, ProcessBuilder("child").start().end())
    child = ProcessBuilder("child", id_prefix="child_").start().end()
    defs = build_definitions(parent, child, id="both")
    assert defs.processes["child"].start_events == ("child_StartEvent_1",)
    assert set(defs.processes) == {"parent", "child"}
    again = round_trip(defs)
    assert {d.plane_element for d in again.diagrams} == {"parent", "child"}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ProcessBuilder("p").start().end().task("x"), "after the end event"),
        (lambda: ProcessBuilder("p").start("a").task("a"), "already used"),
        (lambda: ProcessBuilder("p").move_to("nowhere"), "no element 'nowhere'"),
        (lambda: ProcessBuilder("p").start().branch(), "no gateway"),
        (lambda: ProcessBuilder("p").start().end_subprocess(), "without an open subprocess"),
        (lambda: ProcessBuilder("p").condition("=x").start(), "need an element"),
        (lambda: ProcessBuilder("p").start().condition("=x").move_to("StartEvent_1"), "no element"),
        (lambda: ProcessBuilder("p").boundary_event(duration="PT1M"), "attached to an activity"),
        (lambda: ProcessBuilder("bad id"), "not a valid process id"),
        (lambda: ProcessBuilder("p").input("a", "=b"), "add an element first"),
    ],
)
def test_builder_errors(build: object, message: str) -> None:
    with pytest.raises(BuilderError, match=message):
        build()  # type: ignore[operator]
