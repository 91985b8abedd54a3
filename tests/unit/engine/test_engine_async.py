"""Asynchronous continuations (`camunda:asyncBefore` / `asyncAfter`): real wait points.

The engine stops with a job of the reserved type `ASYNC_CONTINUATION` and goes on when the
shell completes it; each test also runs with the state through JSON at every wait.
"""

from __future__ import annotations

from regista.bpmn import ProcessBuilder
from regista.engine import ASYNC_CONTINUATION, CreateJob

from .harness import Harness


def _async_jobs(h: Harness) -> list[CreateJob]:
    return [job for _, job in h.jobs.values() if job.type == ASYNC_CONTINUATION]


def test_async_before_waits_before_the_element_runs(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("calc", script="x + 1", result_variable="x")
        .async_before()
        .input("local", "=1")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 1})
    assert h.status == "active"
    assert h.active == ["calc"]
    assert h.variables == {"x": 1}  # the script has not run
    (job,) = _async_jobs(h)
    assert (job.element_id, dict(job.headers)) == ("calc", {"async": "before"})
    h.complete_job("calc")
    assert h.status == "completed"
    assert h.variables == {"x": 2}
    assert h.passed == ["s", "calc", "e"]


def test_async_after_waits_before_the_outgoing_flows_are_taken(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("calc", script="x * 2", result_variable="x")
        .async_after()
        .exclusive_gateway("g")
        .condition("=x > 10")
        .end("big")
        .move_to("g")
        .default()
        .end("small")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 3})
    assert h.variables == {"x": 6}  # the script ran
    assert h.active == ["calc"]
    assert h.passed == ["s"]
    (job,) = _async_jobs(h)
    assert dict(job.headers) == {"async": "after"}
    h.set_variables({"x": 50})  # the flows are chosen when the continuation runs
    h.complete_job("calc")
    assert h.status == "completed"
    assert h.passed == ["s", "calc", "g", "big"]


def test_async_before_a_service_task_then_its_job(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .service_task("t", type="work")
        .async_before()
        .async_after()
        .end()
    ).build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert [j.type for _, j in h.jobs.values()] == [ASYNC_CONTINUATION]
    h.complete_job("t")
    assert [j.type for _, j in h.jobs.values()] == ["work"]
    h.complete_job("t", {"done": True})
    assert [j.type for _, j in h.jobs.values()] == [ASYNC_CONTINUATION]
    assert h.variables == {"done": True}
    h.complete_job("t")
    assert h.status == "completed"


def test_async_after_closes_the_boundary_events(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("task")
        .async_after()
        .end("done")
        .boundary_event("late", attached_to="task", duration="PT1H")
        .end("timed_out")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert len(h.timers) == 1
    h.complete_task("task")
    assert h.timers == {}
    h.complete_job("task")
    assert h.passed[-1] == "done"


def test_async_continuations_on_multi_instance_inner_activities(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("each", script="item * 10", result_variable="out")
        .async_before()
        .multi_instance(
            "=items", "item", sequential=True, output_collection="outs", output_element="=out"
        )
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    for _ in range(3):
        assert len(_async_jobs(h)) == 1
        h.complete_job("each")
    assert h.status == "completed"
    assert h.variables["outs"] == [10, 20, 30]


def test_async_start_event_and_gateway_and_subprocess(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .async_before()
        .subprocess("sub")
        .start("ss")
        .task("inner")
        .end("se")
        .end_subprocess()
        .async_after()
        .parallel_gateway("g")
        .async_before()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.active == ["s"]
    h.complete_job("s")
    assert h.active == ["sub"]
    assert h.passed == ["s", "ss", "inner", "se"]
    h.complete_job("sub")
    assert h.active == ["g"]
    h.complete_job("g")
    assert h.status == "completed"
    assert h.passed == ["s", "ss", "inner", "se", "sub", "g", "e"]


def test_a_failed_continuation_retries_then_raises_an_incident(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().task("t").async_before().end().build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.fail_job("t", retries=1)
    (job,) = _async_jobs(h)
    assert job.type == ASYNC_CONTINUATION and job.retries == 1
    h.fail_job("t", retries=0)
    assert h.status == "incident"
    h.resolve()
    assert h.status == "active"
    (job,) = _async_jobs(h)
    h.complete_job("t")
    assert h.status == "completed"


def test_terminating_an_element_waiting_on_its_continuation_cancels_the_job(
    roundtrip: bool,
) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .parallel_gateway("f")
        .task("slow")
        .async_before()
        .end("a")
        .move_to("f")
        .end("stop", terminate=True)
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "terminated"
    assert h.jobs == {}
    assert "CancelJob" in h.kinds()
