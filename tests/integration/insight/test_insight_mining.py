"""Discovery and replay fitness over a real database: a generated log imported and mined,
the history of the claims mined, and both from the command line."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from insightkit import History, Place, generate_log, write_generated_xes

from regista.bpmn import parse, to_xml, validate
from regista.cli.main import main
from regista.insight import CsvMapping, InsightError, Scope, import_log
from regista.insight.miner import mine
from regista.insight.mining import discover, event_log, fitness
from regista.insight.process_tree import Log
from regista.insight.tree_model import tree_to_definitions
from regista.runtime.local import LocalRuntime

pytest_plugins = ["insightfixtures"]

NOW = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_the_model_of_a_generated_log_replays_with_fitness_one(
    place: Place, tmp_path: Path
) -> None:
    log = generate_log(2_000)
    path = tmp_path / "generated.xes"
    write_generated_xes(log, path)
    with place.open() as db:
        import_log(db, path, now=NOW)
        scope = Scope(log="generated")
        traces = event_log(db, scope)
        found = discover(db, scope, noise=0.0)
        fit = fitness(db, scope, found.definitions.processes["discovered"])
    assert traces == Counter(tuple(a for a, *_ in steps) for steps in log.cases.values())
    assert str(found.tree) == (
        "seq('register', loop('check', 'fix'), xor('approve', 'reject'), "
        "xor(tau, 'notify'), 'archive')"
    )
    summary = fit.extra["summary"]
    assert (summary["fitness"], summary["fitting_cases"], summary["cases"]) == (1.0, 2_000, 2_000)
    assert summary["missing"] == summary["remaining"] == 0
    # the model validates, keeps its diagram, and runs
    definitions = parse(found.xml)
    assert [p for p in validate(definitions) if p.severity == "error"] == []
    process = definitions.processes["discovered"]
    shapes = {key for d in definitions.diagrams for key in d.shapes}
    assert set(process.elements) <= shapes
    with LocalRuntime() as rt:
        rt.deploy(found.xml)
        instance = rt.start("discovered")
        assert rt.instance(instance).status == "completed"


def test_the_history_mined_and_replayed_on_its_deployed_model(
    claims: tuple[Place, History],
) -> None:
    place, _ = claims
    with place.open() as db:
        scope = Scope(definition="claim")
        # i1, i2 approved, i3 rejected, i4's Check ended by an error (it ran, so it
        # counts), i5 still runs
        expected = Counter({("Check", "Approve"): 2, ("Check",): 2})
        assert event_log(db, scope) == expected
        found = discover(db, scope)
        deployed = fitness(db, scope)
        mined = fitness(db, scope, found.definitions.processes["discovered"])
    assert str(found.tree) == "seq('Check', xor(tau, 'Approve'))"
    assert deployed.extra["summary"]["fitness"] == 1.0
    assert mined.extra["summary"]["trace_fitness"] == 1.0


def test_fitness_of_deviating_traces_by_hand(place: Place, tmp_path: Path) -> None:
    """Model: a -> b -> c. The net: start, a, b, c, end (5 transitions), 7 places."""
    csv_path = tmp_path / "dev.csv"
    rows = ["case,activity,time"]
    for case, trace in (("1", "abc"), ("2", "ac"), ("3", "abbc")):
        for i, activity in enumerate(trace):
            rows.append(f"{case},{activity},2024-01-01T00:0{i}:00Z")
    csv_path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    model = tmp_path / "abc.bpmn"
    with place.open() as db:
        mapping = CsvMapping(case="case", activity="activity", timestamp="time")
        import_log(db, csv_path, name="dev", now=NOW, mapping=mapping)
        model_log: Log = Counter({("a", "b", "c"): 1})
        model.write_bytes(to_xml(tree_to_definitions(mine(model_log))))
        report = fitness(db, Scope(log="dev"), parse(model).processes["discovered"])
    by_trace = {"".join(r["trace"]): r for r in report.rows}
    # abc: produced 6 (source + 5 transitions), consumed 6, nothing missing or left
    assert (by_trace["abc"]["missing"], by_trace["abc"]["remaining"]) == (0, 0)
    # ac: c lacks the token b would give (missing 1), a's token stays (remaining 1);
    # produced 5 (source, start, a, c, end), consumed 5: 1/2 (1 - 1/5) * 2 = 0.8
    assert by_trace["ac"]["fitness"] == 0.8
    # abbc: the second b lacks a token and leaves one: 7 produced, 7 consumed
    assert by_trace["abbc"]["fitness"] == round(1 - 1 / 7, 4)
    summary = report.extra["summary"]
    assert (summary["produced"], summary["consumed"]) == (18, 18)
    assert (summary["missing"], summary["remaining"]) == (2, 2)
    assert summary["fitness"] == round(1 - 2 / 18, 4)
    assert (summary["fitting_cases"], summary["trace_fitness"]) == (1, round(1 / 3, 4))


def test_discover_and_fitness_from_the_command_line(
    claims: tuple[Place, History], tmp_path: Path
) -> None:
    place, _ = claims
    out = tmp_path / "claims.bpmn"
    code, text = run(
        "insight",
        "discover",
        "--database-url",
        place.url,
        "--definition",
        "claim",
        "--noise",
        "0.1",
        "--out",
        str(out),
        "--tasks",
        "user",
    )
    assert code == 0, text
    assert "model written to" in text and "UserTask" in text
    code, text = run("validate", str(out))
    assert code == 0, text
    code, text = run(
        "insight",
        "fitness",
        "--database-url",
        place.url,
        "--definition",
        "claim",
        "--model",
        str(out),
        "--json",
    )
    assert code == 0, text
    assert json.loads(text)["summary"]["fitness"] == 1.0
    code, text = run("insight", "fitness", "--database-url", place.url)
    assert code == 1 and "which model? give --model FILE.bpmn" in text
    code, text = run(
        "insight", "discover", "--database-url", place.url, "--noise", "2", "--out", str(out)
    )
    assert code == 2 and "--noise" in text
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<definitions", encoding="utf-8")
    code, text = run("insight", "fitness", "--database-url", place.url, "--model", str(broken))
    assert code == 1 and str(broken) in text


def test_discovery_needs_ended_cases(place: Place) -> None:
    with place.open() as db, pytest.raises(InsightError, match="no ended case in this scope"):
        discover(db, Scope())


def test_simulate_a_deployed_definition_from_its_history(
    claims: tuple[Place, History], tmp_path: Path
) -> None:
    place, _ = claims
    args = ["simulate", "claim", "--database-url", place.url, "--instances", "40", "--json"]
    code, text = run(*args, "--seed", "3")
    assert code == 0, text
    found = json.loads(text)
    assert found["summary"]["completed"] == 40
    approve = next(r for r in found["rows"] if r["element"] == "approve")
    # Approve took 2 h (ann) or 30 min (bob): each simulated one draws one of those
    assert 1800.0 <= approve["mean_service"] <= 7200.0
    # two of the three cases that passed the gateway went to Approve
    assert 10 < approve["count"] < 40
    assert any(note.startswith("history: 5 case(s)") for note in found["notes"])
    assert run(*args, "--seed", "3") == (code, text)
    config = tmp_path / "what-if.yaml"
    config.write_text("durations:\n  approve: PT10M\nresources:\n  approve: 1\n", encoding="utf-8")
    code, text = run(*args, "--config", str(config))
    assert code == 0, text
    approve = next(r for r in json.loads(text)["rows"] if r["element"] == "approve")
    assert approve["mean_service"] == 600.0
    code, text = run(*args, "--trusted")
    assert code == 1 and "--trusted applies to a BPMN file only" in text
    code, text = run("simulate", "nope", "--database-url", place.url)
    assert code == 1 and "no definition 'nope'; the processes are: claim" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text("durations:\n  approve: later\n", encoding="utf-8")
    code, text = run(*args, "--config", str(bad))
    assert code == 1 and f"{bad}, line 2, field 'approve'" in text
