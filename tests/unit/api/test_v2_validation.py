"""`POST /v2/resources/validation` over real HTTP: the problems a deployment would meet,
each with its resource, element id and line, without deploying; and a decision's XML."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from apikit import DMN, FORM, api, as_role, bpmn, files, order
from regista.client import Client
from regista.store.memory import MemoryStore

BROKEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="broken" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nowhere" />
    <bpmn:exclusiveGateway id="gate" />
  </bpmn:process>
</bpmn:definitions>
"""

BAD_FEEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="feel" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gate" />
    <bpmn:exclusiveGateway id="gate" />
    <bpmn:sequenceFlow id="f2" sourceRef="gate" targetRef="end">
      <bpmn:conditionExpression>= (x</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client, roles=True) as made:
        yield made


def _validate(
    http: httpx.Client, *named: tuple[str, bytes], role: str = "modeler"
) -> httpx.Response:
    return http.post("/v2/resources/validation", files=files(*named), headers=as_role(role))


def test_good_models_have_no_problems_and_nothing_is_deployed(
    http: httpx.Client, client: Client
) -> None:
    answer = _validate(
        http, ("order.bpmn", bpmn(order())), ("discount.dmn", DMN), ("review.form", FORM)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"problems": []}
    with client.store.transaction(write=False) as tx:
        assert tx.list_definitions() == []


def test_a_broken_model_lists_each_problem_with_its_element_and_line(http: httpx.Client) -> None:
    answer = _validate(http, ("broken.bpmn", BROKEN), ("bad-feel.bpmn", BAD_FEEL))
    assert answer.status_code == 200, answer.text
    problems = answer.json()["problems"]
    assert problems, "the broken models have problems"
    assert all(p["severity"] in ("error", "warning") and p["message"] for p in problems)
    broken = [p for p in problems if p["resource"] == "broken.bpmn"]
    by_element = {p["elementId"]: p for p in broken}
    assert "f1" in by_element and by_element["f1"]["line"] == 5, broken
    assert by_element["f1"]["severity"] == "error" and "nowhere" in by_element["f1"]["message"]
    feel = [p for p in problems if p["resource"] == "bad-feel.bpmn"]
    assert [p["elementId"] for p in feel if p["severity"] == "error"] == ["f2"], feel
    assert feel[0]["line"] == 7 and "FEEL" in feel[0]["message"]


def test_malformed_xml_is_a_problem_of_its_file_with_the_line(http: httpx.Client) -> None:
    answer = _validate(http, ("cut.bpmn", BROKEN[:200] + b"\n<oops"))
    assert answer.status_code == 200, answer.text
    (problem,) = answer.json()["problems"]
    assert problem["resource"] == "cut.bpmn" and problem["severity"] == "error"
    assert problem["line"] is not None


def test_a_form_without_an_id_is_a_problem(http: httpx.Client) -> None:
    answer = _validate(http, ("nameless.form", b'{"components": []}'))
    assert answer.status_code == 200
    (problem,) = answer.json()["problems"]
    assert problem["resource"] == "nameless.form" and '"id"' in problem["message"]


def test_a_file_that_is_not_xml_is_a_bad_request_naming_it(http: httpx.Client) -> None:
    answer = _validate(http, ("order.bpmn", bpmn(order())), ("notes.bpmn", b"just some text"))
    assert answer.status_code == 400
    body = answer.json()
    assert "notes.bpmn" in body["detail"]
    assert body["invalidParams"][0]["name"] == "resources[1]"
    binary = _validate(http, ("x.bpmn", b"\xff\xfe\x00"))
    assert binary.status_code == 400 and "UTF-8" in binary.json()["detail"]
    none = http.post("/v2/resources/validation", headers=as_role("modeler"))
    assert none.status_code == 400 and "resources" in none.text


def test_only_modelers_and_admins_may_validate(http: httpx.Client) -> None:
    for role, status in (("admin", 200), ("modeler", 200), ("operator", 403), ("user", 403)):
        answer = _validate(http, ("order.bpmn", bpmn(order())), role=role)
        assert answer.status_code == status, (role, answer.text)
    anonymous = http.post("/v2/resources/validation", files=files(("o.bpmn", bpmn(order()))))
    assert anonymous.status_code == 401


def test_the_endpoint_is_in_the_openapi_document(http: httpx.Client) -> None:
    document = http.get("/v2/openapi.json")
    if document.status_code == 404:
        document = http.get("/openapi.json")
    assert document.status_code == 200
    operation = document.json()["paths"]["/v2/resources/validation"]["post"]
    assert "Regista" in operation["summary"]


def test_a_decision_definition_answers_its_requirements_xml(http: httpx.Client) -> None:
    deployed = http.post(
        "/v2/deployments", files=files(("discount.dmn", DMN)), headers=as_role("modeler")
    )
    assert deployed.status_code == 200, deployed.text
    key = next(
        d["decisionDefinition"]["decisionDefinitionKey"]
        for d in deployed.json()["deployments"]
        if "decisionDefinition" in d
    )
    xml = http.get(f"/v2/decision-definitions/{key}/xml", headers=as_role("operator"))
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("text/xml")
    assert xml.text == DMN.decode("utf-8")
    missing = http.get("/v2/decision-definitions/999/xml", headers=as_role("operator"))
    assert missing.status_code == 404
