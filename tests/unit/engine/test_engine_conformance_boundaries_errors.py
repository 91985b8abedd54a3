"""Behaviour conformance: boundary events, errors and escalation.

Behaviours the test suites of other engines check, ported.
Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import (
    CancelChild,
    CancelJob,
    CancelTimer,
    CancelUserTask,
    CommandRejected,
    CompleteJob,
)

from .conformance import HOUR
from .harness import Harness

# --- boundary events ------------------------------------------------------------------------


def test_interrupting_timer_boundary_cancels_the_job(roundtrip: bool) -> None:
    """Zeebe BoundaryEventTest.shouldTakeTimerBoundaryEvent (service task): the job is
    cancelled and a late completion is refused."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("work", type="work")
        .end("done")
        .boundary_event("timeout", attached_to="work", duration="PT10M")
        .end("late")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    job = h.job("work")
    h.advance(HOUR)
    assert h.passed == ["s", "timeout", "late"]
    assert any(isinstance(e, CancelJob) and e.job_id == job.job_id for e in h.last)
    try:
        h.apply(CompleteJob(job.job_id))
    except CommandRejected:
        pass
    else:
        raise AssertionError("a cancelled job must not complete")


def test_interrupting_timer_boundary_cancels_the_user_task(roundtrip: bool) -> None:
    """Zeebe BoundaryEventTest / Camunda 7 BoundaryTimerEventTest.testTimerOnUserTask."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("approve")
        .end("done")
        .boundary_event("escalate", attached_to="approve", duration='=duration("PT2H")')
        .user_task("manager")
        .end("escalated")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.advance(HOUR)
    assert h.active == ["approve"]
    h.advance(HOUR)
    assert h.active == ["manager"]
    assert any(isinstance(e, CancelUserTask) for e in h.last)


def test_non_interrupting_timer_cycle_boundary_fires_repeatedly(roundtrip: bool) -> None:
    """Zeebe BoundaryEventTest.shouldTriggerNonInterruptingTimerCycle (R3): three firings,
    the activity stays; when it completes the timer is cancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("work")
        .end("done")
        .boundary_event("remind", attached_to="work", interrupting=False, cycle="R3/PT10M")
        .script_task("count", script="reminders + 1", result_variable="reminders")
        .end("reminded")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"reminders": 0})
    h.advance(dt.timedelta(minutes=25))
    assert h.variables["reminders"] == 2
    h.advance(HOUR)
    assert h.variables["reminders"] == 3
    assert h.timers == {}
    assert h.active == ["work"]
    h = Harness(defs, roundtrip=roundtrip).start(variables={"reminders": 0})
    h.advance(dt.timedelta(minutes=15))
    h.complete_task("work")
    assert h.status == "completed"
    assert any(isinstance(e, CancelTimer) for e in h.last)


def test_message_boundary_on_a_subprocess_terminates_everything_inside(
    roundtrip: bool,
) -> None:
    """Zeebe BoundaryEventTest.shouldTerminateSubProcessBeforeTriggeringBoundaryEvent with a
    message boundary on the subprocess: its jobs and tasks are cancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("f")
        .service_task("job", type="w")
        .end("se1")
        .move_to("f")
        .user_task("task")
        .end("se2")
        .end_subprocess()
        .end("done")
        .boundary_event("stop", attached_to="sub", message="stop", correlation_key="=id")
        .end("stopped")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "k"})
    assert sorted(h.active) == ["job", "task"]
    h.correlate("stop", "k", {"why": "customer"})
    assert h.status == "completed"
    assert h.passed[-2:] == ["stop", "stopped"]
    assert h.jobs == {} and h.tasks == {}
    kinds = h.kinds()
    assert "CancelJob" in kinds and "CancelUserTask" in kinds
    assert h.variables["why"] == "customer"


def test_non_interrupting_message_boundary_on_a_subprocess(roundtrip: bool) -> None:
    """Camunda 7 MessageNonInterruptingBoundaryEventTest (subprocess): each message forks
    a token out of the subprocess, which goes on."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .user_task("inner")
        .end("se")
        .end_subprocess()
        .end("done")
        .boundary_event("note", attached_to="sub", interrupting=False, message="note")
        .user_task("read")
        .end("noted")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("note")
    h.correlate("note")
    assert sorted(h.active) == ["inner", "read", "read"]
    h.complete_task("inner")
    assert h.passed.count("sub") == 1
    assert sorted(h.active) == ["read", "read"]
    h.complete_task("read")
    h.complete_task("read")
    assert h.status == "completed"


def test_interrupting_boundary_on_a_call_activity_cancels_the_child(roundtrip: bool) -> None:
    """Zeebe CallActivityTest.shouldTerminateChildInstanceOnBoundaryEvent."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity("call", process_id="child")
        .end("done")
        .boundary_event("late", attached_to="call", duration="PT1H")
        .end("timed_out")
    )
    child = ProcessBuilder("child", id_prefix="c_").start().user_task("inside").end()
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    (child_id,) = h.children
    assert h.states[child_id].active_elements() == ["inside"]
    h.advance(HOUR)
    assert h.passed[-2:] == ["late", "timed_out"]
    assert any(isinstance(e, CancelChild) for e in h.effects)
    assert h.states[child_id].status == "cancelled"
    assert h.tasks == {}


# --- errors ---------------------------------------------------------------------------------


def _error_boundaries(first: str) -> ProcessBuilder:
    builder = ProcessBuilder("p").start("s").service_task("charge", type="charge").end("charged")
    specs: dict[str, str | bool] = {"all": True, "code": "DECLINED"}
    for name in (first, "code" if first == "all" else "all"):
        builder.boundary_event(f"catch_{name}", attached_to="charge", error=specs[name])
        builder.end(f"end_{name}")
    return builder


def test_error_boundary_by_code_wins_over_catch_all_in_any_order(roundtrip: bool) -> None:
    """Zeebe ErrorEventTest.shouldCatchErrorWithMatchingCodeOverCatchAll; Camunda 7
    BoundaryErrorEventTest.testCatchErrorByCodeBeforeCatchAll."""
    for first in ("all", "code"):
        defs = _error_boundaries(first).build()
        h = Harness(defs, roundtrip=roundtrip).start()
        h.throw_error("charge", "DECLINED")
        assert h.passed[-2:] == ["catch_code", "end_code"]
        h = Harness(defs, roundtrip=roundtrip).start()
        h.throw_error("charge", "OTHER")
        assert h.passed[-2:] == ["catch_all", "end_all"]


def test_error_end_event_in_a_subprocess_is_caught_on_its_boundary(roundtrip: bool) -> None:
    """Zeebe ErrorEventTest.shouldCatchErrorOnSubprocessBoundary (error end event inside an
    embedded subprocess); the other token inside is terminated."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("f")
        .user_task("other")
        .end("se")
        .move_to("f")
        .end("fail", error="BROKEN")
        .end_subprocess()
        .end("done")
        .boundary_event("caught", attached_to="sub", error="BROKEN")
        .end("handled")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed[-2:] == ["caught", "handled"]
    assert "done" not in h.passed
    assert h.tasks == {}


def test_error_thrown_in_a_called_process_is_caught_on_the_call_activity(
    roundtrip: bool,
) -> None:
    """Zeebe CallActivityTest / ErrorEventTest.shouldCatchErrorFromChildInstance: the child
    ends, the parent leaves by the call activity's error boundary."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity("call", process_id="child")
        .end("done")
        .boundary_event("caught", attached_to="call", error="REJECTED")
        .end("handled")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .service_task("check", type="check")
        .end("ok")
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    h.throw_error("check", "REJECTED", {"reason": "limit"})
    (child_id,) = h.children
    assert h.states[child_id].status == "terminated"
    assert h.status == "completed"
    assert h.passed[-2:] == ["caught", "handled"]
    assert h.variables["reason"] == "limit"


def test_an_uncaught_error_raises_an_incident_and_never_completes(roundtrip: bool) -> None:
    """Zeebe ErrorEventTest.shouldCreateIncidentIfErrorIsNotCaught (error end event and a
    worker's error); Camunda 7 completes silently here, Zeebe and Regista do not."""
    defs = ProcessBuilder("p").start("s").end("fail", error="NOPE").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "unhandled BPMN error 'NOPE'" in h.state.incidents[0].message
    defs = ProcessBuilder("p").start("s").service_task("t", type="t").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("t", "NOPE")
    assert h.status == "incident"
    assert h.active == ["t"]


def test_error_walks_out_to_an_event_subprocess_of_an_outer_scope(roundtrip: bool) -> None:
    """Zeebe ErrorEventTest.shouldCatchErrorInEventSubprocessOfParentScope: no boundary on
    the way, the process-level error event subprocess catches it and interrupts."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .service_task("t", type="t")
        .end("se")
        .end_subprocess()
        .end("done")
        .event_subprocess("on_error")
        .start("es", error="E1")
        .script_task("log", script='"handled " + code', result_variable="log")
        .end("ee")
        .end_subprocess()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"code": "E1"})
    h.throw_error("t", "E1")
    assert h.status == "completed"
    assert h.variables["log"] == "handled E1"
    assert "done" not in h.passed


def test_error_boundary_on_a_multi_instance_body_ends_every_instance(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldTerminateInstancesOnErrorBoundaryEvent."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("each", type="each")
        .multi_instance("=items", "item")
        .end("done")
        .boundary_event("failed", attached_to="each", error="E")
        .end("aborted")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    assert len(h.jobs) == 3
    h.complete_job("each")
    h.throw_error("each", "E")
    assert h.status == "completed"
    assert h.passed[-2:] == ["failed", "aborted"]
    assert h.jobs == {}


def test_an_error_inside_an_error_event_subprocess_goes_to_the_outer_scope(
    roundtrip: bool,
) -> None:
    """Camunda 7 ErrorEventSubProcessTest: an error thrown by the event subprocess's own
    flow is not caught by the same event subprocess but by the scope around."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .service_task("t", type="t")
        .end("se")
        .event_subprocess("inner_handler")
        .start("ies", error=True)
        .end("rethrow", error="AGAIN")
        .end_subprocess()
        .end_subprocess()
        .end("done")
        .boundary_event("outer", attached_to="sub", error="AGAIN")
        .end("handled")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("t", "FIRST")
    assert h.status == "completed"
    assert h.passed == ["s", "ss", "ies", "rethrow", "outer", "handled"]


# --- escalation -----------------------------------------------------------------------------


def test_non_interrupting_escalation_boundary_lets_the_subprocess_go_on(
    roundtrip: bool,
) -> None:
    """Zeebe EscalationEventTest.shouldTriggerNonInterruptingBoundaryEvent."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .throw("raise", escalation="LATE")
        .user_task("go_on")
        .end("se")
        .end_subprocess()
        .end("done")
        .boundary_event("noticed", attached_to="sub", interrupting=False, escalation="LATE")
        .user_task("inform")
        .end("informed")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["go_on", "inform"]
    h.complete_task("go_on")
    h.complete_task("inform")
    assert h.status == "completed"


def test_escalation_from_a_called_process_caught_on_the_call_activity(roundtrip: bool) -> None:
    """Zeebe EscalationEventTest.shouldCatchEscalationFromChildProcess (non-interrupting):
    the child goes on and completes the call activity later."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity("call", process_id="child")
        .end("done")
        .boundary_event("seen", attached_to="call", interrupting=False, escalation="HELP")
        .end("helped")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .throw("ask", escalation="HELP")
        .user_task("work")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent")
    assert "helped" in h.passed
    assert h.status == "active"
    h.complete_task("work")
    assert h.status == "completed"
    assert h.passed[-1] == "done"


def test_an_uncaught_escalation_lets_the_thrower_go_on(roundtrip: bool) -> None:
    """Zeebe EscalationEventTest.shouldContinueIfEscalationIsNotCaught."""
    defs = ProcessBuilder("p").start("s").throw("up", escalation="X").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed == ["s", "up", "e"]
