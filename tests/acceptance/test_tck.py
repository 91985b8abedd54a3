"""The DMN TCK ratchet: the pass counts may rise, never drop below tck_baseline.json.

The TCK lives next to the repository (`../shared/dmn-tck`); set REGISTA_TCK_DIR to run
another copy. Without it the test is skipped, except under CI (CI=true), where it fails.
Raise the baseline with `regista tck ../shared/dmn-tck` figures when they improve.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regista.cli.tck import summary_table
from regista.dmn.tck import run

REPO = Path(__file__).resolve().parents[2]
BASELINE = Path(__file__).with_name("tck_baseline.json")


def tck_dir() -> Path:
    configured = os.environ.get("REGISTA_TCK_DIR")
    return Path(configured) if configured else REPO.parent / "shared" / "dmn-tck"


def test_tck_pass_counts_do_not_drop() -> None:
    root = tck_dir()
    if not root.is_dir():
        reason = f"the DMN TCK is not at {root} (set REGISTA_TCK_DIR to its folder)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))

    report = run(root)
    total = report.total
    print()
    print(summary_table(report))
    print(f"{len(report.cases)} test cases in {report.seconds:.1f} s")
    print(f"baseline: {baseline}")

    assert total.cases == baseline["total"], "the TCK has changed: update tck_baseline.json"
    assert total.passed >= baseline["passed"], (
        f"TCK passes dropped from {baseline['passed']} to {total.passed}"
    )
    assert total.value_expecting_passed >= baseline["passed_value_expecting"], (
        f"value-expecting TCK passes dropped from {baseline['passed_value_expecting']} "
        f"to {total.value_expecting_passed}"
    )


def test_the_tck_command_prints_the_table_failures_and_csv(tmp_path: Path) -> None:
    case = tmp_path / "compliance-level-3" / "0001-hello"
    case.mkdir(parents=True)
    (case / "0001-hello.dmn").write_text(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="hello"
             name="hello" namespace="https://example.org/hello">
          <decision id="d" name="Hello">
            <literalExpression id="e"><text>"Hello"</text></literalExpression>
          </decision>
        </definitions>""",
        encoding="utf-8",
    )
    (case / "0001-hello-test-01.xml").write_text(
        """<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             xmlns:xsd="http://www.w3.org/2001/XMLSchema">
          <modelName>0001-hello.dmn</modelName>
          <testCase id="001"><resultNode name="Hello">
            <expected><value xsi:type="xsd:string">Hello</value></expected>
          </resultNode></testCase>
          <testCase id="002"><resultNode name="Hello">
            <expected><value xsi:type="xsd:string">Bye</value></expected>
          </resultNode></testCase>
        </testCases>""",
        encoding="utf-8",
    )
    out = tmp_path / "results.csv"
    command = [sys.executable, "-m", "regista.cli.main", "tck", str(tmp_path)]
    done = subprocess.run(
        [*command, "--failures", "--csv", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "FAILED   compliance-level-3/0001-hello 0001-hello-test-01.xml #002" in done.stdout
    assert 'expected "Bye" but got "Hello"' in done.stdout
    rows = [line.split() for line in done.stdout.splitlines()]
    assert ["compliance-level-3", "2", "1", "1", "0", "50.0%", "50.0%", "(1/2)"] in rows
    assert out.read_text(encoding="utf-8").splitlines() == [
        '"0001-hello","0001-hello-test-01.xml","001","SUCCESS",""',
        '"0001-hello","0001-hello-test-01.xml","002","FAILURE",'
        '"Hello: expected ""Bye"" but got ""Hello"""',
    ]


def test_the_tck_command_refuses_a_folder_without_tests(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "regista.cli.main", "tck", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "no TCK test folders" in done.stderr
