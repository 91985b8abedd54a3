"""Compensation: handlers run newest first, for a whole scope or one activity."""

from __future__ import annotations

from regista.bpmn import ProcessBuilder

from .harness import Harness


def _booking() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .script_task("book_hotel", script='"hotel"', result_variable="hotel")
        .boundary_event("undo_hotel", attached_to="book_hotel", compensate=True)
        .script_task("cancel_hotel", script='append(undone, "hotel")', result_variable="undone")
        .move_to("book_hotel")
        .script_task("book_flight", script='"flight"', result_variable="flight")
        .boundary_event("undo_flight", attached_to="book_flight", compensate=True)
        .script_task("cancel_flight", script='append(undone, "flight")', result_variable="undone")
        .move_to("book_flight")
    )


def test_compensation_end_event_runs_handlers_in_reverse_order(roundtrip: bool) -> None:
    defs = _booking().end("undo_all", compensate=True).build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.status == "completed"
    assert h.variables["undone"] == ["flight", "hotel"]
    assert h.passed[-1] == "undo_all"


def test_compensation_throw_for_one_activity(roundtrip: bool) -> None:
    defs = _booking().throw("undo_hotel_only", compensate="book_hotel").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.variables["undone"] == ["hotel"]
    assert h.passed[-2:] == ["undo_hotel_only", "e"]


def test_compensation_twice_runs_each_handler_once(roundtrip: bool) -> None:
    defs = (
        _booking().throw("first", compensate=True).throw("again", compensate=True).end("e").build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.variables["undone"] == ["flight", "hotel"]


def test_compensation_waits_for_a_handler_with_a_job(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("charge", type="charge")
        .boundary_event("undo", attached_to="charge", compensate=True)
        .service_task("refund", type="refund")
        .move_to("charge")
        .throw("compensate", compensate=True)
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_job("charge")
    assert h.active == ["compensate", "refund"]
    h.complete_job("refund")
    assert h.status == "completed"
    assert h.passed[-3:] == ["refund", "compensate", "e"]


def test_activities_inside_a_completed_subprocess_are_compensated(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .script_task("a", script="1", result_variable="a")
        .boundary_event("ua", attached_to="a", compensate=True)
        .script_task("undo_a", script='append(undone, "a")', result_variable="undone")
        .move_to("a")
        .end("se")
        .end_subprocess()
        .end("undo", compensate=True)
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    assert h.variables["undone"] == ["a"]


def test_compensation_from_an_error_event_subprocess(roundtrip: bool) -> None:
    builder = _booking().service_task("pay", type="pay").end("ok")
    builder.event_subprocess("on_fail").start("caught", error="PAY").end(
        "rollback", compensate=True
    )
    defs = builder.end_subprocess().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"undone": []})
    h.throw_error("pay", "PAY")
    assert h.status == "completed"
    assert h.variables["undone"] == ["flight", "hotel"]


def test_nothing_to_compensate_passes_through(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().throw("c", compensate=True).end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
