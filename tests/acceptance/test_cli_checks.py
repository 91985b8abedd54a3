"""`regista validate` and `regista deploy` from the command line: a FEEL error, a DMN
entry that is not FEEL, a requirement cycle and a parallel join that can never fire are
errors naming file, element and column; `deploy` refuses them with the same messages and
stores nothing; `--reads` lists a decision's inputs, `--worker` warns of job types nothing
handles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from regista.client import Client
from regista.settings import Settings

REPO = Path(__file__).resolve().parents[2]

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f2" sourceRef="join" targetRef="t"/>
    <bpmn:serviceTask id="t"><bpmn:extensionElements>
      <zeebe:taskDefinition type="ship"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="t" targetRef="x"/>
    <bpmn:exclusiveGateway id="x" default="f5"/>
    <bpmn:sequenceFlow id="f4" sourceRef="x" targetRef="join">
      <bpmn:conditionExpression>=price &gt;</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="x" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>
"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d"
  namespace="http://example.com/d">
  <inputData id="i_amount" name="amount"/>
  <decision id="d_risk" name="risk">
    <informationRequirement><requiredDecision href="#d_level"/></informationRequirement>
    <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
    <decisionTable id="t1">
      <input id="in1" label="Amount"><inputExpression><text>amount</text></inputExpression>
      </input>
      <output id="o1" name="risk"/>
      <rule id="r1"><inputEntry><text>&gt;= 10 &lt;</text></inputEntry>
        <outputEntry><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>
  <decision id="d_level" name="level">
    <informationRequirement><requiredDecision href="#d_risk"/></informationRequirement>
    <literalExpression><text>customer.tier</text></literalExpression>
  </decision>
</definitions>
"""

WORKERS = """from regista.testing import worker


@worker("charge")
def charge(job):
    return {}
"""


def regista(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


def test_validate_names_file_element_and_column_and_deploy_refuses_the_same(
    tmp_path: Path,
) -> None:
    model = tmp_path / "loop.bpmn"
    model.write_text(BPMN)
    decisions = tmp_path / "risk.dmn"
    decisions.write_text(DMN)
    workers = tmp_path / "workers.py"
    workers.write_text(WORKERS)

    checked = regista("validate", "--worker", str(workers), str(model), str(decisions))
    assert checked.returncode == 1
    lines = checked.stdout.splitlines()
    condition = next(line for line in lines if "[f4]" in line)
    assert condition.startswith(f"{model}:") and "error [f4]: the condition '=price >'" in condition
    assert "column 8" in condition
    assert any("error [join]" in line and "can never fire" in line for line in lines)
    assert any("warning [t]" in line and "'ship'" in line for line in lines)
    assert any(
        line.startswith(f"{decisions}:") and "rule 1 (r1), input column 1 ('Amount')" in line
        for line in lines
    )
    assert any(
        "cycle: 'risk' (d_risk) -> 'level' (d_level) -> 'risk' (d_risk)" in line for line in lines
    )

    url = f"sqlite:///{tmp_path / 'regista.db'}"
    refused = regista("deploy", str(model), str(decisions), "--database-url", url)
    assert refused.returncode != 0
    message = condition.split("error [f4]: ", 1)[1]
    assert message in refused.stderr
    assert "can never fire" in refused.stderr and "cycle" in refused.stderr
    with Client(Settings(database_url=url)) as client:
        assert client.definitions() == []  # nothing half deployed


def test_validate_reads_lists_the_inputs_each_decision_needs(tmp_path: Path) -> None:
    decisions = tmp_path / "risk.dmn"
    decisions.write_text(DMN)
    listed = regista("validate", "--reads", str(decisions))
    assert f"{decisions}: decision 'risk' reads: amount, customer" in listed.stdout
    assert f"{decisions}: decision 'level' reads: amount, customer" in listed.stdout
