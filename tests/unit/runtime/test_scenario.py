"""Scenario files: every mistake named with file, line and step; runs that pass and fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from regista.runtime.scenario import ScenarioError, find_scenario_files, load_scenarios
from regista.testing import Workers, run_scenario

MODELS = Path(__file__).resolve().parents[2] / "acceptance" / "scenarios" / "models"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(MODELS / "order.bpmn", tmp_path / "order.bpmn")
    return tmp_path


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
model: order.bpmn
process: order
start:
  variables: {amount: 1200}
steps:
  - expect: {active: [approve]}
  - complete: approve
    variables: {approved: true}
  - complete: charge
expect:
  state: completed
  passed: [start, approve, charge, end]
  not_passed: [rejected]
  variables: {approved: true, amount: 1200}
  incidents: 0
"""


def test_a_scenario_file_is_read_into_steps(folder: Path) -> None:
    [scenario] = load_scenarios(write(folder, GOOD))
    assert scenario.name == "s"
    assert scenario.models == ((folder / "order.bpmn").resolve(),)
    assert [s.action for s in scenario.steps] == ["expect", "complete", "complete"]
    assert scenario.steps[1].variables == {"approved": True}
    assert scenario.expect is not None and scenario.expect.incidents == 0


@pytest.mark.parametrize(
    ("text", "message", "step"),
    [
        ("process: order\n", "needs `model:`", None),
        ("model: nowhere.bpmn\n", "does not exist", None),
        ("model: order.bpmn\nsteps:\n  - compelte: approve\n", "unknown step key 'compelte'", 1),
        (
            "model: order.bpmn\nsteps:\n  - complete: approve\n  - advance: two hours\n",
            "not an ISO 8601 duration",
            2,
        ),
        (
            "model: order.bpmn\nsteps:\n  - expect: {state: finished}\n",
            "state must be one of",
            1,
        ),
        (
            "model: order.bpmn\nsteps:\n  - complete: a\n    signal: b\n",
            "exactly one action",
            1,
        ),
        ("model: order.bpmn\nsteps:\n  - fail: {task: x, retries: -1}\n", "whole number", 1),
        ("model: order.bpmn\nexpected: {}\n", "unknown key 'expected'", None),
        ("model: order.bpmn\nauto_complete: [script]\n", "auto_complete must be", None),
        ("model: order.bpmn\nsteps:\n  - throw_error: {task: charge}\n", "throw_error.code", 1),
    ],
)
def test_mistakes_name_the_file_and_step(
    folder: Path, text: str, message: str, step: int | None
) -> None:
    path = write(folder, text)
    with pytest.raises(ScenarioError, match=message) as caught:
        load_scenarios(path)
    assert caught.value.step == step
    assert str(path) in str(caught.value)


def test_step_errors_carry_the_line_of_the_step(folder: Path) -> None:
    path = write(folder, "model: order.bpmn\nsteps:\n  - complete: approve\n  - bogus: 1\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(path)
    assert caught.value.line == 4
    assert f"{path}:4: step 2:" in str(caught.value)


def test_bad_yaml_is_reported_with_its_line(folder: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid YAML") as caught:
        load_scenarios(write(folder, "model: order.bpmn\nsteps: [\n  - a: {\n"))
    assert caught.value.line is not None


def test_several_documents_are_several_scenarios(folder: Path) -> None:
    path = write(folder, GOOD + "---\n" + GOOD.replace("1200", "10"))
    assert [s.name for s in load_scenarios(path)] == ["s #1", "s #2"]
    with pytest.raises(ScenarioError, match="holds 2 scenarios"):
        run_scenario(path)


def test_directories_are_searched_for_yaml(folder: Path) -> None:
    write(folder, GOOD, "a.yaml")
    (folder / "sub").mkdir()
    write(folder / "sub", GOOD, "b.yml")
    assert [p.name for p in find_scenario_files([folder])] == ["a.yaml", "b.yml"]


def test_a_good_scenario_passes(folder: Path) -> None:
    path = write(folder, GOOD)
    result = run_scenario(path)
    assert result.passed, result.reason
    assert result.instance is not None and result.instance.status == "completed"


def test_a_failing_expectation_says_what_was_found(folder: Path) -> None:
    text = GOOD.replace("expect: {active: [approve]}", "expect: {active: [charge]}")
    result = run_scenario(write(folder, text))
    assert not result.passed
    assert result.step == 1
    assert "active elements are [approve]" in result.reason
    assert "not active: charge" in result.reason


def test_a_step_on_nothing_waiting_fails_with_the_situation(folder: Path) -> None:
    text = GOOD.replace("  - complete: charge\n", "  - complete: approve\n")
    result = run_scenario(write(folder, text))
    assert not result.passed
    assert result.step == 3
    assert "no task waits at 'approve'" in result.reason
    assert "waiting: charge" in result.reason


def test_final_expectations_report_each_difference(folder: Path) -> None:
    text = GOOD.replace("variables: {approved: true, amount: 1200}", "variables: {amount: 7}")
    text = text.replace("passed: [start, approve, charge, end]", "passed: [charge, approve]")
    result = run_scenario(write(folder, text))
    assert not result.passed and result.step is None
    assert "variable 'amount' is 1200, expected 7" in result.reason
    assert "not in the expected order" in result.reason


def test_workers_complete_the_service_tasks_of_a_scenario(folder: Path) -> None:
    workers = Workers()
    workers.register("payment", lambda job: {"transactionId": "tx-1"})
    text = GOOD.replace("  - complete: charge\n", "").replace(
        "variables: {approved: true, amount: 1200}", "variables: {transactionId: tx-1}"
    )
    result = run_scenario(write(folder, text), workers=workers)
    assert result.passed, result.reason


def test_auto_complete_leaves_tasks_that_steps_name(folder: Path) -> None:
    text = (
        "model: order.bpmn\nstart: {variables: {amount: 5000}}\n"
        "auto_complete: [service, user]\n"
        "steps:\n  - complete: approve\n    variables: {approved: true}\n"
        "expect: {state: completed, passed: [approve, charge, end]}\n"
    )
    result = run_scenario(write(folder, text))
    assert result.passed, result.reason


def test_a_trigger_step_and_auto_complete_reach_receive_tasks_without_messages(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.bpmn").write_text(
        """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
        targetNamespace="t"><process id="p" isExecutable="true"><startEvent id="s"/>
        <sequenceFlow sourceRef="s" targetRef="a"/><receiveTask id="a"/>
        <sequenceFlow sourceRef="a" targetRef="b"/><receiveTask id="b"/>
        <sequenceFlow sourceRef="b" targetRef="e"/><endEvent id="e"/></process></definitions>""",
        encoding="utf-8",
    )
    stepped = write(
        tmp_path,
        "model: m.bpmn\nsteps:\n  - trigger: a\n    variables: {v: 1}\n  - trigger: b\n"
        "expect: {state: completed, passed: [s, a, b, e], variables: {v: 1}}\n",
    )
    result = run_scenario(stepped)
    assert result.passed, result.reason
    auto = write(
        tmp_path,
        "model: m.bpmn\nauto_complete: [receive]\nexpect: {state: completed}\n",
        "auto.yaml",
    )
    assert run_scenario(auto).passed
    wrong = write(tmp_path, "model: m.bpmn\nsteps:\n  - trigger: e\n", "wrong.yaml")
    result = run_scenario(wrong)
    assert not result.passed and "no receive task without a message" in result.reason
