"""Gateways: exclusive with default, parallel fork/join, inclusive join, event-based."""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder

from .harness import Harness


def _exclusive() -> ProcessBuilder:
    return (
        ProcessBuilder("p")
        .start("s")
        .exclusive_gateway("g")
        .condition("=amount > 100")
        .end("big")
        .move_to("g")
        .condition("=amount > 10")
        .end("medium")
        .move_to("g")
        .default()
        .end("small")
    )


def test_exclusive_takes_first_true_condition_in_order(roundtrip: bool) -> None:
    defs = _exclusive().build()
    for amount, end in ((500, "big"), (50, "medium"), (5, "small")):
        h = Harness(defs, roundtrip=roundtrip).start(variables={"amount": amount})
        assert h.passed == ["s", "g", end]
    completed = [
        e
        for e in Harness(defs).start(variables={"amount": 500}).history.popitem()[1]
        if e.kind == "element_completed" and e.element_id == "g"
    ]
    assert completed[0].data["flows"] == ["Flow_2"]


def test_exclusive_without_true_condition_or_default_is_an_incident(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("g")
        .condition("=ok = true")
        .end("yes")
        .move_to("g")
        .condition("=ok = false")
        .end("no")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "incident"
    assert "no condition is true" in h.state.incidents[0].message
    assert h.active == ["g"]
    h.set_variables({"ok": False})
    h.resolve()
    assert h.status == "completed"
    assert h.passed[-1] == "no"


def test_parallel_fork_and_join(roundtrip: bool) -> None:
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
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert sorted(h.active) == ["a", "b"]
    h.complete_job("a")
    assert h.active == ["b"]
    assert h.state.root.joins == {"join": {"Flow_3": 1}}
    h.complete_job("b")
    assert h.status == "completed"
    assert h.passed.count("join") == 1
    assert h.passed[-1] == "e"


def test_parallel_join_waits_forever_for_a_branch_that_never_comes(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .exclusive_gateway("x")
        .default()
        .task("a")
        .parallel_gateway("join")
        .end("e")
        .move_to("x")
        .condition("=false")
        .task("b")
        .connect_to("join")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "active"
    assert "e" not in h.passed


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
        .task("none")
        .connect_to("join")
    )


def test_inclusive_forks_true_branches_and_joins_only_those(roundtrip: bool) -> None:
    defs = _inclusive().build()
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": True, "b": True})
    assert sorted(h.active) == ["ta", "tb"]
    h.complete_job("ta")
    assert h.status == "active"
    assert "join" not in h.passed
    h.complete_job("tb")
    assert h.status == "completed"
    assert h.passed.count("join") == 1

    one = Harness(defs, roundtrip=roundtrip).start(variables={"a": True, "b": False})
    assert one.active == ["ta"]
    one.complete_job("ta")
    assert one.status == "completed"

    neither = Harness(defs, roundtrip=roundtrip).start(variables={"a": False, "b": False})
    assert neither.status == "completed"
    assert "none" in neither.passed


def test_inclusive_join_stops_waiting_when_a_branch_is_cut_off(roundtrip: bool) -> None:
    defs = (
        _inclusive().boundary_event("cut", attached_to="tb", duration="PT1H").end("cut_end").build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"a": True, "b": True})
    h.complete_job("ta")
    assert h.status == "active"
    h.advance(dt.timedelta(hours=2))
    assert h.status == "completed"
    assert h.passed[-4:] == ["cut", "cut_end", "join", "e"]


def test_inclusive_fork_needs_a_true_condition_or_default(roundtrip: bool) -> None:
    defs = ProcessBuilder("p").start().inclusive_gateway("g").condition("=false").end("x").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "incident"


def test_event_based_gateway_first_event_wins(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start("s")
        .event_based_gateway("g")
        .catch("paid", message="payment", correlation_key="=id")
        .end("ok")
        .move_to("g")
        .catch("late", duration="PT1H")
        .end("timeout")
        .move_to("g")
        .receive_task("cancelled", message="cancel", correlation_key="=id")
        .end("stopped")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"id": "o1"})
    assert h.active == ["g"]
    assert len(h.subscriptions) == 2 and len(h.timers) == 1
    h.correlate("payment", "o1", {"amount": 3})
    assert h.status == "completed"
    assert h.passed == ["s", "g", "paid", "ok"]
    assert h.variables["amount"] == 3
    assert not h.subscriptions and not h.timers

    t = Harness(defs, roundtrip=roundtrip).start(variables={"id": "o2"})
    t.advance(dt.timedelta(hours=1))
    assert t.passed == ["s", "g", "late", "timeout"]
    assert not t.subscriptions

    r = Harness(defs, roundtrip=roundtrip).start(variables={"id": "o3"})
    r.correlate("cancel", "o3")
    assert r.passed == ["s", "g", "cancelled", "stopped"]


def test_large_parallel_fan_out_joins_once(roundtrip: bool) -> None:
    builder = ProcessBuilder("p").start("s").parallel_gateway("fork")
    for i in range(50):
        builder = builder.move_to("fork").task(f"t{i}")
        builder = builder.parallel_gateway("join") if i == 0 else builder.connect_to("join")
    defs = builder.move_to("join").end("e").build()
    h = Harness(defs, roundtrip=roundtrip).start()
    assert h.status == "completed"
    assert h.passed.count("join") == 1
    assert h.passed[-1] == "e"


def test_complex_gateway_is_an_incident() -> None:
    from regista.bpmn import parse

    xml = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
      <process id="p" isExecutable="true">
        <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="c"/>
        <complexGateway id="c"/><sequenceFlow id="f2" sourceRef="c" targetRef="e"/>
        <endEvent id="e"/>
      </process></definitions>"""
    h = Harness(parse(xml)).start()
    assert h.status == "incident"
    assert "cannot run" in h.state.incidents[0].message
