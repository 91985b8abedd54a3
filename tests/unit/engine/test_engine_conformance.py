"""Behaviour conformance: behaviours the test suites of other engines check, ported.

Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import (
    CancelChild,
    CancelJob,
    CancelTimer,
    CancelUserTask,
    CloseSubscription,
    CommandRejected,
    CompleteJob,
    StartInstance,
)

from .harness import Harness

HOUR = dt.timedelta(hours=1)


def _activated(h: Harness, element_id: str) -> int:
    return sum(
        1
        for e in h.history[h.state.id]
        if e.kind == "element_activated" and e.element_id == element_id
    )


# --- exclusive gateway ----------------------------------------------------------------------


def _exclusive() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("xor")
        .condition("=x > 10")
        .end("big")
        .move_to("xor")
        .condition("=x > 5")
        .end("medium")
        .move_to("xor")
        .default()
        .end("small")
    )


def test_exclusive_gateway_takes_the_first_true_flow_in_model_order(roundtrip: bool) -> None:
    """Zeebe ExclusiveGatewayTest.shouldSplitOnExclusiveGateway: with several conditions
    true, only the first flow (in model order) is taken."""
    h = Harness(_exclusive().build(), roundtrip=roundtrip).start(variables={"x": 20})
    assert h.passed == ["s", "xor", "big"]
    assert h.status == "completed"


def test_exclusive_gateway_takes_the_default_flow_when_no_condition_holds(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest.shouldTakeDefaultFlowIfNoConditionIsFulfilled."""
    h = Harness(_exclusive().build(), roundtrip=roundtrip).start(variables={"x": 1})
    assert h.passed == ["s", "xor", "small"]


def test_exclusive_gateway_without_a_true_condition_or_default_raises_an_incident(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest.shouldCreateIncidentIfNoConditionMatches (then resolved
    after the variables were fixed); Camunda 7 ExclusiveGatewayTest.testNoSequenceFlowSelected."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("xor")
        .condition("=x = 1")
        .end("one")
        .move_to("xor")
        .condition("=x = 2")
        .end("two")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 3})
    assert h.status == "incident"
    assert h.active == ["xor"]
    assert "no condition is true at the exclusive gateway xor" in h.state.incidents[0].message
    h.set_variables({"x": 2})
    h.resolve()
    assert h.status == "completed"
    assert h.passed == ["s", "xor", "two"]


def test_exclusive_gateway_merges_without_synchronising(roundtrip: bool) -> None:
    """Camunda 7 ExclusiveGatewayTest (merge): every token arriving passes on at once."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .task("a")
        .exclusive_gateway("merge")
        .user_task("after")
        .end("e")
        .move_to("fork")
        .task("b")
        .connect_to("merge")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.active == ["after", "after"]
    h.complete_task("after")
    h.complete_task("after")
    assert h.status == "completed"
    assert h.passed.count("e") == 2


# --- parallel gateway -----------------------------------------------------------------------


def test_parallel_join_waits_for_every_incoming_flow(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest.shouldMergeParallelBranches: the join fires once, after the
    last branch arrived."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .service_task("a", type="a")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .service_task("b", type="b")
        .connect_to("join")
        .move_to("fork")
        .service_task("c", type="c")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_job("b")
    h.complete_job("a")
    assert _activated(h, "join") == 0
    assert h.active == ["c"]
    h.complete_job("c")
    assert _activated(h, "join") == 1
    assert h.status == "completed"


def test_parallel_gateway_that_joins_and_forks(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest.shouldMergeAndSplitInOneGateway."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .task("a")
        .parallel_gateway("both")
        .user_task("x")
        .end("ex")
        .move_to("fork")
        .task("b")
        .connect_to("both")
        .user_task("y")
        .end("ey")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["x", "y"]
    assert _activated(h, "both") == 1


def test_parallel_join_counts_tokens_per_flow(roundtrip: bool) -> None:
    """Zeebe ParallelGatewayTest (two tokens on one incoming flow): the join consumes one
    token per flow and the extra token keeps waiting there."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .exclusive_gateway("merge")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .connect_to("merge")
        .move_to("fork")
        .user_task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.state.root.joins is not None
    assert sum(h.state.root.joins["join"].values()) == 2
    h.complete_task("b")
    assert h.passed.count("e") == 1
    assert h.status == "active"  # one token still waits at the join, forever
    assert sum(h.state.root.joins["join"].values()) == 1


# --- inclusive gateway ----------------------------------------------------------------------


def _inclusive() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=a")
        .service_task("ta", type="a")
        .inclusive_gateway("join")
        .end("e")
        .move_to("fork")
        .condition("=b")
        .service_task("tb", type="b")
        .connect_to("join")
        .move_to("fork")
        .default()
        .service_task("td", type="d")
        .connect_to("join")
    )


def test_inclusive_join_waits_only_for_the_branches_taken(roundtrip: bool) -> None:
    """Zeebe InclusiveGatewayTest.shouldMergeOnlyActivatedBranches; Camunda 7
    InclusiveGatewayTest.testJoinAfterSplit."""
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": True, "b": False})
    assert h.active == ["ta"]
    h.complete_job("ta")
    assert h.status == "completed"
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": True, "b": True})
    assert sorted(h.active) == ["ta", "tb"]
    h.complete_job("tb")
    assert _activated(h, "join") == 0
    h.complete_job("ta")
    assert _activated(h, "join") == 1
    assert h.status == "completed"


def test_inclusive_gateway_takes_the_default_only_when_no_condition_holds(
    roundtrip: bool,
) -> None:
    """Zeebe InclusiveGatewayTest.shouldTakeDefaultFlowIfNoConditionIsFulfilled."""
    h = Harness(_inclusive().build(), roundtrip=roundtrip).start(variables={"a": False, "b": False})
    assert h.active == ["td"]


def test_inclusive_gateway_without_true_condition_or_default_is_an_incident(
    roundtrip: bool,
) -> None:
    """Zeebe InclusiveGatewayTest.shouldCreateIncidentIfNoConditionIsFulfilled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=a")
        .end("ea")
        .move_to("fork")
        .condition("=b")
        .end("eb")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": False, "b": False})
    assert h.status == "incident"
    h.set_variables({"b": True})
    h.resolve()
    assert h.passed == ["s", "fork", "eb"]


def test_inclusive_join_inside_a_loop(roundtrip: bool) -> None:
    """Camunda 7 InclusiveGatewayTest.testLoop: fork and join are passed again on each turn
    of a loop back to the fork; the join waits for this turn's branches only."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=true")
        .user_task("a")
        .inclusive_gateway("join")
        .script_task("count", script="n + 1", result_variable="n")
        .exclusive_gateway("again")
        .condition("=n < 3")
        .connect_to("fork")
        .move_to("again")
        .default()
        .end("e")
        .move_to("fork")
        .condition("=n = 1")
        .user_task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 0})
    # turn 1: only a (n = 0)
    h.complete_task("a")
    # turn 2: a and b (n = 1)
    assert sorted(h.active) == ["a", "b"]
    h.complete_task("a")
    assert _activated(h, "join") == 1
    h.complete_task("b")
    assert _activated(h, "join") == 2
    # turn 3: only a (n = 2)
    assert h.active == ["a"]
    h.complete_task("a")
    assert h.status == "completed"
    assert h.variables["n"] == 3


def test_inclusive_join_fires_when_a_taken_branch_ends_elsewhere(roundtrip: bool) -> None:
    """Camunda 7 InclusiveGatewayTest (a branch leaves by an interrupting boundary event
    towards an end event): the join stops waiting for it."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .inclusive_gateway("fork")
        .condition("=true")
        .user_task("a")
        .inclusive_gateway("join")
        .end("e")
        .move_to("fork")
        .condition("=true")
        .user_task("b")
        .connect_to("join")
        .boundary_event("timeout", attached_to="b", duration="PT1H")
        .end("gave_up")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_task("a")
    assert h.status == "active"
    h.advance(HOUR)
    assert h.status == "completed"
    assert h.passed[-3:] == ["gave_up", "join", "e"]


# --- event-based gateway --------------------------------------------------------------------


def _event_gateway() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .event_based_gateway("gw")
        .catch("paid", message="paid", correlation_key="=id")
        .end("e_paid")
        .move_to("gw")
        .catch("late", duration="PT1H")
        .end("e_late")
        .move_to("gw")
        .receive_task("cancelled", message="cancel", correlation_key="=id")
        .end("e_cancel")
        .move_to("gw")
        .catch("alarm", signal="alarm")
        .end("e_alarm")
    )


def test_event_based_gateway_first_message_wins_and_the_rest_are_closed(
    roundtrip: bool,
) -> None:
    """Zeebe EventBasedGatewayTest.shouldContinueWhenMessageIsCorrelated: the other
    subscriptions and the timer are closed."""
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    assert h.active == ["gw"]
    assert len(h.subscriptions) == 3 and len(h.timers) == 1
    h.correlate("paid", "o1", {"amount": 10})
    assert h.passed == ["s", "gw", "paid", "e_paid"]
    assert h.variables["amount"] == 10
    assert h.subscriptions == {} and h.timers == {}
    kinds = h.kinds()
    assert kinds.count("CloseSubscription") == 3 and kinds.count("CancelTimer") == 1


def test_event_based_gateway_timer_and_receive_task_and_signal(roundtrip: bool) -> None:
    """Zeebe EventBasedGatewayTest.shouldContinueWhenTimerIsTriggered; a receive task and a
    signal after the gateway (BPMN 2.0, Camunda 7 EventBasedGatewayTest)."""
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.advance(HOUR)
    assert h.passed[-2:] == ["late", "e_late"]
    assert h.subscriptions == {}
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.correlate("cancel", "o1")
    assert h.passed[-2:] == ["cancelled", "e_cancel"]
    assert h.timers == {}
    h = Harness(_event_gateway().build(), roundtrip=roundtrip).start(variables={"id": "o1"})
    h.signal("alarm")
    assert h.passed[-2:] == ["alarm", "e_alarm"]


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
    assert h.passed == ["s", "ss", "ies", "outer", "handled"]


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


# --- event subprocesses ---------------------------------------------------------------------


def _with_event_subprocess(interrupting: bool, **trigger: str) -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .user_task("main")
        .end("done")
        .event_subprocess("esp")
        .start("es", interrupting=interrupting, **trigger)
        .user_task("handle")
        .end("ee")
        .end_subprocess()
    )


def test_interrupting_message_event_subprocess(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest.shouldTriggerInterruptingMessageEventSubprocess: the main
    flow is terminated, the message's variables are there."""
    defs = _with_event_subprocess(True, message="cancel", correlation_key="=id").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "k"})
    h.correlate("cancel", "k", {"reason": "r"})
    assert h.active == ["handle"]
    assert h.variables["reason"] == "r"
    assert h.subscriptions == {}
    h.complete_task("handle")
    assert h.status == "completed"
    assert "done" not in h.passed


def test_non_interrupting_message_event_subprocess_runs_beside_the_main_flow(
    roundtrip: bool,
) -> None:
    """Zeebe EventSubprocessTest.shouldTriggerNonInterruptingEventSubprocessMultipleTimes;
    the scope completes when the main flow and the event subprocesses are done, and its
    subscription stays open until then."""
    defs = _with_event_subprocess(False, message="note").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("note")
    h.correlate("note")
    assert sorted(h.active) == ["handle", "handle", "main"]
    h.complete_task("main")
    assert h.status == "active"
    assert len(h.subscriptions) == 1  # the scope is still active
    h.complete_task("handle")
    h.complete_task("handle")
    assert h.status == "completed"
    assert h.subscriptions == {}
    assert any(isinstance(e, CloseSubscription) for e in h.last)


def test_timer_event_subprocesses_interrupting_and_cycle(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest (timer start, interrupting and non-interrupting cycle)."""
    h = Harness(_with_event_subprocess(True, duration="PT1H").build(), roundtrip=roundtrip)
    h.start()
    h.advance(HOUR)
    assert h.active == ["handle"]
    defs = _with_event_subprocess(False, cycle="R2/PT1H").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.advance(3 * HOUR)
    assert sorted(h.active) == ["handle", "handle", "main"]


def test_error_and_signal_event_subprocesses(roundtrip: bool) -> None:
    """Zeebe EventSubprocessTest (error start) and SignalEventTest (signal start event of an
    event subprocess, interrupting and not)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("work", type="w")
        .end("done")
        .event_subprocess("on_error")
        .start("es", error="E")
        .end("ee")
        .end_subprocess()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.throw_error("work", "E")
    assert h.status == "completed"
    assert h.passed[-3:] == ["es", "ee", "on_error"]
    for interrupting in (True, False):
        h = Harness(
            _with_event_subprocess(interrupting, signal="alarm").build(), roundtrip=roundtrip
        ).start()
        h.signal("alarm")
        expected = ["handle"] if interrupting else ["handle", "main"]
        assert sorted(h.active) == expected


# --- terminate end event --------------------------------------------------------------------


def test_terminate_end_event_in_a_subprocess_ends_only_the_subprocess(roundtrip: bool) -> None:
    """Zeebe TerminateEndEventTest.shouldTerminateSubprocess; Camunda 7
    TerminateEndEventTest.testTerminateInSubProcess."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("f")
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("inner_f")
        .user_task("inside")
        .end("se")
        .move_to("inner_f")
        .end("stop", terminate=True)
        .end_subprocess()
        .user_task("after_sub")
        .end("e1")
        .move_to("f")
        .user_task("outside")
        .end("e2")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["after_sub", "outside"]
    assert "sub" in h.passed
    h.complete_task("outside")
    h.complete_task("after_sub")
    assert h.status == "completed"


def test_terminate_end_event_in_a_multi_instance_subprocess_ends_one_instance(
    roundtrip: bool,
) -> None:
    """Camunda 7 TerminateEndEventTest.testTerminateInSubProcessConcurrentMultiInstance: only
    the inner instance that reached the terminate end event ends."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .exclusive_gateway("which")
        .condition("=item = 1")
        .end("stop", terminate=True)
        .move_to("which")
        .default()
        .user_task("work")
        .end("se")
        .end_subprocess()
        .multi_instance("=items", "item")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    assert h.active == ["work", "work"]
    h.complete_task("work")
    h.complete_task("work")
    assert h.status == "completed"


# --- multi-instance and loops ---------------------------------------------------------------


def test_parallel_multi_instance_completion_condition_cancels_the_rest(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCompleteBodyWhenCompletionConditionIsFulfilled:
    the remaining instances are terminated and their jobs cancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("vote", type="vote")
        .multi_instance(
            "=voters",
            "voter",
            completion_condition="=count(votes[item = true]) >= 2",
            output_collection="votes",
            output_element="=approved",
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"voters": ["a", "b", "c", "d"]})
    assert len(h.jobs) == 4
    h.complete_job("vote", {"approved": True})
    h.complete_job("vote", {"approved": False})
    assert h.status == "active"
    h.complete_job("vote", {"approved": True})
    assert h.status == "completed"
    assert h.jobs == {}
    assert h.kinds().count("CancelJob") == 1
    assert h.variables["votes"] == [True, False, True, None]


def test_sequential_multi_instance_collects_outputs_in_order_with_loop_counter(
    roundtrip: bool,
) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCollectOutputInSequentialOrder and
    .shouldSetLoopCounterVariable."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("step")
        .multi_instance(
            "=names",
            "name",
            sequential=True,
            output_collection="results",
            output_element='={n: loopCounter, v: name + "!"}',
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"names": ["x", "y", "z"]})
    for expected in ("x", "y", "z"):
        task = h.task("step")
        assert task.variables["name"] == expected
        assert len(h.tasks) == 1
        h.complete_task("step")
    assert h.variables["results"] == [
        {"n": 1, "v": "x!"},
        {"n": 2, "v": "y!"},
        {"n": 3, "v": "z!"},
    ]
    assert "name" not in h.variables and "loopCounter" not in h.variables


def test_parallel_multi_instance_outputs_follow_the_input_order(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldCollectOutputInParallel: completed in reverse,
    collected by index."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("calc", type="calc")
        .multi_instance("=items", "item", output_collection="out", output_element="=result")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    for job_id, (_, job) in reversed(list(h.jobs.items())):
        item = job.variables["item"]
        h.apply(CompleteJob(job_id, {"result": item * 10}))
        h.jobs.pop(job_id)
    assert h.variables["out"] == [10, 20, 30]


def test_multi_instance_over_an_empty_collection_completes_at_once(roundtrip: bool) -> None:
    """Zeebe MultiInstanceActivityTest.shouldSkipMultiInstanceBodyIfInputCollectionIsEmpty."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("each", type="w")
        .multi_instance("=items", "item", output_collection="out", output_element="=x")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": []})
    assert h.status == "completed"
    assert h.jobs == {}
    assert h.variables["out"] == []
    assert _activated(h, "each") == 1  # the body only


def test_multi_instance_counters_and_cardinality(roundtrip: bool) -> None:
    """Camunda 7 MultiInstanceTest.testParallelUserTasksCompletionCondition with
    nrOfInstances / nrOfCompletedInstances and loopCardinality."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .multi_instance(
            cardinality="=5",
            completion_condition="=nrOfCompletedInstances / nrOfInstances >= 0.6",
        )
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert len(h.tasks) == 5
    body = next(ei for ei in h.state.element_instances("review") if ei.role == "body")
    assert h.state.variables(body.id)["nrOfInstances"] == 5
    h.complete_task("review")
    h.complete_task("review")
    assert h.status == "active"
    h.complete_task("review")
    assert h.status == "completed"
    assert h.tasks == {}


def test_standard_loop_with_test_before(roundtrip: bool) -> None:
    """Camunda 7 / BPMN standard loop (testBefore): a false condition runs nothing, a true
    one runs while it holds."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("inc", script="n + 1", result_variable="n")
        .loop("=n < 3", test_before=True)
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 5})
    assert h.variables["n"] == 5
    h = Harness(defs, roundtrip=roundtrip).start(variables={"n": 0})
    assert h.variables["n"] == 3
    after = (
        ProcessBuilder("p")
        .start("s")
        .script_task("inc", script="n + 1", result_variable="n")
        .loop("=n < 3")
        .end("e")
        .build()
    )
    h = Harness(after, roundtrip=roundtrip).start(variables={"n": 5})
    assert h.variables["n"] == 6  # test after: runs at least once


# --- compensation ---------------------------------------------------------------------------


def _bookings() -> ProcessBuilder:
    builder = ProcessBuilder("p").start("s")
    for name in ("car", "hotel", "flight"):
        builder.script_task(f"book_{name}", script=f'"{name}"', result_variable=name)
        builder.boundary_event(f"undo_{name}", attached_to=f"book_{name}", compensate=True)
        builder.script_task(
            f"cancel_{name}", script=f'append(undone, "{name}")', result_variable="undone"
        )
        builder.move_to(f"book_{name}")
    return builder


def test_compensation_runs_handlers_in_reverse_order_after_a_throw(roundtrip: bool) -> None:
    """Zeebe CompensationEventTest.shouldInvokeCompensationHandlersInReverseOrder; Camunda 7
    CompensateEventTest.testCompensateScope."""
    defs = _bookings().throw("undo", compensate=True).end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.variables["undone"] == ["flight", "hotel", "car"]
    assert h.passed[-2:] == ["undo", "e"]


def test_compensation_of_one_activity_by_activity_ref(roundtrip: bool) -> None:
    """Zeebe CompensationEventTest.shouldCompensateActivityByActivityRef; Camunda 7
    CompensateEventTest.testCompensateSingleActivity."""
    defs = _bookings().throw("undo", compensate="book_hotel").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.variables["undone"] == ["hotel"]


def test_only_completed_activities_are_compensated(roundtrip: bool) -> None:
    """Zeebe CompensationEventTest.shouldNotCompensateActiveActivity: an activity still
    running (in a parallel branch) has nothing to undo."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("f")
        .service_task("pay", type="pay")
        .boundary_event("undo_pay", attached_to="pay", compensate=True)
        .script_task("refund", script='append(undone, "pay")', result_variable="undone")
        .move_to("pay")
        .end("e1")
        .move_to("f")
        .service_task("ship", type="ship")
        .boundary_event("undo_ship", attached_to="ship", compensate=True)
        .script_task("unship", script='append(undone, "ship")', result_variable="undone")
        .move_to("ship")
        .throw("undo", compensate=True)
        .end("e2")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    h.complete_job("ship")
    assert h.variables["undone"] == ["ship"]
    assert h.active == ["pay"]


def test_compensation_of_a_multi_instance_activity_runs_per_instance(roundtrip: bool) -> None:
    """Camunda 7 CompensateEventTest.testCompensateMiActivity / Zeebe: the handler runs once
    for each completed instance, newest first, seeing that instance's input element."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("book", type="book")
        .multi_instance("=items", "item")
        .boundary_event("undo_book", attached_to="book", compensate=True)
        .script_task("cancel", script="append(undone, item)", result_variable="undone")
        .move_to("book")
        .throw("undo", compensate=True)
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": ["a", "b", "c"], "undone": []})
    for job_id, _ in sorted(h.jobs.items(), key=lambda kv: kv[1][1].variables["item"] != "b"):
        h.apply(CompleteJob(job_id))
        h.jobs.pop(job_id)
    # completed b, a, c: undone newest first
    assert h.variables["undone"] == ["c", "a", "b"]
    assert "item" not in h.variables


def test_transaction_cancel_end_event_compensates_and_leaves_by_the_cancel_boundary(
    roundtrip: bool,
) -> None:
    """Camunda 7 TransactionSubProcessTest.testSimpleCaseTxCancelled."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .transaction("tx")
        .start("ts")
        .script_task("reserve", script='"r"', result_variable="r")
        .boundary_event("undo_reserve", attached_to="reserve", compensate=True)
        .script_task("release", script='append(undone, "reserve")', result_variable="undone")
        .move_to("reserve")
        .script_task("charge", script='"c"', result_variable="c")
        .boundary_event("undo_charge", attached_to="charge", compensate=True)
        .script_task("refund", script='append(undone, "charge")', result_variable="undone")
        .move_to("charge")
        .exclusive_gateway("ok")
        .condition("=fail")
        .end("abort", cancel=True)
        .move_to("ok")
        .default()
        .end("te")
        .end_subprocess()
        .end("done")
        .boundary_event("cancelled", attached_to="tx", cancel=True)
        .end("was_cancelled")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": [], "fail": True})
    assert h.status == "completed"
    assert h.variables["undone"] == ["charge", "reserve"]
    assert h.passed[-2:] == ["cancelled", "was_cancelled"]
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": [], "fail": False})
    assert h.passed[-1] == "done"
    assert h.variables["undone"] == []


# --- events and messages --------------------------------------------------------------------


def test_link_events_jump_and_several_throws_reach_one_catch(roundtrip: bool) -> None:
    """Zeebe LinkEventTest.shouldJumpFromLinkThrowToCatch (two throws, one catch)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("g")
        .condition("=left")
        .throw("go_a", link="next")
        .move_to("g")
        .default()
        .throw("go_b", link="next")
        .catch("arrive", link="next")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"left": True})
    assert h.passed == ["s", "g", "go_a", "arrive", "e"]
    h = Harness(defs, roundtrip=roundtrip).start(variables={"left": False})
    assert h.passed == ["s", "g", "go_b", "arrive", "e"]


def test_a_signal_reaches_every_waiting_instance(roundtrip: bool) -> None:
    """Zeebe SignalEventTest.shouldBroadcastSignalToAllInstances; Camunda 7
    SignalEventTest.testSignalCatchIntermediate (several instances)."""
    defs = ProcessBuilder("p").start("s").catch("wait", signal="go").end("e").build()
    h = Harness(defs, roundtrip=roundtrip)
    ids = [f"i{n}" for n in (1, 2, 3)]
    for instance_id in ids:
        h.apply(StartInstance("p", {}, instance_id=instance_id))
    assert len(h.subscriptions) == 3
    h.signal("go", {"from": "broadcast"})
    for instance_id in ids:
        state = h.states[instance_id]
        assert state.status == "completed"
        assert state.variables()["from"] == "broadcast"


def test_a_message_reaches_only_the_instance_with_its_correlation_key(roundtrip: bool) -> None:
    """Zeebe MessageCorrelationTest.shouldCorrelateMessageByCorrelationKey."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .catch("paid", message="paid", correlation_key="=orderId")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip)
    h.apply(StartInstance("p", {"orderId": "A"}, instance_id="A"))
    h.apply(StartInstance("p", {"orderId": "B"}, instance_id="B"))
    h.correlate("paid", "B", {"amount": 5})
    assert h.states["B"].status == "completed"
    assert h.states["B"].variables()["amount"] == 5
    assert h.states["A"].status == "active"
    assert h.states["A"].active_elements() == ["paid"]


# --- variables ------------------------------------------------------------------------------


def test_input_mappings_are_local_and_output_mappings_reach_the_process(
    roundtrip: bool,
) -> None:
    """Zeebe VariableMappingTest.shouldApplyInputMapping / .shouldApplyOutputMapping: inputs
    are local to the element; with output mappings only the mapped results leave it."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .service_task("t", type="t")
        .input("total", "=order.price * order.qty")
        .input("customer.name", "=name")
        .output("invoice", "={id: invoiceId, total: total}")
        .output("order.billed", "=true")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(
        variables={"order": {"price": 2, "qty": 3}, "name": "Ann"}
    )
    job = h.job("t")
    assert job.variables["total"] == 6
    assert job.variables["customer"] == {"name": "Ann"}
    h.complete_job("t", {"invoiceId": "I-1", "noise": True})
    assert h.variables == {
        "order": {"price": 2, "qty": 3, "billed": True},
        "name": "Ann",
        "invoice": {"id": "I-1", "total": 6},
    }


def test_without_output_mappings_job_variables_propagate_to_where_they_are_defined(
    roundtrip: bool,
) -> None:
    """Zeebe VariableMappingTest.shouldPropagateVariablesToNearestScope: a variable the
    subprocess defines is updated there, an unknown one goes to the process."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .service_task("t", type="t")
        .service_task("t2", type="t")
        .end("se")
        .end_subprocess()
        .input("attempt", "=0")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    sub = next(h.state.element_instances("sub"))
    h.complete_job("t", {"attempt": 1, "result": "ok"})
    assert h.state.variables(sub.id) == {"attempt": 1}
    assert h.variables == {"result": "ok"}  # attempt stayed local to the subprocess
    h.complete_job("t2", {})
    assert h.status == "completed"
    assert h.variables == {"result": "ok"}


def test_result_variables_of_scripts_and_decisions(roundtrip: bool) -> None:
    """Zeebe ScriptTaskTest.shouldWriteResultToResultVariable (a FEEL context result)."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("calc", script="{sum: a + b, items: [a, b]}", result_variable="res")
        .script_task("pick", script="res.sum * 2", result_variable="double")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": 1, "b": 2})
    assert h.variables["res"] == {"sum": 3, "items": [1, 2]}
    assert h.variables["double"] == 6


def test_local_variables_of_a_subprocess_do_not_leak(roundtrip: bool) -> None:
    """Zeebe ProcessInstanceVariableTest / Camunda 7 VariableScopeTest: variables created
    in a subprocess scope stay there and end with it; outer ones are updated in place."""
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .script_task("use", script="temp + counter", result_variable="counter")
        .script_task("own", script="temp * 2", result_variable="temp")
        .user_task("wait")
        .end("se")
        .end_subprocess()
        .input("temp", "=10")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"counter": 1})
    sub = next(h.state.element_instances("sub"))
    assert h.state.variables(sub.id) == {"temp": Decimal(20)}
    assert h.variables == {"counter": 11}
    h.complete_task("wait")
    assert h.variables == {"counter": 11}


def test_call_activity_propagation_rules(roundtrip: bool) -> None:
    """Zeebe CallActivityTest.shouldOnlyPropagateVariablesOfInputMappings (propagateAll
    ParentVariables false) and .shouldNotPropagateAllChildVariables (false, with output
    mappings)."""
    parent = (
        ProcessBuilder("parent")
        .start("s")
        .call_activity(
            "call",
            process_id="child",
            propagate_all_parent_variables=False,
            propagate_all_child_variables=False,
        )
        .input("x", "=a")
        .output("y", "=result")
        .end("e")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("calc", script="if a = null then x * 10 else -1", result_variable="result")
        .script_task("extra", script='"child only"', result_variable="secret")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent", {"a": 4})
    (child_id,) = h.children
    assert h.states[child_id].variables() == {
        "x": Decimal(4),
        "result": Decimal(40),
        "secret": "child only",
    }
    assert h.variables == {"a": 4, "y": 40}


def test_call_activity_propagates_all_variables_by_default(roundtrip: bool) -> None:
    """Zeebe CallActivityTest.shouldPropagateAllChildVariablesByDefault."""
    parent = ProcessBuilder("parent").start("s").call_activity("call", process_id="child").end("e")
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("calc", script="a + 1", result_variable="b")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start("parent", {"a": 1})
    assert h.variables == {"a": 1, "b": 2}


# --- timers, scripts ------------------------------------------------------------------------


def test_timer_definitions_date_duration_cycle_and_feel(roundtrip: bool) -> None:
    """Zeebe TimerCatchEventTest (timeDuration, timeDate, FEEL duration and date and time
    values) and BoundaryEventTest (timeCycle)."""
    cases: list[tuple[dict[str, str], dt.timedelta]] = [
        ({"duration": "PT90M"}, dt.timedelta(minutes=90)),
        ({"duration": '=duration("P1DT1H")'}, dt.timedelta(days=1, hours=1)),
        ({"duration": "=wait"}, dt.timedelta(minutes=5)),
        ({"date": "2026-01-01T12:00:00Z"}, dt.timedelta(hours=3)),
        ({"date": '=date and time("2026-01-01T10:00:00@UTC")'}, dt.timedelta(hours=1)),
        ({"date": '=now() + duration("PT2H")'}, dt.timedelta(hours=2)),
        ({"cycle": "R1/PT30M"}, dt.timedelta(minutes=30)),
    ]
    for timer, after in cases:
        defs = ProcessBuilder("p").start("s").catch("t", **timer).end("e").build()
        h = Harness(defs, roundtrip=roundtrip).start(variables={"wait": "PT5M"})
        ((_, effect),) = h.timers.values()
        assert effect.due == h.now + after, timer
        h.advance(after - dt.timedelta(seconds=1))
        assert h.status == "active", timer
        h.advance(dt.timedelta(seconds=1))
        assert h.status == "completed", timer


def test_feel_script_task_and_untrusted_python(roundtrip: bool) -> None:
    """Zeebe ScriptTaskTest (FEEL); Camunda 7 ScriptTaskTest with a script engine the
    deployment did not allow: an incident, never executed."""
    feel = (
        ProcessBuilder("p")
        .start("s")
        .script_task("s1", script='upper case(name) + "!"', result_variable="shout")
        .end("e")
        .build()
    )
    h = Harness(feel, roundtrip=roundtrip).start(variables={"name": "ann"})
    assert h.variables["shout"] == "ANN!"
    python = (
        ProcessBuilder("p")
        .start("s")
        .script_task("s1", script="import os\nresult = os.getcwd()", format="python")
        .end("e")
        .build()
    )
    h = Harness(python, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "trusted" in h.state.incidents[0].message
    assert h.variables == {}
    trusted = Harness(python, roundtrip=roundtrip, trusted=True).start()
    assert trusted.status == "completed"
    assert isinstance(trusted.variables["result"], str)


# --- business rule tasks (Camunda 7 mapDecisionResult) --------------------------------------

RULES = """<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="r" name="r"
    namespace="http://example.com/rules">
  <decision id="groups" name="Groups">
    <decisionTable hitPolicy="COLLECT">
      <input id="i1"><inputExpression typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="o1" name="group" typeRef="string"/>
      <rule id="r1"><inputEntry><text>-</text></inputEntry>
        <outputEntry><text>"accounting"</text></outputEntry></rule>
      <rule id="r2"><inputEntry><text>&gt; 1000</text></inputEntry>
        <outputEntry><text>"management"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="grade" name="Grade">
    <decisionTable hitPolicy="UNIQUE">
      <input id="i2"><inputExpression typeRef="number"><text>amount</text></inputExpression>
      </input>
      <output id="o2" name="level" typeRef="string"/>
      <output id="o3" name="limit" typeRef="number"/>
      <rule id="r3"><inputEntry><text>&lt;= 1000</text></inputEntry>
        <outputEntry><text>"low"</text></outputEntry><outputEntry><text>1000</text>
        </outputEntry></rule>
      <rule id="r4"><inputEntry><text>&gt; 1000</text></inputEntry>
        <outputEntry><text>"high"</text></outputEntry><outputEntry><text>null</text>
        </outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>"""


def _rule_task(decision: str, mapping: str) -> str:
    return f"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="rules"/>
    <businessRuleTask id="rules" camunda:decisionRef="{decision}" camunda:resultVariable="out"
        camunda:mapDecisionResult="{mapping}"/>
    <sequenceFlow id="f2" sourceRef="rules" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def test_camunda_7_decision_result_mappings(roundtrip: bool) -> None:
    """Camunda 7 DmnBusinessRuleTaskTest / DmnDecisionResultListenerTest: resultList,
    singleResult, singleEntry, collectEntries; more results than a single mapping takes
    is an incident."""
    from regista import dmn
    from regista.bpmn import parse

    models = dmn.load(RULES)

    def run(decision: str, mapping: str, amount: int) -> Harness:
        defs = parse(_rule_task(decision, mapping))
        return Harness(defs, roundtrip=roundtrip, decisions=models).start(
            variables={"amount": amount}
        )

    assert run("groups", "collectEntries", 5000).variables["out"] == ["accounting", "management"]
    assert run("groups", "resultList", 5000).variables["out"] == [
        {"group": "accounting"},
        {"group": "management"},
    ]
    assert run("groups", "singleEntry", 10).variables["out"] == "accounting"
    failed = run("groups", "singleEntry", 5000)
    assert failed.status == "incident"
    assert "gave 2 results" in failed.state.incidents[0].message
    assert run("grade", "singleResult", 10).variables["out"] == {"level": "low", "limit": 1000}
    assert run("grade", "resultList", 5000).variables["out"] == [{"level": "high", "limit": None}]
    assert run("grade", "singleEntry", 10).status == "incident"


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


def test_exclusive_gateway_condition_on_a_missing_variable_counts_as_false(
    roundtrip: bool,
) -> None:
    """Zeebe ExclusiveGatewayTest (a condition over a variable that does not exist): Regista
    reads null as false and takes the default."""
    defs = _exclusive().build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.passed == ["s", "xor", "small"]


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
