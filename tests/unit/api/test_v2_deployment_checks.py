"""`POST /v2/deployments` refuses what `regista validate` calls an error — a FEEL syntax
error in a BPMN condition, a DMN entry that is not FEEL, a requirement cycle — with the
same messages, as a 400 problem+json listing them, and stores nothing of the deployment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from apikit import api, bpmn, files, quick
from regista.cli.validate import problems_of
from regista.client import Client
from regista.store.memory import MemoryStore

BAD_CONDITION = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="priced" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:exclusiveGateway id="g" default="f3"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e">
      <bpmn:conditionExpression>=price &gt;</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>
"""

BAD_TABLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="d"
  namespace="http://example.com/risk">
  <decision id="risk" name="risk">
    <decisionTable id="t">
      <input id="in1" label="Amount"><inputExpression><text>amount</text></inputExpression>
      </input>
      <output id="o1" name="risk"/>
      <rule id="r1"><inputEntry><text>&gt;= 10 &lt;</text></inputEntry>
        <outputEntry><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>
"""


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client) as made:
        yield made


def test_a_feel_error_refuses_the_deployment_with_validates_message_and_stores_nothing(
    http: httpx.Client, client: Client, tmp_path: Path
) -> None:
    answer = http.post(
        "/v2/deployments",
        files=files(("good.bpmn", bpmn(quick())), ("priced.bpmn", BAD_CONDITION)),
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problems = answer.json()["problems"]
    (condition,) = [p for p in problems if p["elementId"] == "f2"]
    assert condition["file"] == "priced.bpmn" and condition["severity"] == "error"
    assert "'=price >' is not valid FEEL" in condition["message"]
    assert "column 8" in condition["message"]
    # the same words as `regista validate`
    path = tmp_path / "priced.bpmn"
    path.write_bytes(BAD_CONDITION)
    assert condition["message"] in [p.message for p in problems_of(path)]
    assert client.definitions() == []  # nothing half deployed


def test_a_dmn_entry_that_is_not_feel_refuses_the_deployment(
    http: httpx.Client, client: Client
) -> None:
    answer = http.post("/v2/deployments", files=files(("risk.dmn", BAD_TABLE)))
    assert answer.status_code == 400
    (problem,) = answer.json()["problems"]
    assert problem["elementId"] == "risk" and problem["file"] == "risk.dmn"
    assert "rule 1 (r1), input column 1 ('Amount')" in problem["message"]
    assert client.definitions() == []


def test_the_client_deploy_refuses_the_same_errors(client: Client) -> None:
    from regista.runtime.sources import DeploymentError

    with pytest.raises(DeploymentError) as refused:
        client.deploy(BAD_CONDITION)
    assert any("'=price >' is not valid FEEL" in p.message for p in refused.value.problems)
    assert client.definitions() == []
