"""The step function: commands, rejections, cancellation, the runaway-loop guard,
history, and what the state looks like from outside."""

from __future__ import annotations

import json

import pytest

from regista.bpmn import ProcessBuilder
from regista.engine import (
    Cancel,
    CommandRejected,
    CompleteJob,
    CompleteUserTask,
    CreateUserTask,
    FireTimer,
    History,
    InstanceEnded,
    InstanceState,
    ResolveIncident,
    SetVariables,
    StartInstance,
    Status,
    step,
)

from .harness import Harness


def _loop() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .script_task("inc", script="i + 1", result_variable="i")
        .exclusive_gateway("again")
        .condition("=i < limit")
        .connect_to("inc")
        .move_to("again")
        .default()
        .end("e")
    )


def test_a_loop_without_wait_state_is_stopped_by_the_step_guard(roundtrip: bool) -> None:
    h = Harness(_loop().build(), roundtrip=roundtrip, max_steps=50).start(
        variables={"i": 0, "limit": 1000}
    )
    assert h.status == "incident"
    incident = h.state.incidents[0]
    assert incident.message.startswith("possible infinite loop at ")
    assert incident.phase == "loop"
    assert h.state.pending
    h.set_variables({"limit": 0})
    h.resolve()
    assert h.status == "completed"


def test_the_guard_counts_element_activations_of_a_cycle(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .task("a")
        .exclusive_gateway("g")
        .condition("=true")
        .connect_to("a")
        .move_to("g")
        .default()
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip, max_steps=100).start()
    assert h.status == "incident"
    (incident,) = h.state.incidents
    assert incident.message.startswith("possible infinite loop at a: more than 100 element")
    activated = [e for e in h.history[h.state.id] if e.kind == "element_activated"]
    assert 100 <= len(activated) <= 102


def test_many_iterations_with_wait_states_are_not_a_runaway(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("work")
        .script_task("count", script="i + 1", result_variable="i")
        .exclusive_gateway("more")
        .condition("=i < 3000")
        .connect_to("work")
        .move_to("more")
        .default()
        .end()
        .build()
    )
    h = Harness(defs, max_steps=50)
    effects = h.apply(StartInstance("p", {"i": 0}))
    state, ctx = h.state, h.ctx()
    for n in range(3000):
        if roundtrip and n % 500 == 0:
            state = InstanceState.from_json(json.loads(json.dumps(state.to_json())))
        (task,) = (e for e in effects if isinstance(e, CreateUserTask))
        state, effects = step(state, CompleteUserTask(task.task_id), ctx)
    assert state.status == "completed"
    assert state.variables()["i"] == 3000


def test_a_long_loop_without_waits_fits_in_the_activation_budget(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .script_task("count", script="=loopCounter", result_variable="last")
        .multi_instance("=items", "item", sequential=True)
        .end()
        .build()
    )
    # 3,000 inner activations and a few more: under the default budget of 10,000.
    h = Harness(defs, roundtrip=roundtrip).start(variables={"items": list(range(3000))})
    assert h.status == "completed"
    assert h.variables["last"] == 3000


def test_a_bounded_loop_completes(roundtrip: bool) -> None:
    h = Harness(_loop().build(), roundtrip=roundtrip).start(variables={"i": 0, "limit": 20})
    assert h.status == "completed"
    assert h.variables["i"] == 20


def test_unknown_ids_are_rejected() -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="w").end().build()
    h = Harness(defs).start()
    for command in (
        CompleteJob("nope"),
        FireTimer("nope"),
        ResolveIncident("nope"),
        SetVariables({"a": 1}, scope_id="nope"),
    ):
        with pytest.raises(CommandRejected):
            h.apply(command)
    with pytest.raises(CommandRejected):
        step(None, CompleteJob("x"), h.ctx())


def test_cancel_terminates_everything(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .parallel_gateway("f")
        .service_task("a", type="a")
        .end("ea")
        .move_to("f")
        .user_task("b")
        .end("eb")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    h.apply(Cancel("no longer needed"))
    assert h.status == "cancelled"
    assert not h.jobs and not h.tasks
    assert InstanceEnded(Status.CANCELLED) in h.last
    with pytest.raises(CommandRejected, match="has ended"):
        h.apply(Cancel())


def test_history_records_every_element_and_variable(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .script_task("t", script="1", result_variable="x")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"x": 0})
    events = [(e.kind, e.element_id) for e in h.history[h.state.id]]
    assert events == [
        ("instance_started", "p"),
        ("variable_set", "p"),
        ("element_activated", "s"),
        ("element_completed", "s"),
        ("element_activated", "t"),
        ("variable_set", "p"),
        ("element_completed", "t"),
        ("element_activated", "e"),
        ("element_completed", "e"),
        ("instance_ended", "p"),
    ]
    changed = [e for e in h.history[h.state.id] if e.kind == "variable_set"][-1]
    assert isinstance(changed, History)
    assert (changed.data["old"], changed.data["new"]) == (0, 1)
    assert h.history[h.state.id][3].data["flows"] == ["Flow_1"]


def test_ids_come_from_the_context_and_runs_are_deterministic() -> None:
    defs = ProcessBuilder("p").start().service_task("t", type="w").user_task("u").end().build()
    first, second = Harness(defs).start(), Harness(defs).start()
    assert first.state.to_json() == second.state.to_json()
    assert first.effects == second.effects


def test_variables_of_a_scope_and_active_elements() -> None:
    defs = ProcessBuilder("p").start().subprocess("sub").start("ss").user_task("u").end("se")
    defs_built = defs.end_subprocess().end().build()
    h = Harness(defs_built).start(variables={"a": 1})
    sub = next(h.state.element_instances("sub"))
    h.set_variables({"b": 2}, scope_id=sub.id)
    assert h.state.variables(sub.id) == {"b": 2}
    assert set(h.state.variables()) == {"a"}
    assert h.active == ["u"]
    with pytest.raises(KeyError):
        h.state.variables("nope")


def test_a_failure_while_entering_the_process_is_an_incident_that_resolves() -> None:
    builder = ProcessBuilder("p").start("s").user_task("work").end("e")
    builder.event_subprocess("esp").start("t", duration="=bad").end("x").end_subprocess()
    h = Harness(builder.build()).start(variables={"bad": "soon"})
    assert h.status == "incident"
    h.set_variables({"bad": "PT1H"})
    h.resolve()
    assert h.active == ["work"]
    assert len(h.timers) == 1


def test_set_variables_can_remove_variables_and_records_it(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().user_task("t").end().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": 1, "b": 2})
    effects = h.apply(SetVariables({"c": 3}, deletions=("a", "missing")))
    assert h.variables == {"b": 2, "c": 3}
    deleted = [e for e in effects if isinstance(e, History) and e.kind == "variable_deleted"]
    assert [e.data["name"] for e in deleted] == ["a"]
