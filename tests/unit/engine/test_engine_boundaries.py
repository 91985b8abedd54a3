"""Boundary events: timer, message, signal, conditional, error, escalation; interrupting
and non-interrupting."""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder
from regista.engine import CancelJob, CancelUserTask, CloseSubscription

from .harness import Harness


def _timed(interrupting: bool, **timer: str) -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .user_task("work")
        .end("done")
        .boundary_event("timeout", attached_to="work", interrupting=interrupting, **timer)
        .end("late")
    )


def test_interrupting_timer_cancels_the_activity(roundtrip: bool) -> None:
    h = Harness(_timed(True, duration="PT1H").build(), roundtrip=roundtrip).start()
    assert h.active == ["work"]
    h.advance(dt.timedelta(hours=1))
    assert h.status == "completed"
    assert h.passed == ["s", "timeout", "late"]
    assert any(isinstance(e, CancelUserTask) for e in h.last)
    assert not h.tasks


def test_non_interrupting_cycle_timer_forks_each_time(roundtrip: bool) -> None:
    h = Harness(_timed(False, cycle="R3/PT10M").build(), roundtrip=roundtrip).start()
    h.advance(dt.timedelta(hours=1))
    assert h.passed.count("timeout") == 3
    assert h.active == ["work"]
    h.complete_task("work")
    assert h.status == "completed"
    assert h.passed[-2:] == ["work", "done"]


def test_timer_is_cancelled_when_the_activity_completes(roundtrip: bool) -> None:
    h = Harness(_timed(True, duration="PT1H").build(), roundtrip=roundtrip).start()
    h.complete_task("work")
    assert h.status == "completed"
    assert not h.timers


def test_message_boundary_interrupting_and_not(roundtrip: bool) -> None:
    for interrupting in (True, False):
        defs = (
            ProcessBuilder("p")
            .start("s")
            .service_task("work", type="w")
            .end("done")
            .boundary_event(
                "msg",
                attached_to="work",
                interrupting=interrupting,
                message="cancel",
                correlation_key="=id",
            )
            .end("cancelled")
            .build()
        )
        h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "a"})
        h.correlate("cancel", "a", {"reason": "customer"})
        assert h.variables["reason"] == "customer"
        if interrupting:
            assert h.status == "completed"
            assert any(isinstance(e, CancelJob) for e in h.last)
            assert any(isinstance(e, CloseSubscription) for e in h.last)
        else:
            assert h.status == "active"
            assert h.active == ["work"]
            h.correlate("cancel", "a")
            assert h.passed.count("msg") == 2
            h.complete_job("work")
            assert h.status == "completed"
            assert not h.subscriptions


def test_signal_boundary(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("work")
        .end("done")
        .boundary_event("stop", attached_to="work", signal="halt")
        .end("halted")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.signal("halt")
    assert h.passed[-2:] == ["stop", "halted"]
    assert h.status == "completed"


def test_conditional_boundary(roundtrip: bool) -> None:
    for interrupting in (True, False):
        defs = (
            ProcessBuilder("p")
            .start()
            .user_task("work")
            .end("done")
            .boundary_event(
                "cond",
                attached_to="work",
                interrupting=interrupting,
                condition='=priority = "high"',
            )
            .end("escalated")
            .build()
        )
        h = Harness(defs, roundtrip=roundtrip).start(variables={"priority": "low"})
        h.set_variables({"priority": "high"})
        assert "cond" in h.passed
        assert h.status == ("completed" if interrupting else "active")
        if not interrupting:
            h.set_variables({"priority": "high", "other": 1})
            assert h.passed.count("cond") == 1
            h.set_variables({"priority": "low"})
            h.set_variables({"priority": "high"})
            assert h.passed.count("cond") == 2


def test_conditional_boundary_true_on_entry_fires_at_once(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("work")
        .end("done")
        .boundary_event("cond", attached_to="work", condition="=skip")
        .end("skipped")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"skip": True})
    assert h.passed[-2:] == ["cond", "skipped"]
    assert h.status == "completed"


def test_boundary_on_a_subprocess_terminates_everything_inside(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .parallel_gateway("f")
        .service_task("a", type="a")
        .end("ea")
        .move_to("f")
        .user_task("b")
        .end("eb")
        .end_subprocess()
        .end("done")
        .boundary_event("timeout", attached_to="sub", duration="PT5M")
        .end("late")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["a", "b"]
    h.advance(dt.timedelta(minutes=5))
    assert h.status == "completed"
    assert not h.jobs and not h.tasks
    history = h.history[h.state.id]
    terminated = [e.element_id or "" for e in history if e.kind == "element_terminated"]
    assert sorted(terminated) == ["a", "b", "sub"]


def test_boundary_output_mappings(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("work")
        .end("done")
        .boundary_event("msg", attached_to="work", message="m")
        .output("why", "=reason")
        .end("stopped")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.correlate("m", None, {"reason": "r"})
    assert h.variables == {"why": "r"}


def test_resolving_a_job_incident_keeps_the_boundary_events(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("work", type="w")
        .end("done")
        .boundary_event("timeout", attached_to="work", duration="PT1H")
        .end("late")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.fail_job("work", retries=0)
    h.resolve()
    assert len(h.timers) == 1
    h.advance(dt.timedelta(hours=1))
    assert h.passed[-1] == "late"
