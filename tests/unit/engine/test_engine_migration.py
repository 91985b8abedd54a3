"""Process instance migration: `Migrate` moves a running instance to another version."""

from __future__ import annotations

import datetime as dt

import pytest

from regista.bpmn import ProcessBuilder
from regista.engine import (
    CancelTimer,
    CommandRejected,
    CreateJob,
    History,
    InstanceMigrated,
    Migrate,
)
from regista.model.bpmn import Definitions

from .harness import Harness


def v1() -> Definitions:
    return (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .boundary_event("late", duration="PT1H")
        .end("escalated")
        .move_to("review")
        .end("e")
        .build()
    )


def migrated(h: Harness, target: Definitions, **mappings: str) -> InstanceMigrated:
    source = h.definitions.processes["p"]
    h.definitions = target
    h.apply(Migrate("p", source, mappings))
    (effect,) = [e for e in h.last if isinstance(e, InstanceMigrated)]
    return effect


def test_an_instance_moves_on_in_the_new_version(roundtrip: bool) -> None:
    h = Harness(v1(), roundtrip=roundtrip).start()
    v2 = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .boundary_event("late", duration="PT1H")
        .end("escalated")
        .move_to("review")
        .service_task("archive", type="archive")
        .end("e")
        .build()
    )
    effect = migrated(h, v2)
    assert effect.rows == {}  # nothing renamed
    assert [e.kind for e in h.last if isinstance(e, History)] == ["instance_migrated"]
    h.complete_task("review")
    assert any(isinstance(e, CreateJob) and e.element_id == "archive" for e in h.last)


def test_a_renamed_element_keeps_its_task_under_the_new_id(roundtrip: bool) -> None:
    h = Harness(v1(), roundtrip=roundtrip).start()
    (task_id,) = h.tasks
    v2 = ProcessBuilder("p").start("s").user_task("check").end("done").build()
    effect = migrated(h, v2, review="check")
    assert effect.rows == {task_id: "check"}
    assert h.active == ["check"]
    assert any(isinstance(e, CancelTimer) for e in h.last)  # "late" is gone in v2
    history = [e for e in h.last if isinstance(e, History)]
    assert history[0].data["elements"] == {"review": "check"}
    h.complete_task("review")  # the harness finds the task by its old effect
    assert h.status == "completed" and h.passed[-1] == "done"


def test_a_boundary_timer_the_new_version_drops_never_fires(roundtrip: bool) -> None:
    h = Harness(v1(), roundtrip=roundtrip).start()
    migrated(h, ProcessBuilder("p").start("s").user_task("review").end("e").build())
    h.advance(dt.timedelta(hours=2))
    assert h.status == "active" and h.active == ["review"]


@pytest.mark.parametrize(
    ("target", "mappings", "message"),
    [
        (ProcessBuilder("p").start("s").user_task("other").end("e"), {}, "map it"),
        (
            ProcessBuilder("p").start("s").service_task("review", type="x").end("e"),
            {},
            "keeps its type",
        ),
        (
            ProcessBuilder("p")
            .start("s")
            .subprocess("sub")
            .start("ss")
            .user_task("review")
            .end("se")
            .end_subprocess()
            .end("e"),
            {},
            "move from the scope",
        ),
        (ProcessBuilder("p").start("s").user_task("review").end("e"), {"nope": "review"}, "lacks"),
        (ProcessBuilder("p").start("s").user_task("review").end("e"), {"review": "nope"}, "lacks"),
    ],
)
def test_a_migration_that_cannot_apply_is_refused(
    target: ProcessBuilder, mappings: dict[str, str], message: str
) -> None:
    h = Harness(v1()).start()
    before = h.state.to_json()
    source = h.definitions.processes["p"]
    h.definitions = target.build()
    with pytest.raises(CommandRejected, match=message):
        h.apply(Migrate("p", source, mappings))
    assert h.state.to_json() == before


def test_tokens_waiting_at_a_join_must_go_first() -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .parallel_gateway("fork")
        .user_task("a")
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .user_task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs).start()
    h.complete_task("a")
    source = defs.processes["p"]
    with pytest.raises(CommandRejected, match="tokens wait at join"):
        h.apply(Migrate("p", source, {}))


def test_a_multi_instance_activity_maps_only_to_one() -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .multi_instance(collection="=xs", element="x")
        .end("e")
        .build()
    )
    h = Harness(defs).start(variables={"xs": [1, 2]})
    source = defs.processes["p"]
    h.definitions = ProcessBuilder("p").start("s").user_task("review").end("e").build()
    with pytest.raises(CommandRejected, match="multi-instance"):
        h.apply(Migrate("p", source, {}))
    h.definitions = defs
    h.apply(Migrate("p", source, {}))  # the same version: a no-op migration
    assert h.active.count("review") == 2


def test_a_boundary_event_that_changed_its_kind_is_closed_or_refused_when_named() -> None:
    h = Harness(v1()).start()
    source = h.definitions.processes["p"]
    v2 = (
        ProcessBuilder("p")
        .start("s")
        .user_task("review")
        .boundary_event("late", message="hurry")
        .end("escalated")
        .move_to("review")
        .end("e")
        .build()
    )
    h.definitions = v2
    with pytest.raises(CommandRejected, match="'late' cannot become 'late': it changes its type"):
        h.apply(Migrate("p", source, {"late": "late"}))
    h.apply(Migrate("p", source, {}))  # not named: v1's timer closes
    assert any(isinstance(e, CancelTimer) for e in h.last)
    h.advance(dt.timedelta(hours=2))
    assert h.active == ["review"]


def test_an_event_keeps_its_trigger_kind() -> None:
    defs = ProcessBuilder("p").start("s").catch("c", duration="PT1H").end("e").build()
    h = Harness(defs).start()
    h.definitions = ProcessBuilder("p").start("s").catch("c", message="m").end("e").build()
    with pytest.raises(CommandRejected, match=r"TimerEventDefinition.*MessageEventDefinition"):
        h.apply(Migrate("p", defs.processes["p"], {}))


def test_elements_inside_a_multi_instance_subprocess_keep_their_scope() -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .user_task("t")
        .end("se")
        .end_subprocess()
        .multi_instance(collection="=xs", element="x")
        .end("e")
        .build()
    )
    h = Harness(defs).start(variables={"xs": [1, 2]})
    v2 = (
        ProcessBuilder("p")
        .start("s")
        .subprocess("sub")
        .start("ss")
        .end("se")
        .end_subprocess()
        .multi_instance(collection="=xs", element="x")
        .user_task("t")
        .end("e")
        .build()
    )
    h.definitions = v2
    with pytest.raises(CommandRejected, match="move from the scope 'sub'"):
        h.apply(Migrate("p", defs.processes["p"], {}))


def test_a_continuation_along_flows_the_target_changed_must_run_first() -> None:
    def model(first: str, second: str) -> Definitions:
        return (
            ProcessBuilder("p")
            .start("s")
            .exclusive_gateway("g")
            .async_after()
            .condition("=true")
            .user_task(first)
            .end(f"e{first}")
            .move_to("g")
            .default()
            .user_task(second)
            .end(f"e{second}")
            .build()
        )

    defs = model("t1", "t2")
    h = Harness(defs).start()
    h.definitions = model("t2", "t1")  # the same flow ids now lead elsewhere
    with pytest.raises(CommandRejected, match="let its continuation run first"):
        h.apply(Migrate("p", defs.processes["p"], {}))
