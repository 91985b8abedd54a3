"""Simulation on the local runtime: queues computed by hand, branch shares, the model's
own timers, the same figures for the same seed, and the input file's errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from regista.bpmn import ProcessBuilder
from regista.insight import InsightError
from regista.insight.simulation import simulate
from regista.insight.simulation_input import (
    Duration,
    SimulationInput,
    SimulationInputError,
    load_input,
)
from regista.model.bpmn import Definitions


def one_clerk() -> Definitions:
    return ProcessBuilder("desk").start().service_task("work", type="clerk").end().build()


def choice() -> Definitions:
    return (
        ProcessBuilder("choice")
        .start()
        .exclusive_gateway("ok")
        .condition("=x")
        .user_task("a", candidate_groups="team")
        .end("e1")
        .move_to("ok")
        .default()
        .user_task("b", candidate_groups="team")
        .end("e2")
        .build()
    )


def test_a_queue_by_hand() -> None:
    # three cases arrive at once; one clerk; 10 s each: they wait 0, 10 and 20 s
    given = SimulationInput(
        arrival=0, durations={"work": Duration("fixed", (10.0,))}, capacities={"clerk": 1}
    )
    result = simulate(one_clerk(), "desk", given, instances=3)
    report = result.report()
    row = report.row(element="work")
    assert (row["count"], row["mean_wait"], row["p90_wait"], row["mean_service"]) == (
        3,
        10.0,
        20.0,
        10.0,
    )
    summary = report.extra["summary"]
    assert (summary["completed"], summary["makespan"]) == (3, 30.0)
    assert summary["throughput_per_hour"] == 360.0
    assert (summary["mean_cycle_time"], summary["p90_cycle_time"]) == (20.0, 30.0)
    (load,) = report.extra["resources"]
    assert (load["resource"], load["capacity"], load["utilisation"]) == ("clerk", 1, 1.0)


def test_without_a_capacity_nobody_waits() -> None:
    given = SimulationInput(arrival=0, durations={"work": Duration("fixed", (10.0,))})
    report = simulate(one_clerk(), "desk", given, instances=3).report()
    assert report.row(element="work")["mean_wait"] == 0.0
    assert report.extra["summary"]["makespan"] == 10.0
    assert report.extra["resources"][0]["mean_busy_units"] == 3.0


def test_branch_shares_route_the_choice() -> None:
    given = SimulationInput(arrival=60, branches={"ok": {"a": 1.0, "b": 0.0}})
    report = simulate(choice(), "choice", given, instances=20).report()
    assert [r["element"] for r in report.rows] == ["a"]
    assert report.row(element="a")["count"] == 20
    assert "no duration known (taken as 0): a, b" in report.notes
    even = simulate(choice(), "choice", SimulationInput(arrival=60), instances=200, seed=5)
    counts = {r["element"]: r["count"] for r in even.report().rows}
    assert counts["a"] + counts["b"] == 200 and 60 < counts["a"] < 140


def test_the_models_timers_fire_on_the_simulated_clock() -> None:
    model = (
        ProcessBuilder("wait")
        .start()
        .catch("pause", duration="PT1H")
        .service_task("work", type="clerk")
        .end()
        .build()
    )
    given = SimulationInput(arrival=10, durations={"work": Duration("fixed", (5.0,))})
    summary = simulate(model, "wait", given, instances=4).report().extra["summary"]
    assert summary["completed"] == 4
    assert summary["mean_cycle_time"] == 3605.0


def test_the_same_seed_gives_the_same_figures() -> None:
    given = SimulationInput(
        arrival=30,
        durations={"a": Duration("exponential", (100.0,)), "b": Duration("uniform", (5, 50))},
        capacities={"team": 2},
    )

    def run(seed: int) -> dict[str, object]:
        return simulate(choice(), "choice", given, instances=60, seed=seed).report().to_json()

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_input_naming_what_the_model_lacks() -> None:
    given = SimulationInput(
        durations={"nope": Duration("fixed", (1.0,))}, places={"nope": "f, line 3"}
    )
    with pytest.raises(
        InsightError, match="f, line 3, field 'nope': process 'desk' has no element"
    ):
        simulate(one_clerk(), "desk", given, instances=1)
    shares = SimulationInput(branches={"ok": {"zz": 1.0}})
    with pytest.raises(InsightError, match="'zz' is neither a flow out of 'ok' nor its target"):
        simulate(choice(), "choice", shares, instances=1)


def test_a_file_read(tmp_path: Path) -> None:
    path = tmp_path / "sim.yaml"
    path.write_text(
        "instances: 10\narrival: PT2M\ndurations:\n  a: 30\n  b: {mean: PT1M}\n"
        "  c: {min: 1, max: PT3S}\nbranches:\n  ok: {a: 3, b: 1}\nresources:\n  team: 2\n",
        encoding="utf-8",
    )
    found = load_input(path)
    assert (found.instances, found.arrival, found.capacities) == (10, 120.0, {"team": 2})
    assert found.durations == {
        "a": Duration("fixed", (30.0,)),
        "b": Duration("exponential", (60.0,)),
        "c": Duration("uniform", (1.0, 3.0)),
    }
    assert found.branches == {"ok": {"a": 3.0, "b": 1.0}}


@pytest.mark.parametrize(
    ("text", "line", "field", "says"),
    [
        ("instances: 0\n", 1, "instances", "a whole number of cases"),
        ("arrival: soon\n", 1, "arrival", "not an ISO 8601 duration"),
        ("durations:\n  a: 5\n  b: {mean: x}\n", 3, "b", "not an ISO 8601 duration"),
        ("durations:\n  a: {avg: 5}\n", 2, "a", "{mean: PT5M}"),
        ("durations:\n  a: {min: 9, max: 1}\n", 2, "a", "max is before min"),
        ("branches:\n  ok:\n    a: -1\n", 3, "ok.a", "a share is a number"),
        ("branches:\n  ok: {a: 0}\n", 2, "ok", "add up to 0"),
        ("resources:\n  team: two\n", 2, "team", "a capacity is a whole number"),
        ("speed: 3\n", 1, "speed", "unknown field"),
        ("durations: [1, 2]\n", 1, "durations", "a mapping"),
        ("- 1\n", 1, "-", "must be a mapping"),
        ("a: [\n", 2, "-", "not valid YAML"),
    ],
)
def test_file_errors_name_the_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, says: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SimulationInputError) as caught:
        load_input(path)
    assert (caught.value.line, caught.value.field) == (line, field)
    assert str(caught.value).startswith(f"{path}, line {line}, field {field!r}: ")
    assert says in str(caught.value)
