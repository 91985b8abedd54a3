"""Process instance modification: `Modify` activates elements and terminates element
instances, as an operator repairing an instance would."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.bpmn import ProcessBuilder
from regista.engine import (
    Activate,
    CancelJob,
    CancelTimer,
    CommandRejected,
    CreateJob,
    CreateUserTask,
    History,
    Modify,
    ResolveIncidentEffect,
)

from .harness import Harness


def line() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .service_task("charge", type="charge")
        .user_task("review")
        .boundary_event("late", duration="PT1H")
        .end("escalated")
        .move_to("review")
        .end("e")
    )


def events(h: Harness) -> list[tuple[str, str | None]]:
    return [(e.kind, e.element_id) for e in h.last if isinstance(e, History)]


def test_skipping_a_stuck_service_task(roundtrip: bool) -> None:
    h = Harness(line().build(), roundtrip=roundtrip).start()
    job = h.job("charge")
    h.apply(Modify(activate=(Activate("review", {"skipped": True}),), terminate=("charge",)))
    assert h.active == ["review"]
    assert h.variables == {"skipped": True}
    assert job.job_id not in h.jobs
    assert any(isinstance(e, CancelJob) and e.job_id == job.job_id for e in h.last)
    assert any(isinstance(e, CreateUserTask) for e in h.last)
    assert [e for e in events(h) if e[0] != "variable_set"][:3] == [
        ("instance_modified", "p"),
        ("element_terminated", "charge"),
        ("element_activated", "review"),
    ]
    h.complete_task("review")
    assert h.status == "completed"


def test_moving_a_token_back_runs_the_element_again(roundtrip: bool) -> None:
    h = Harness(line().build(), roundtrip=roundtrip).start()
    h.complete_job("charge", {"paid": 1})
    assert h.active == ["review"]
    h.apply(Modify(activate=(Activate("charge"),), terminate=("review",)))
    assert h.active == ["charge"]
    assert any(isinstance(e, CreateJob) for e in h.last)
    assert any(isinstance(e, CancelTimer) for e in h.last)  # the boundary timer went too
    assert not h.tasks


def test_terminating_the_last_element_ends_the_instance_as_terminated(roundtrip: bool) -> None:
    h = Harness(line().build(), roundtrip=roundtrip).start()
    h.apply(Modify(terminate=("charge",)))
    assert h.status == "terminated"
    assert not h.jobs
    assert events(h)[-1] == ("instance_ended", "p")


def test_activating_a_second_token_beside_the_first(roundtrip: bool) -> None:
    h = Harness(line().build(), roundtrip=roundtrip).start()
    h.apply(Modify(activate=(Activate("review"),)))
    assert sorted(h.active) == ["charge", "review"]
    h.complete_task("review")
    assert h.status == "active"  # the charge token still runs
    h.complete_job("charge")
    h.complete_task("review")
    assert h.status == "completed"


def nested() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .subprocess("sub")
        .start("ss")
        .user_task("inner")
        .user_task("later")
        .end("se")
        .end_subprocess()
        .end("e1")
        .move_to("fork")
        .user_task("outer")
        .end("e2")
    )


def test_activating_inside_a_running_subprocess(roundtrip: bool) -> None:
    h = Harness(nested().build(), roundtrip=roundtrip).start()
    h.apply(Modify(activate=(Activate("later", {"why": "skip"}),), terminate=("inner",)))
    assert sorted(h.active) == ["later", "outer"]
    (sub,) = [e for e in h.state.instances.values() if e.element_id == "sub"]
    assert sub.variables == {"why": "skip"}  # local to the subprocess


def test_a_subprocess_emptied_by_terminations_is_terminated(roundtrip: bool) -> None:
    h = Harness(nested().build(), roundtrip=roundtrip).start()
    h.apply(Modify(terminate=("inner",)))
    assert h.active == ["outer"]
    assert ("element_terminated", "sub") in events(h)
    assert "sub" not in h.passed  # terminated, not completed: e1 is not reached
    assert h.status == "active"
    h.complete_task("outer")
    assert h.status == "completed"


def test_activating_inside_a_subprocess_that_does_not_run_is_refused() -> None:
    h = Harness(nested().build()).start()
    h.apply(Modify(terminate=("sub",)))
    with pytest.raises(CommandRejected, match="inside the subprocess 'sub', which does not run"):
        h.apply(Modify(activate=(Activate("later"),)))
    h.apply(Modify(activate=(Activate("sub"),)))  # the subprocess itself starts afresh
    assert sorted(h.active) == ["inner", "outer"]


def test_an_ambiguous_subprocess_needs_the_ancestor() -> None:
    h = Harness(nested().build()).start()
    h.apply(Modify(activate=(Activate("sub"),)))
    subs = sorted(e.id for e in h.state.instances.values() if e.element_id == "sub")
    assert len(subs) == 2
    with pytest.raises(CommandRejected, match="2 instances of 'sub' run"):
        h.apply(Modify(activate=(Activate("later"),)))
    h.apply(Modify(activate=(Activate("later", ancestor=subs[1]),)))
    inside = [e for e in h.state.instances.values() if e.element_id == "later"]
    assert [e.parent for e in inside] == [subs[1]]


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (Modify(), "at least one activate or terminate"),
        (Modify(activate=(Activate("nope"),)), "has no element 'nope'"),
        (Modify(activate=(Activate("late"),)), "is a boundary event"),
        (Modify(terminate=("review",)), "nothing named 'review' runs"),
        (Modify(activate=(Activate("review", ancestor="x"),)), "top level of the process"),
    ],
)
def test_instructions_that_cannot_apply_are_refused_and_change_nothing(
    command: Modify, message: str
) -> None:
    h = Harness(line().build()).start()
    before = h.state.to_json()
    with pytest.raises(CommandRejected, match=message):
        h.apply(command)
    assert h.state.to_json() == before


def test_terminating_the_instance_itself_is_refused() -> None:
    h = Harness(line().build()).start()
    with pytest.raises(CommandRejected, match="cancel it"):
        h.apply(Modify(terminate=(h.state.id,)))


def test_terminating_an_element_with_an_incident_resolves_the_incident(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p").start("s").service_task("charge", type="pay").user_task("next").end("e")
    )
    h = Harness(defs.build(), roundtrip=roundtrip).start()
    h.throw_error("charge", "NOBODY_CATCHES_THIS")
    assert h.status == "incident"
    h.apply(Modify(activate=(Activate("next"),), terminate=("charge",)))
    assert not h.state.incidents
    assert any(isinstance(e, ResolveIncidentEffect) for e in h.last)
    assert h.active == ["next"]
    assert h.status == "active"
    h.complete_task("next")
    assert h.status == "completed"


def test_timers_of_a_terminated_element_do_not_fire_later(roundtrip: bool) -> None:
    h = Harness(line().build(), roundtrip=roundtrip).start()
    h.complete_job("charge")
    h.apply(Modify(activate=(Activate("e"),), terminate=("review",)))
    assert h.status == "completed"
    h.advance(dt.timedelta(hours=2))
    assert "escalated" not in h.passed


def test_the_process_id_is_not_an_element_to_terminate() -> None:
    h = Harness(line().build()).start()
    with pytest.raises(CommandRejected, match="cancel it"):
        h.apply(Modify(terminate=("p",)))


def fork_join() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .user_task("a")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .user_task("b")
        .connect_to("join")
    )


def test_a_token_left_alone_at_a_join_goes_with_the_last_branch(roundtrip: bool) -> None:
    h = Harness(fork_join().build(), roundtrip=roundtrip).start()
    h.complete_task("a")  # its token waits at the join for b's
    h.apply(Modify(terminate=("b",)))
    assert h.status == "terminated"


def test_terminating_a_joining_gateway_drops_its_waiting_tokens(roundtrip: bool) -> None:
    h = Harness(fork_join().build(), roundtrip=roundtrip).start()
    h.complete_task("a")
    h.apply(Modify(activate=(Activate("e"),), terminate=("join", "b")))
    assert h.status == "completed"
    assert ("element_terminated", "join") in events(h)


def test_a_joining_gateway_cannot_be_activated() -> None:
    h = Harness(fork_join().build()).start()
    with pytest.raises(CommandRejected, match="joining gateway"):
        h.apply(Modify(activate=(Activate("join"),)))


def test_a_multi_instance_activity_is_modified_as_a_whole(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .multi_instance(collection="=reviewers", element="reviewer")
        .user_task("after")
        .end("e")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"reviewers": ["ann", "bob"]})
    inner = [e.id for e in h.state.instances.values() if e.role == "inner"]
    assert len(inner) == 2
    with pytest.raises(CommandRejected, match="as a whole"):
        h.apply(Modify(terminate=(inner[0],)))
    h.apply(Modify(activate=(Activate("after"),), terminate=("review",)))
    assert h.active == ["after"]
    assert [t.element_id for _, t in h.tasks.values()] == ["after"]  # the reviews went


def test_activating_inside_a_subprocess_its_modification_terminates_is_refused() -> None:
    h = Harness(nested().build()).start()
    with pytest.raises(CommandRejected, match="which this modification terminates"):
        h.apply(Modify(activate=(Activate("later"),), terminate=("sub",)))


def test_an_event_subprocess_is_not_activated_by_hand() -> None:
    builder = ProcessBuilder("p").start("s").user_task("work").end("done")
    builder.event_subprocess("esp").start("trigger", message="stop").end("handled")
    builder.end_subprocess()
    h = Harness(builder.build()).start()
    with pytest.raises(CommandRejected, match="starts on its trigger"):
        h.apply(Modify(activate=(Activate("esp"),)))
    with pytest.raises(CommandRejected, match="event subprocess 'esp', which does not run"):
        h.apply(Modify(activate=(Activate("handled"),)))


def test_a_subprocess_waiting_for_its_async_continuation_takes_no_new_tokens() -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .user_task("x")
        .end("se")
        .end_subprocess()
        .async_after()
        .user_task("after")
        .end("e")
        .build()
    )
    h = Harness(defs).start()
    h.complete_task("x")  # the subprocess is done and waits for its async-after job
    with pytest.raises(CommandRejected, match="which does not run"):
        h.apply(Modify(activate=(Activate("x"),)))
