"""Token replay computed by hand, and trees written as BPMN that validate, run and
replay their own log."""

from __future__ import annotations

from collections import Counter

import pytest

from regista.bpmn import ProcessBuilder, parse, to_xml, validate
from regista.insight.miner import mine
from regista.insight.process_tree import Log
from regista.insight.replay import net_of, replay
from regista.insight.tree_model import route_variable, tree_to_definitions
from regista.model.bpmn import ExclusiveGateway, Process, UserTask
from regista.runtime.local import LocalRuntime


def log(*traces: str) -> Log:
    return Counter(tuple(t) for t in traces)


def parallel_model() -> Process:
    """start -> a -> fork -> (b | c) -> join -> d -> end"""
    return (
        ProcessBuilder("p")
        .start()
        .task("a")
        .parallel_gateway("fork")
        .task("b")
        .parallel_gateway("join")
        .task("d")
        .end()
        .move_to("fork")
        .task("c")
        .connect_to("join")
        .build_process()
    )


def test_fitting_and_deviating_traces_by_hand() -> None:
    net = net_of(parallel_model())
    found = {"".join(t): fit for t, _, fit in replay(net, log("abcd", "acbd", "abd")).traces}
    # produced: the source's token, start, a, fork (2), b, c, join, d, end = 10;
    # consumed: start, a, fork, b, c, join (2), d, end, the sink's token = 10
    for fitting in ("abcd", "acbd"):
        fit = found[fitting]
        assert (fit.produced, fit.consumed, fit.missing, fit.remaining) == (10, 10, 0, 0)
        assert fit.fits and fit.fitness == 1.0
    # abd: d lacks the join's token (missing 1); c's input and b's output stay (2);
    # produced: source, start, a, fork (2), b, d, end = 8; consumed: start, a, fork, b,
    # d, end, the sink token = 7
    fit = found["abd"]
    assert (fit.produced, fit.consumed, fit.missing, fit.remaining) == (8, 7, 1, 2)
    assert fit.fitness == pytest.approx(0.5 * (1 - 1 / 7) + 0.5 * (1 - 2 / 8))
    assert not fit.fits


def test_an_activity_the_model_lacks_and_an_empty_trace() -> None:
    net = net_of(parallel_model())
    found = {"".join(t): fit for t, _, fit in replay(net, log("abxcd", "")).traces}
    # x: one missing token, consumed, nothing produced; otherwise abcd fits
    x = found["abxcd"]
    assert (x.produced, x.consumed, x.missing, x.remaining) == (10, 11, 1, 0)
    # the empty trace: the sink's token is missing, the source's remains
    empty = found[""]
    assert (empty.produced, empty.consumed, empty.missing, empty.remaining) == (1, 1, 1, 1)
    assert empty.fitness == 0.0


def test_totals_weigh_each_trace_by_its_cases() -> None:
    net = net_of(parallel_model())
    replayed = replay(net, Counter({tuple("abcd"): 3, tuple("abd"): 1}))
    total = replayed.total()
    assert (total.produced, total.consumed, total.missing, total.remaining) == (
        3 * 10 + 8,
        3 * 10 + 7,
        1,
        2,
    )
    assert (replayed.cases, replayed.fitting) == (4, 3)


@pytest.mark.parametrize(
    "traces",
    [
        ("abc",),
        ("abd", "acd"),
        ("abcd", "acbd", "ad"),
        ("abd", "abcbd", "abcbcbd"),
        ("abcef", "acbef", "adef", "abcegbcef", "adegdef", "adegcbef"),
        ("abcef", "acbef", "adef", "abcegbcef", "adegdef"),
    ],
)
def test_a_mined_model_validates_and_replays_its_log_perfectly(traces: tuple[str, ...]) -> None:
    mined = log(*traces)
    definitions = tree_to_definitions(mine(mined))
    xml = to_xml(definitions)
    parsed = parse(xml)
    assert [p for p in validate(parsed) if p.severity == "error"] == []
    process = parsed.processes["discovered"]
    diagram = parsed.diagrams[0]
    assert set(process.elements) <= set(diagram.shapes)
    assert set(process.flows) <= set(diagram.edges)
    assert all(len(edge.waypoints) >= 2 for edge in diagram.edges.values())
    replayed = replay(net_of(process), mined)
    assert replayed.fitting == replayed.cases
    assert replayed.total().fitness == 1.0


def test_the_model_runs_and_its_routes_steer_the_choices() -> None:
    definitions = tree_to_definitions(mine(log("abd", "acd")), kind="user")
    process = definitions.processes["discovered"]
    assert all(isinstance(n, UserTask) for n in process.elements.values() if n.name in set("abcd"))
    split = next(
        n for n in process.elements.values() if isinstance(n, ExclusiveGateway) and n.default
    )
    other = next(f for f in split.outgoing if f != split.default)
    target = process.elements[process.flows[other].target].name
    with LocalRuntime() as rt:
        rt.deploy(definitions)
        for chosen, variables in (("b", {}), (target, {route_variable(split.id): other})):
            instance = rt.start("discovered", variables)
            done = []
            while rt.tasks(instance):
                task = rt.tasks(instance)[0]
                done.append(task.name)
                rt.complete_task(task.id)
            assert done == ["a", chosen, "d"]
            assert rt.instance(instance).status == "completed"
