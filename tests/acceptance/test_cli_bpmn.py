"""`regista run`, `validate`, `export` and `test` run as real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from regista.bpmn import parse

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "acceptance" / "scenarios"
MODELS = SCENARIOS / "models"
BPMN_MODELS = REPO / "tests" / "unit" / "bpmn" / "models"


def regista(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        input=stdin,
    )


# --- regista test ---------------------------------------------------------------------


def test_every_shipped_scenario_passes() -> None:
    done = regista("test", str(SCENARIOS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL" not in done.stdout
    files = list(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 10
    assert done.stdout.count("PASS") >= len(files)
    assert "Traceback" not in done.stderr


def test_a_failing_scenario_is_reported_with_its_reason(tmp_path: Path) -> None:
    shutil.copy(MODELS / "order.bpmn", tmp_path / "order.bpmn")
    (tmp_path / "wrong.yaml").write_text(
        "model: order.bpmn\nstart: {variables: {amount: 10}}\nauto_complete: [service]\n"
        "expect: {state: completed, passed: [approve]}\n",
        encoding="utf-8",
    )
    done = regista("test", str(tmp_path / "wrong.yaml"))
    assert done.returncode == 1
    assert "FAIL" in done.stdout
    assert "never passed approve" in done.stdout
    assert "0 passed, 1 failed" in done.stdout


def test_an_invalid_scenario_names_file_and_step(tmp_path: Path) -> None:
    shutil.copy(MODELS / "order.bpmn", tmp_path / "order.bpmn")
    (tmp_path / "bad.yaml").write_text(
        "model: order.bpmn\nsteps:\n  - complete: approve\n  - finish: charge\n",
        encoding="utf-8",
    )
    done = regista("test", str(tmp_path))
    assert done.returncode == 1
    assert f"{tmp_path / 'bad.yaml'}:4: step 2: unknown step key 'finish'" in done.stdout
    assert "Traceback" not in done.stderr


def test_no_scenarios_is_a_usage_error(tmp_path: Path) -> None:
    assert regista("test", str(tmp_path)).returncode == 2
    assert regista("test", str(tmp_path / "missing.yaml")).returncode == 2


# --- regista run ----------------------------------------------------------------------


def run_json(*args: str, stdin: str = "") -> tuple[int, dict[str, Any]]:
    done = regista("run", *args, "--json", stdin=stdin)
    assert "Traceback" not in done.stderr, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, doc


def test_run_reads_user_task_input_and_runs_workers(tmp_path: Path) -> None:
    workers = tmp_path / "order_workers.py"
    workers.write_text(
        "from regista.testing import Workers\n\n"
        "workers = Workers()\n\n"
        "@workers.worker('payment')\n"
        "def charge(job):\n"
        "    return {'transactionId': 'tx-' + str(job.variables['amount'])}\n",
        encoding="utf-8",
    )
    code, doc = run_json(
        str(MODELS / "order.bpmn"),
        "--var",
        "amount=1200",
        "--worker",
        str(workers),
        stdin='{"approved": true}\n',
    )
    assert code == 0
    assert doc["state"] == "completed"
    assert doc["passed"] == [
        "start",
        "big_order",
        "approve",
        "approved_gw",
        "merge",
        "charge",
        "end",
    ]
    assert doc["variables"] == {"amount": 1200, "approved": True, "transactionId": "tx-1200"}
    assert doc["incidents"] == []


def test_run_reads_name_value_lines_and_prints_the_path(tmp_path: Path) -> None:
    done = regista(
        "run", str(MODELS / "order.bpmn"), "--var", "amount=5000", stdin="approved=false\n\n"
    )
    assert done.returncode == 0, done.stderr
    assert "path: start -> big_order -> approve -> approved_gw -> rejected" in done.stdout
    assert "state: completed" in done.stdout
    assert "approved = false" in done.stdout
    assert "user task approve" in done.stderr


def test_run_without_a_worker_reports_an_incident() -> None:
    code, doc = run_json(str(MODELS / "order.bpmn"), "--var", "amount=10")
    assert code == 1
    assert doc["state"] == "incident"
    assert "no worker handles jobs of type 'payment'" in doc["incidents"][0]["message"]


def test_run_stops_where_input_ends_and_fires_timers() -> None:
    code, doc = run_json(str(MODELS / "support.bpmn"))
    assert code == 3  # the input ended while the instance waits
    assert doc["state"] == "active"
    assert doc["active"] == ["handle"]
    _, late = run_json(str(MODELS / "support.bpmn"), stdin="{}\n")
    assert late["state"] == "completed"
    assert late["passed"][-1] == "solved"


def test_run_with_a_decision_and_trusted_python() -> None:
    code, doc = run_json(
        str(MODELS / "pricing.bpmn"),
        "--with",
        str(MODELS / "discount.dmn"),
        "--var",
        "customerType:=gold",
        "--var",
        "orderTotal=100",
    )
    assert code == 0, doc
    assert doc["variables"]["price"] == 85


def test_run_refuses_a_bad_model_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions", encoding="utf-8")
    done = regista("run", str(bad))
    assert done.returncode == 2
    assert str(bad) in done.stderr and "malformed XML" in done.stderr
    assert "Traceback" not in done.stderr
    several = regista("run", str(MODELS / "plant.bpmn"))
    assert several.returncode == 2
    assert "--process" in several.stderr


# --- regista validate -----------------------------------------------------------------


def test_validate_lists_every_problem_with_file_and_line() -> None:
    problems = BPMN_MODELS / "problems.bpmn"
    done = regista("validate", str(MODELS / "order.bpmn"), str(problems))
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) >= 5
    assert all(line.startswith(f"{problems}:") for line in lines)
    assert any("error [wait]" in line and "nowhere" in line for line in lines)
    assert any("warning [orphan]" in line for line in lines)


def test_validate_passes_good_models_and_reports_bad_files() -> None:
    lenient = {"camunda7_leniency.bpmn", "flowable_legacy.bpmn"}
    good = sorted(str(p) for p in MODELS.iterdir() if p.name not in lenient)
    done = regista("validate", *good)
    assert done.returncode == 0, done.stdout
    assert done.stdout == ""
    # Models other engines run, bending the standard: warnings only, and they pass.
    bent = regista("validate", *(str(MODELS / name) for name in sorted(lenient)))
    assert bent.returncode == 0, bent.stdout
    assert bent.stdout and all(": warning [" in line for line in bent.stdout.splitlines())
    as_json = regista("validate", "--json", str(BPMN_MODELS / "problems.bpmn"))
    assert as_json.returncode == 1
    assert {p["severity"] for p in json.loads(as_json.stdout)} == {"error", "warning"}
    missing = regista("validate", "nowhere.bpmn")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_validate_reports_malformed_xml_as_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text('<?xml version="1.0"?>\n<definitions\n', encoding="utf-8")
    done = regista("validate", str(bad))
    assert done.returncode == 1
    assert done.stdout.startswith(f"{bad}:")
    assert "malformed XML" in done.stdout
    assert "Traceback" not in done.stderr


# --- regista export -------------------------------------------------------------------


NO_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="urn:acme">
  <bpmn:process id="invoice" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="send" name="Send invoice">
      <bpmn:extensionElements><zeebe:taskDefinition type="mail" /></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send" />
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def test_export_adds_a_diagram_to_a_model_without_one(tmp_path: Path) -> None:
    source = tmp_path / "invoice.bpmn"
    source.write_text(NO_DIAGRAM, encoding="utf-8")
    out = tmp_path / "with-diagram.bpmn"
    done = regista("export", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    exported = parse(out)
    original = parse(source)
    assert not original.diagrams
    assert exported == original
    shapes = exported.diagrams[0].shapes
    assert set(original.processes["invoice"].elements) <= set(shapes)
    assert set(original.processes["invoice"].flows) <= set(exported.diagrams[0].edges)


def test_export_of_a_camunda_7_file_without_a_diagram_stays_camunda_7(tmp_path: Path) -> None:
    source = MODELS / "camunda7_leniency.bpmn"
    out = tmp_path / "with-diagram.bpmn"
    done = regista("export", str(source), "-o", str(out))
    assert done.returncode == 0, done.stderr
    original = source.read_bytes()
    exported = out.read_bytes()
    # Every byte of the file is kept (comments, schemaLocation, JUEL, listeners, flows
    # without ids); the diagram is inserted before the closing tag.
    closing = original.rindex(b"</bpmn:definitions>")
    assert exported.startswith(original[:closing])
    assert exported.endswith(original[closing:])
    assert b"<bpmndi:BPMNDiagram" in exported and b"zeebe" not in exported
    assert parse(exported) == parse(original)


@pytest.mark.parametrize("source", [BPMN_MODELS / "c8_order.bpmn", MODELS / "order.bpmn"])
def test_export_keeps_a_model_with_a_diagram_byte_for_byte(tmp_path: Path, source: Path) -> None:
    out = tmp_path / "copy.bpmn"
    assert regista("export", str(source), "-o", str(out)).returncode == 0
    assert out.read_bytes() == source.read_bytes()
    printed = regista("export", str(source))
    assert printed.stdout.encode("utf-8") == source.read_bytes()


def test_export_writes_a_model_built_in_python(tmp_path: Path) -> None:
    module = tmp_path / "model.py"
    module.write_text(
        "from regista.bpmn import ProcessBuilder\n"
        "process = ProcessBuilder('hello').start('s').user_task('greet').end('e')\n",
        encoding="utf-8",
    )
    out = tmp_path / "hello.bpmn"
    done = regista("export", f"{module}:process", "-o", str(out))
    assert done.returncode == 0, done.stderr
    exported = parse(out)
    assert list(exported.processes["hello"].elements) == ["s", "greet", "e"]
    assert exported.diagrams


def test_export_of_a_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions xmlns='urn:nope'/>", encoding="utf-8")
    done = regista("export", str(bad), "-o", str(tmp_path / "out.bpmn"))
    assert done.returncode == 2
    assert str(bad) in done.stderr and "not a BPMN 2.0 file" in done.stderr
    assert "Traceback" not in done.stderr
    assert regista("export", str(tmp_path / "missing.bpmn")).returncode == 2


def test_run_asks_for_a_receive_task_without_a_message_and_triggers_it(tmp_path: Path) -> None:
    model = tmp_path / "hold.bpmn"
    model.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" '
        'targetNamespace="t"><process id="hold" isExecutable="true"><startEvent id="s"/>'
        '<sequenceFlow sourceRef="s" targetRef="wait"/><receiveTask id="wait"/>'
        '<sequenceFlow sourceRef="wait" targetRef="e"/><endEvent id="e"/></process>'
        "</definitions>",
        encoding="utf-8",
    )
    done = regista("run", str(model), "--json", stdin='{"answer": 42}\n')
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["state"] == "completed" and result["variables"] == {"answer": 42}
    assert result["passed"] == ["s", "wait", "e"]
    assert "receive task wait waits to be triggered" in done.stderr
