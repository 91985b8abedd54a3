"""Multi-instance (parallel, sequential) and standard loops."""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder, build_definitions
from regista.engine import CompleteJob

from .harness import Harness


def _mi(sequential: bool, **options: str) -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .service_task("work", type="w")
        .multi_instance(
            "=items",
            "item",
            sequential=sequential,
            output_collection="results",
            output_element="=result",
            **options,
        )
        .end("e")
    )


def test_parallel_multi_instance_collects_outputs_in_order(roundtrip: bool) -> None:
    h = Harness(_mi(False).build(), roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    assert h.active == ["work", "work", "work"]
    jobs = sorted(h.jobs.values(), key=lambda j: int(j[1].variables["loopCounter"]))
    assert [int(j[1].variables["item"]) for j in jobs] == [1, 2, 3]
    body = next(ei for ei in h.state.element_instances("work") if ei.role == "body")
    assert int(h.state.variables(body.id)["nrOfInstances"]) == 3
    for key in [jobs[2][1].job_id, jobs[0][1].job_id, jobs[1][1].job_id]:
        instance_id, job = h.jobs.pop(key)
        h.apply(CompleteJob(key, {"result": int(job.variables["item"]) * 10}), instance_id)
    assert h.status == "completed"
    assert h.variables["results"] == [10, 20, 30]
    assert "item" not in h.variables and "loopCounter" not in h.variables
    assert h.passed.count("work") == 4


def test_sequential_multi_instance_runs_one_at_a_time(roundtrip: bool) -> None:
    h = Harness(_mi(True).build(), roundtrip=roundtrip).start(variables={"items": ["a", "b"]})
    assert h.active == ["work"]
    assert h.job("work").variables["item"] == "a"
    h.complete_job("work", {"result": "A"})
    assert h.job("work").variables["item"] == "b"
    h.complete_job("work", {"result": "B"})
    assert h.variables["results"] == ["A", "B"]


def test_completion_condition_stops_the_rest(roundtrip: bool) -> None:
    defs = _mi(False, completion_condition="=nrOfCompletedInstances >= 2").build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2, 3]})
    h.complete_job("work", {"result": 1})
    h.complete_job("work", {"result": 2})
    assert h.status == "completed"
    assert not h.jobs
    assert h.variables["results"] == [1, 2, None]


def test_empty_collection_and_cardinality(roundtrip: bool) -> None:
    h = Harness(_mi(False).build(), roundtrip=roundtrip).start(variables={"items": []})
    assert h.status == "completed"
    assert h.variables["results"] == []
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("count", script="=loopCounter", result_variable="last")
        .multi_instance(cardinality="=3", sequential=True)
        .end()
        .build()
    )
    c = Harness(defs, roundtrip=roundtrip).start()
    assert c.status == "completed"
    assert c.variables["last"] == 3
    assert c.passed.count("count") == 4


def test_input_collection_not_a_list_is_an_incident() -> None:
    h = Harness(_mi(False).build()).start(variables={"items": 5})
    assert h.status == "incident"
    assert "not a list" in h.state.incidents[0].message
    h.set_variables({"items": [1]})
    h.resolve()
    assert h.active == ["work"]


def test_multi_instance_subprocess(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .subprocess("sub")
        .start("ss")
        .script_task("double", script="=n * 2", result_variable="d")
        .end("se")
        .end_subprocess()
        .multi_instance("=numbers", "n", output_collection="doubled", output_element="=d")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"numbers": [1, 2, 3]})
    assert h.status == "completed"
    assert h.variables["doubled"] == [2, 4, 6]


def test_boundary_on_multi_instance_covers_all_instances(roundtrip: bool) -> None:
    defs = (
        _mi(False)
        .boundary_event("timeout", attached_to="work", duration="PT1H")
        .end("late")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": [1, 2]})
    h.complete_job("work", {"result": 1})
    h.advance(dt.timedelta(hours=1))
    assert h.status == "completed"
    assert not h.jobs
    assert h.passed[-1] == "late"


def test_standard_loop(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("inc", script="=i + 1", result_variable="i")
        .loop("=i < 5")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"i": 0})
    assert h.variables["i"] == 5
    capped = (
        ProcessBuilder("p")
        .start()
        .script_task("inc", script="=i + 1", result_variable="i")
        .loop("=true", maximum=3)
        .end()
        .build()
    )
    assert Harness(capped, roundtrip=roundtrip).start(variables={"i": 0}).variables["i"] == 3
    before = (
        ProcessBuilder("p")
        .start()
        .script_task("inc", script="=i + 1", result_variable="i")
        .loop("=i < 0", test_before=True)
        .end()
        .build()
    )
    assert Harness(before, roundtrip=roundtrip).start(variables={"i": 0}).variables["i"] == 0


def test_standard_loop_with_a_waiting_task(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().user_task("ask").loop("=not(done)").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    h.complete_task("ask", {"done": False})
    assert h.active == ["ask"]
    h.complete_task("ask", {"done": True})
    assert h.status == "completed"


def test_multi_instance_call_activity(roundtrip: bool) -> None:
    parent = (
        ProcessBuilder("parent")
        .start()
        .call_activity("call", process_id="child")
        .multi_instance("=items", "item", output_collection="out", output_element="=answer")
        .end("e")
    )
    child = (
        ProcessBuilder("child", id_prefix="c_")
        .start()
        .script_task("answer", script="=item * 10", result_variable="answer")
        .end()
    )
    h = Harness(build_definitions(parent, child), roundtrip=roundtrip).start(
        "parent", {"items": [1, 2]}
    )
    assert h.status == "completed"
    assert h.variables["out"] == [10, 20]


def test_long_sequential_loops_do_not_nest_calls(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("count", script="=loopCounter", result_variable="last")
        .multi_instance("=items", "item", sequential=True)
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip, max_steps=100_000).start(
        variables={"items": list(range(3000))}
    )
    assert h.status == "completed"
    assert h.variables["last"] == 3000
