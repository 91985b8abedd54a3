"""Embedded subprocesses, event subprocesses, transactions and call activities."""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import CancelChild, StartChild

from .harness import Harness


def test_embedded_subprocess_scope_and_io_mappings(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .script_task("inc", script="local + 1", result_variable="local")
        .end("se")
        .end_subprocess()
        .input("local", "=x * 2")
        .output("result", "=local + 1")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 5})
    assert h.status == "completed"
    assert h.passed == ["s", "ss", "inc", "se", "sub", "e"]
    assert h.variables == {"x": 5, "result": 12}


def test_subprocess_waits_for_all_its_tokens(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("f")
        .user_task("a")
        .end("ea")
        .move_to("f")
        .user_task("b")
        .end("eb")
        .end_subprocess()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_task("a")
    assert h.status == "active"
    h.complete_task("b")
    assert h.status == "completed"
    assert h.passed[-2:] == ["sub", "e"]


def _with_event_subprocess(interrupting: bool, **trigger: str) -> ProcessBuilder:
    builder = ProcessBuilder("p").start("s").user_task("work").end("done")
    builder.event_subprocess("esp").start("trigger", interrupting=interrupting, **trigger)
    builder.end("handled").end_subprocess()
    return builder


def test_message_event_subprocess_interrupting(roundtrip: bool) -> None:
    defs = _with_event_subprocess(True, message="stop", correlation_key="=id").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "k"})
    h.correlate("stop", "k", {"why": "x"})
    assert h.status == "completed"
    assert "work" not in h.passed
    assert h.passed[-2:] == ["handled", "esp"]
    assert h.variables["why"] == "x"
    assert not h.tasks and not h.subscriptions


def test_message_event_subprocess_non_interrupting_can_repeat(roundtrip: bool) -> None:
    defs = _with_event_subprocess(False, message="info").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("info")
    h.correlate("info")
    assert h.passed.count("esp") == 2
    assert h.active == ["work"]
    h.complete_task("work")
    assert h.status == "completed"
    assert not h.subscriptions


def test_timer_event_subprocesses(roundtrip: bool) -> None:
    defs = _with_event_subprocess(False, cycle="R2/PT1H").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.advance(dt.timedelta(hours=5))
    assert h.passed.count("esp") == 2
    assert h.active == ["work"]
    interrupting = Harness(
        _with_event_subprocess(True, duration="PT1H").build(), roundtrip=roundtrip
    ).start()
    interrupting.advance(dt.timedelta(hours=1))
    assert interrupting.status == "completed"
    assert "work" not in interrupting.passed


def test_signal_event_subprocess(roundtrip: bool) -> None:
    defs = _with_event_subprocess(True, signal="abort").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.signal("abort")
    assert h.status == "completed"
    assert h.passed[-1] == "esp"


def test_conditional_event_subprocess(roundtrip: bool) -> None:
    defs = _with_event_subprocess(False, condition="=level > 3").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"level": 1})
    h.set_variables({"level": 5})
    assert h.passed.count("esp") == 1
    assert h.status == "active"


def test_event_subprocess_inside_a_subprocess(roundtrip: bool) -> None:
    builder = (
        ProcessBuilder("p").start("s").subprocess("sub").start("ss").user_task("work").end("se")
    )
    builder.event_subprocess("esp").start("t", message="stop").end("handled").end_subprocess()
    defs = builder.end_subprocess().end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("stop")
    assert h.status == "completed"
    assert h.passed[-4:] == ["handled", "esp", "sub", "e"]


def _transaction() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .transaction("tx")
        .start("ts")
        .service_task("book", type="book")
        .boundary_event("undo_book", attached_to="book", compensate=True)
        .service_task("cancel_booking", type="unbook")
        .move_to("book")
        .service_task("charge", type="charge")
        .boundary_event("undo_charge", attached_to="charge", compensate=True)
        .script_task("refund", script='"refunded"', result_variable="refund")
        .move_to("charge")
        .exclusive_gateway("ok")
        .condition("=failed")
        .end("abort", cancel=True)
        .move_to("ok")
        .default()
        .end("te")
        .end_subprocess()
        .end("done")
        .boundary_event("cancelled", attached_to="tx", cancel=True)
        .end("rolled_back")
    )


def test_transaction_cancel_compensates_then_leaves_by_the_cancel_boundary(
    roundtrip: bool,
) -> None:
    h = Harness(_transaction().build(), roundtrip=roundtrip).start(variables={"failed": True})
    h.complete_job("book")
    h.complete_job("charge")
    # The refund (newest first) ran already; the booking's undo is a job.
    assert h.variables["refund"] == "refunded"
    assert h.active == ["abort", "cancel_booking"]
    h.complete_job("cancel_booking")
    assert h.status == "completed"
    assert h.passed[-2:] == ["cancelled", "rolled_back"]
    order = [p for p in h.passed if p in ("refund", "cancel_booking")]
    assert order == ["refund", "cancel_booking"]


def test_transaction_completes_normally(roundtrip: bool) -> None:
    h = Harness(_transaction().build(), roundtrip=roundtrip).start(variables={"failed": False})
    h.complete_job("book")
    h.complete_job("charge")
    assert h.status == "completed"
    assert h.passed[-3:] == ["te", "tx", "done"]


def _call(
    child_vars: bool = True, parent_vars: bool = True
) -> tuple[ProcessBuilder, ProcessBuilder]:
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity(
            "call",
            process_id="child",
            propagate_all_child_variables=child_vars,
            propagate_all_parent_variables=parent_vars,
        )
    )
    child = ProcessBuilder("child", id_prefix="c_").start("cs").user_task("inner").end("ce")
    return parent, child


def test_call_activity_passes_variables_both_ways(roundtrip: bool) -> None:
    parent, child = _call()
    parent.input("extra", "=a + 1").end("e")
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start(
        "parent", {"a": 1}, business_key="bk"
    )
    start = next(e for e in h.effects if isinstance(e, StartChild))
    assert (start.process_id, start.business_key) == ("child", "bk")
    assert dict(start.variables) == {"a": 1, "extra": 2}
    assert h.active == ["call"]
    child_id = next(iter(h.children))
    h.complete_task("inner", {"b": 3})
    assert h.states[child_id].status == "completed"
    assert h.status == "completed"
    # `extra` is local to the call activity (an input mapping): the child's copy of it
    # updates that local variable, which ends with the call activity.
    assert h.variables == {"a": 1, "b": 3}


def test_call_activity_without_propagation_uses_only_mappings(roundtrip: bool) -> None:
    parent, child = _call(child_vars=False, parent_vars=False)
    parent.input("x", "=a").output("y", "=b").end("e")
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start(
        "parent", {"a": 1, "secret": 0}
    )
    start = next(e for e in h.effects if isinstance(e, StartChild))
    assert dict(start.variables) == {"x": 1}
    h.complete_task("inner", {"b": 3, "noise": 4})
    assert h.variables == {"a": 1, "secret": 0, "y": 3}


def test_terminating_a_call_activity_cancels_the_child(roundtrip: bool) -> None:
    parent, child = _call()
    parent.end("e").boundary_event("timeout", attached_to="call", duration="PT1M").end("late")
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    child_id = next(iter(h.children))
    h.advance(dt.timedelta(minutes=1))
    assert any(isinstance(e, CancelChild) for e in h.effects)
    assert h.states[child_id].status == "cancelled"
    assert h.status == "completed"
    assert h.passed[-1] == "late"


def test_a_called_process_that_cannot_start_is_an_incident_until_retried(
    roundtrip: bool,
) -> None:
    parent = (
        ProcessBuilder("parent")
        .start()
        .call_activity("call", process_id="child")
        .input("n", "=1")
        .end("done")
        .boundary_event("late", attached_to="call", duration="PT1H")
        .end("timed_out")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("t", script="n + 1", result_variable="n")
        .end()
    )
    h = Harness(build_definitions(parent), roundtrip=roundtrip).start("parent")
    assert h.status == "incident"
    (incident,) = h.state.incidents
    assert incident.element_id == "call"
    assert "no process 'child' is deployed" in incident.message
    assert "resolve the incident" in incident.message
    assert h.active == ["call"]
    h.definitions = build_definitions(parent, child)  # the called process is deployed now
    h.resolve()
    assert h.status == "completed"
    assert h.passed[-1] == "done"
    assert len(h.timers) == 0
