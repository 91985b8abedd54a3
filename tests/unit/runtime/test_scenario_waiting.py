"""`expect: {waiting_at: [...]}` in scenario files: a subset check like Camunda BPM
Assert's `isWaitingAt`, beside `active`, which stays the exact set."""

from __future__ import annotations

from pathlib import Path

import pytest

from regista.bpmn import ProcessBuilder, to_xml
from regista.runtime.scenario import ScenarioError
from regista.testing import run_scenario


def model() -> ProcessBuilder:
    """A subprocess holding a waiting task, beside a task with a timer on its boundary."""
    return (
        ProcessBuilder("review")
        .start("s")
        .parallel_gateway("fork")
        .subprocess("checks")
        .start("cs")
        .user_task("inner")
        .end("ce")
        .end_subprocess()
        .parallel_gateway("join")
        .end("e")
        .move_to("fork")
        .user_task("outer")
        .connect_to("join")
        .boundary_event("reminder", attached_to="outer", interrupting=False, duration="P1D")
        .end("reminded")
    )


def scenario(tmp_path: Path, expect: str) -> Path:
    (tmp_path / "review.bpmn").write_bytes(to_xml(model().build()))
    path = tmp_path / "review.yaml"
    path.write_text(
        "model: review.bpmn\nprocess: review\nsteps:\n"
        f"  - expect: {expect}\n"
        "  - complete: inner\n"
        "  - expect: {waiting_at: [outer], active: [outer]}\n"
        "  - complete: outer\n"
        "expect: {state: completed}\n",
        encoding="utf-8",
    )
    return path


def test_waiting_at_holds_for_some_of_the_waiting_elements(tmp_path: Path) -> None:
    result = run_scenario(scenario(tmp_path, "{waiting_at: [inner]}"))
    assert result.passed, result.reason


def test_a_subprocess_around_a_waiting_task_is_waiting(tmp_path: Path) -> None:
    result = run_scenario(scenario(tmp_path, "{waiting_at: [checks, outer]}"))
    assert result.passed, result.reason


def test_active_stays_the_exact_set(tmp_path: Path) -> None:
    result = run_scenario(scenario(tmp_path, "{active: [inner]}"))
    assert not result.passed
    assert "also active: outer" in result.reason


def test_a_boundary_event_never_waits_and_the_failure_says_what_does(tmp_path: Path) -> None:
    result = run_scenario(scenario(tmp_path, "{waiting_at: [inner, reminder]}"))
    assert not result.passed and result.step == 1
    assert "nothing waits at reminder" in result.reason
    assert "waiting at" in result.reason and "outer" in result.reason


def test_waiting_at_must_name_elements(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"review.yaml:1: step 1: expect.waiting_at must be"):
        run_scenario(scenario(tmp_path, "{waiting_at: 3}"))
