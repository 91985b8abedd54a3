"""Behaviour conformance: compensation, links, signals and messages.

Behaviours the test suites of other engines check, ported.
Each test names where the behaviour comes from — a test class of Camunda 8 Zeebe's engine
(`io.camunda.zeebe.engine.processing.bpmn...`) or of Camunda 7
(`org.camunda.bpm.engine.test.bpmn...`), with the test method as recalled from those suites
(the behaviour is what matters; method names are indicative) — and runs twice: plain, and
with the instance state sent through JSON at every wait (save/restore in the middle of the
run). Where Regista deliberately differs, the docstring says so.
"""

from __future__ import annotations

from regista.bpmn import ProcessBuilder
from regista.engine import CompleteJob, StartInstance

from .harness import Harness

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
