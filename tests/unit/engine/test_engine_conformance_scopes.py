"""Behaviour conformance: scopes and nesting.

Behaviours the test suites of other engines check, ported.
Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import CompleteJob

from .harness import Harness

# --- scopes and nesting ---------------------------------------------------------------------


def test_each_multi_instance_subprocess_correlates_by_its_own_key(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest / MessageCorrelationTest: a message catch event in a
    multi-instance subprocess subscribes once per instance with that instance's key."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("per_order")
        .start("ss")
        .catch("shipped", message="shipped", correlation_key="=order")
        .end("se")
        .end_subprocess()
        .multi_instance("=orders", "order", output_collection="done", output_element="=order")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"orders": ["a", "b", "c"]})
    assert sorted(s.correlation_key or "" for _, s in h.subscriptions.values()) == ["a", "b", "c"]
    h.correlate("shipped", "b")
    assert len(h.subscriptions) == 2
    h.correlate("shipped", "c")
    h.correlate("shipped", "a")
    assert h.status == "completed"
    assert h.variables["done"] == ["a", "b", "c"]


def test_interrupting_event_subprocess_of_a_subprocess_ends_only_that_subprocess(
    roundtrip: bool,
) -> None:
    """Zeebe EventSubprocessTest.shouldInterruptSubprocessOnly: the rest of the process goes
    on, the subprocess completes through its event subprocess."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("f")
        .subprocess("sub")
        .start("ss")
        .user_task("inside")
        .end("se")
        .event_subprocess("esp")
        .start("es", message="abort")
        .end("ee")
        .end_subprocess()
        .end_subprocess()
        .user_task("after")
        .end("e1")
        .move_to("f")
        .user_task("beside")
        .end("e2")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("abort")
    assert sorted(h.active) == ["after", "beside"]
    assert "inside" not in h.passed


def test_non_interrupting_event_subprocess_keeps_its_subprocess_open(roundtrip: bool) -> None:
    """Camunda 7 EventSubProcessTest.testNonInterruptingInSubProcess: the subprocess
    completes only after its running event subprocess instance completed."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .user_task("inside")
        .end("se")
        .event_subprocess("esp")
        .start("es", message="note", interrupting=False)
        .user_task("handle")
        .end("ee")
        .end_subprocess()
        .end_subprocess()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("note")
    h.complete_task("inside")
    assert "sub" not in h.passed
    assert h.active == ["handle"]
    h.complete_task("handle")
    assert h.status == "completed"
    assert h.passed[-2:] == ["sub", "e"]


def test_error_from_an_inner_subprocess_of_a_multi_instance_is_caught_on_the_body(
    roundtrip: bool,
) -> None:
    """Zeebe ErrorEventTest.shouldCatchErrorFromInnerInstanceOnMultiInstanceBody (an error
    end event inside a multi-instance subprocess)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("each")
        .start("ss")
        .exclusive_gateway("ok")
        .condition("=item < 0")
        .end("bad", error="NEGATIVE")
        .move_to("ok")
        .default()
        .user_task("work")
        .end("se")
        .end_subprocess()
        .multi_instance("=items", "item")
        .end("done")
        .boundary_event("caught", attached_to="each", error="NEGATIVE")
        .end("rejected")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, -1, 2]})
    assert h.status == "completed"
    assert h.passed[-2:] == ["caught", "rejected"]
    assert h.tasks == {}


def test_escalation_end_event_and_interrupting_boundary(roundtrip: bool) -> None:
    """Zeebe EscalationEventTest.shouldTriggerInterruptingBoundaryEventByEscalationEndEvent."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("f")
        .user_task("slow")
        .end("se")
        .move_to("f")
        .end("escalate", escalation="TOO_SLOW")
        .end_subprocess()
        .end("done")
        .boundary_event("handled", attached_to="sub", escalation="TOO_SLOW")
        .end("escalated")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed[-2:] == ["handled", "escalated"]
    assert h.tasks == {}


def test_compensation_inside_a_subprocess_undoes_only_its_activities(roundtrip: bool) -> None:
    """Camunda 7 CompensateEventTest.testCompensateSubprocess (throw inside the
    subprocess): activities completed before it outside are not compensated."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("outer", script='"o"', result_variable="o")
        .boundary_event("undo_outer", attached_to="outer", compensate=True)
        .script_task("cancel_outer", script='append(undone, "outer")', result_variable="undone")
        .move_to("outer")
        .subprocess("sub")
        .start("ss")
        .script_task("inner", script='"i"', result_variable="i")
        .boundary_event("undo_inner", attached_to="inner", compensate=True)
        .script_task("cancel_inner", script='append(undone, "inner")', result_variable="undone")
        .move_to("inner")
        .throw("undo_here", compensate=True)
        .end("se")
        .end_subprocess()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.status == "completed"
    assert h.variables["undone"] == ["inner"]


def test_compensation_handler_sees_the_local_variables_of_what_it_undoes(
    roundtrip: bool,
) -> None:
    """Camunda 7 CompensateEventTest.testCompensationHandlerSeesLocalVariables (a snapshot
    of the activity's local variables, here from its input mapping)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("charge", type="charge")
        .input("amount", "=price * 2")
        .boundary_event("undo", attached_to="charge", compensate=True)
        .script_task("refund", script="amount", result_variable="refunded")
        .move_to("charge")
        .throw("compensate", compensate=True)
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"price": 21})
    h.complete_job("charge")
    assert h.status == "completed"
    assert h.variables == {"price": 21, "refunded": 42}


def test_receive_task_with_a_message_boundary_and_a_timer(roundtrip: bool) -> None:
    """Camunda 7 ReceiveTaskTest.testSupportsMessageEventReceivedOnReceiveTask with a
    boundary: the receive task's own message completes it, the timer is cancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .receive_task("wait", message="answer", correlation_key="=id")
        .end("answered")
        .boundary_event("late", attached_to="wait", duration="PT1H")
        .end("timed_out")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": 7})
    h.correlate("answer", "7", {"value": "yes"})
    assert h.passed[-2:] == ["wait", "answered"]
    assert h.variables["value"] == "yes"
    assert h.timers == {}


def test_output_mappings_of_an_inner_instance_feed_the_output_element(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldApplyOutputMappingOnInnerInstance: the inner
    activity writes its output mappings into its own scope, where the output element
    variable lives, so the collection gets each instance's value."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("calc", type="calc")
        .output("result", "=x * 2")
        .multi_instance("=items", "item", output_collection="out", output_element="=result")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    for job_id, (_, job) in list(h.jobs.items()):
        h.apply(CompleteJob(job_id, {"x": job.variables["item"]}))
        h.jobs.pop(job_id)
    assert h.status == "completed"
    assert h.variables == {"items": [1, 2, 3], "out": [2, 4, 6]}


def test_an_error_from_a_child_walks_out_of_the_call_activity_to_a_subprocess(
    roundtrip: bool,
) -> None:
    """Zeebe ErrorEventTest.shouldCatchErrorFromChildInstanceOnOuterScope: the call activity
    has no error boundary, the subprocess around it has."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .call_activity("call", process_id="child")
        .end("se")
        .end_subprocess()
        .end("done")
        .boundary_event("caught", attached_to="sub", error=True)
        .end("handled")
    )
    child = ProcessBuilder("child", id_prefix="c_").start().end("fail", error="CHILD_FAILED")
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    assert h.status == "completed"
    assert h.passed[-2:] == ["caught", "handled"]


def test_an_interrupting_event_subprocess_ends_running_non_interrupting_ones(
    roundtrip: bool,
) -> None:
    """Camunda 7 EventSubProcessTest.testNonInterruptingAndInterruptingEventSubProcess."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("main")
        .end("done")
        .event_subprocess("notes")
        .start("note", message="note", interrupting=False)
        .user_task("read")
        .end("read_done")
        .end_subprocess()
        .event_subprocess("stop")
        .start("halt", message="halt")
        .user_task("cleanup")
        .end("stopped")
        .end_subprocess()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("note")
    assert sorted(h.active) == ["main", "read"]
    h.correlate("halt")
    assert h.active == ["cleanup"]
    assert h.subscriptions == {}
    assert h.tasks and all(t.element_id == "cleanup" for _, t in h.tasks.values())
    h.complete_task("cleanup")
    assert h.status == "completed"
