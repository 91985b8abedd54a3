"""Escalations thrown by called processes reach the boundary events of their six parallel
call activities at once — specific and catch-all, interrupting and non-interrupting — as
BPMN 2.0 says (the case SpiffWorkflow's own tests exercise), on the memory store and on
SQLite. An interrupted call activity cancels its called instance; a non-interrupting one
lets it go on; an escalation nobody catches lets the child go on too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from regista.bpmn import ProcessBuilder
from regista.settings import Settings
from regista.store import open_store
from regista.testing import FakeClock, LocalRuntime


def thrower(
    process_id: str, code: str, *, at_end: bool = False, waits: bool = False
) -> ProcessBuilder:
    """A called process throwing the escalation `code`: by its end event, or by an
    intermediate event followed (when `waits`) by a user task."""
    made = ProcessBuilder(process_id).start("cs")
    if at_end:
        return made.end("ce", escalation=code)
    made = made.throw("up", escalation=code)
    if waits:
        made = made.user_task("later")
    return made.end("ce")


def parent() -> ProcessBuilder:
    """Six call activities in parallel, each merged before one join."""
    made = ProcessBuilder("parent").start("s").parallel_gateway("fork")
    for i in range(6):
        if i:
            made = made.move_to("fork")
        made = made.call_activity(f"ca{i}", process_id=f"c{i}").exclusive_gateway(f"m{i}")
        made = made.parallel_gateway("join") if i == 0 else made.connect_to("join")
    made = made.move_to("join").end("e")
    # ca0: specific, non-interrupting; ca1: specific, interrupting
    made = made.boundary_event("b0", attached_to="ca0", interrupting=False, escalation="E1")
    made = made.end("be0")
    made = made.boundary_event("b1", attached_to="ca1", escalation="E1").connect_to("m1")
    # ca2: a specific one that does not match, and a non-interrupting catch-all that does
    made = made.boundary_event("b2", attached_to="ca2", escalation="E1").connect_to("m2")
    made = made.boundary_event("all2", attached_to="ca2", interrupting=False, escalation=True)
    made = made.end("ae2")
    # ca3: an interrupting catch-all
    made = made.boundary_event("all3", attached_to="ca3", escalation=True).connect_to("m3")
    # ca4: the specific interrupting one wins over the catch-all
    made = made.boundary_event("b4", attached_to="ca4", escalation="E1").connect_to("m4")
    made = made.boundary_event("all4", attached_to="ca4", interrupting=False, escalation=True)
    # ca5: nothing catches E3
    return made.end("ae4")


def children(*, waits: bool) -> list[ProcessBuilder]:
    return [
        thrower("c0", "E1", waits=waits),
        thrower("c1", "E1", at_end=True),
        thrower("c2", "E2"),
        thrower("c3", "E2", at_end=True),
        thrower("c4", "E1", waits=waits),
        thrower("c5", "E3"),
    ]


@pytest.fixture(params=["memory", "sqlite"])
def rt(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LocalRuntime]:
    store = None
    if request.param == "sqlite":
        store = open_store(Settings(database_url=f"sqlite:///{tmp_path / 'run.db'}"))
    with LocalRuntime(FakeClock("2026-01-05T09:00:00Z"), store=store) as made:
        yield made
    if store is not None:
        store.close()


def test_escalations_reach_every_kind_of_boundary_and_the_parent_completes(
    rt: LocalRuntime,
) -> None:
    rt.deploy(*children(waits=False), parent())
    iid = rt.start("parent")
    info = rt.instance(iid)
    assert info.status == "completed", info.active
    passed = set(info.passed)
    assert {"b0", "be0", "ca0"} <= passed  # caught, and the call went on
    assert "b1" in passed and "ca1" not in passed
    assert {"all2", "ae2", "ca2"} <= passed and "b2" not in passed
    assert "all3" in passed and "ca3" not in passed
    assert "b4" in passed and not {"all4", "ca4"} & passed
    assert "ca5" in passed  # an escalation nobody catches is no error
    assert not rt.incidents()


def test_an_interrupted_call_cancels_its_child_and_a_non_interrupted_one_waits(
    rt: LocalRuntime,
) -> None:
    rt.deploy(*children(waits=True), parent())
    iid = rt.start("parent")
    assert rt.instance(iid).active == ["ca0"]
    by_process = {i.process_id: i for i in rt.instances() if i.process_id != "parent"}
    assert by_process["c4"].status == "cancelled"
    assert by_process["c0"].status == "active" and by_process["c0"].active == ["later"]
    rt.complete_task(by_process["c0"].id, "later")
    assert rt.instance(iid).status == "completed"
