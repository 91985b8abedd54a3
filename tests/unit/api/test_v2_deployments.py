"""`POST /v2/deployments` and the definitions over real HTTP: what the Modeler uploads, a
broken model refused whole, process and decision definitions, their XML, evaluation."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from apikit import DMN, FORM, api, as_role, bpmn, files, order, quick, review
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.forms import deployed_form
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


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client) as made:
        yield made


def test_a_deployment_lists_processes_decisions_and_forms(
    http: httpx.Client, client: Client
) -> None:
    answer = http.post(
        "/v2/deployments",
        files=files(
            ("order.bpmn", bpmn(order())),
            ("discount.dmn", DMN),
            ("review.form", FORM),
        ),
        data={"tenantId": "<default>"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["deploymentKey"].isdigit() and body["tenantId"] == "<default>"
    kinds = {next(iter(d)): d[next(iter(d))] for d in body["deployments"]}
    process = kinds["processDefinition"]
    assert process["processDefinitionId"] == "order"
    assert process["processDefinitionVersion"] == 1
    assert process["processDefinitionKey"].isdigit()
    assert process["resourceName"] == "order.bpmn"
    decision = kinds["decisionDefinition"]
    assert decision["decisionDefinitionId"] == "discount" and decision["name"] == "Discount"
    assert (
        decision["decisionRequirementsKey"]
        == kinds["decisionRequirements"]["decisionRequirementsKey"]
    )
    assert kinds["decisionRequirements"]["decisionRequirementsId"] == "discount-definitions"
    form = kinds["form"]
    assert form["formId"] == "review-form" and form["version"] == 1 and form["formKey"].isdigit()
    with client.store.transaction(write=False) as tx:
        stored = deployed_form(tx, "review-form")
    assert stored is not None and stored.key == form["formKey"]
    assert stored.schema["components"][0]["key"] == "approved"

    again = http.post("/v2/deployments", files=files(("order.bpmn", bpmn(order())))).json()
    same = again["deployments"][0]["processDefinition"]
    assert same["processDefinitionKey"] == process["processDefinitionKey"]  # unchanged: kept


def test_a_broken_model_is_refused_whole_with_every_problem(
    http: httpx.Client, client: Client
) -> None:
    answer = http.post(
        "/v2/deployments",
        files=files(("good.bpmn", bpmn(quick())), ("broken.bpmn", BROKEN), ("bad.form", b"[1]")),
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    problems = answer.json()["problems"]
    assert any(p["file"] == "broken.bpmn" and p["elementId"] for p in problems), problems
    assert any(p["file"] == "bad.form" for p in problems)
    assert all(p["line"] is None or p["line"] > 0 for p in problems)
    assert client.definitions() == []  # nothing half written
    listed = http.post("/v2/process-definitions/search", json={}).json()
    assert listed["items"] == [] and listed["page"]["totalItems"] == 0


def test_a_deployment_without_resources_names_the_field(http: httpx.Client) -> None:
    empty = http.post("/v2/deployments", data={"tenantId": "x"})
    assert empty.status_code == 400
    assert [p["name"] for p in empty.json()["invalidParams"]] == ["resources"]
    not_xml = http.post("/v2/deployments", files=files(("x.bpmn", b"\xff\xfe")))
    assert not_xml.status_code == 400 and "UTF-8" in not_xml.text


def test_process_definitions_search_get_and_xml(http: httpx.Client) -> None:
    first = http.post("/v2/deployments", files=files(("order.bpmn", bpmn(order())))).json()
    changed = order().documentation("v2")
    http.post("/v2/deployments", files=files(("order.bpmn", bpmn(changed))))
    http.post("/v2/deployments", files=files(("review.bpmn", bpmn(review()))))
    found = http.post(
        "/v2/process-definitions/search",
        json={"filter": {"processDefinitionId": "order"}, "sort": [{"field": "version"}]},
    ).json()
    assert [i["version"] for i in found["items"]] == [1, 2]
    assert found["items"][0]["name"] == "Order"
    latest = http.post(
        "/v2/process-definitions/search", json={"filter": {"isLatestVersion": True}}
    ).json()
    assert sorted((i["processDefinitionId"], i["version"]) for i in latest["items"]) == [
        ("order", 2),
        ("review", 1),
    ]
    page = http.post("/v2/process-definitions/search", json={"page": {"limit": 2}}).json()
    rest = http.post(
        "/v2/process-definitions/search",
        json={"page": {"after": page["page"]["endCursor"], "limit": 2}},
    ).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1
    assert page["page"]["totalItems"] == 3
    key = first["deployments"][0]["processDefinition"]["processDefinitionKey"]
    one = http.get(f"/v2/process-definitions/{key}").json()
    assert one["processDefinitionId"] == "order" and one["version"] == 1
    xml = http.get(f"/v2/process-definitions/{key}/xml")
    assert xml.headers["content-type"].startswith("text/xml") and "<" in xml.text
    assert http.get("/v2/process-definitions/999/xml").status_code == 404
    bad_sort = http.post("/v2/process-definitions/search", json={"sort": [{"field": "colour"}]})
    assert bad_sort.status_code == 400 and bad_sort.json()["invalidParams"][0]["name"] == (
        "sort[0].field"
    )


def test_the_start_form_of_a_process_definition(http: httpx.Client) -> None:
    with_form = ProcessBuilder("request").start("s", form_id="review-form").user_task("t").end()
    deployed = http.post(
        "/v2/deployments",
        files=files(
            ("request.bpmn", bpmn(with_form)),
            ("review.form", FORM),
            ("order.bpmn", bpmn(order())),
        ),
    ).json()
    keys = {
        d["processDefinition"]["processDefinitionId"]: d["processDefinition"][
            "processDefinitionKey"
        ]
        for d in deployed["deployments"]
        if "processDefinition" in d
    }
    form_key = next(d["form"]["formKey"] for d in deployed["deployments"] if "form" in d)
    assert http.get(f"/v2/process-definitions/{keys['request']}").json()["hasStartForm"] is True
    assert http.get(f"/v2/process-definitions/{keys['order']}").json()["hasStartForm"] is False
    form = http.get(f"/v2/process-definitions/{keys['request']}/form")
    assert form.status_code == 200, form.text
    assert form.json() == {
        "formKey": form_key,
        "formId": "review-form",
        "schema": json.loads(FORM),
        "version": 1,
        "tenantId": "<default>",
    }
    assert http.get(f"/v2/process-definitions/{keys['order']}/form").status_code == 204
    by_key = http.get(f"/v2/forms/{form_key}")
    assert by_key.status_code == 200 and by_key.json() == form.json()
    assert http.get(f"/v2/forms/{keys['order']}").status_code == 404, "a process is no form"
    assert http.get("/v2/forms/999").status_code == 404
    assert http.get("/v2/process-definitions/999/form").status_code == 404


def test_decisions_search_get_and_evaluate(http: httpx.Client) -> None:
    http.post("/v2/deployments", files=files(("discount.dmn", DMN)))
    found = http.post("/v2/decision-definitions/search", json={}).json()["items"]
    assert [d["decisionDefinitionId"] for d in found] == ["discount"]
    key = found[0]["decisionDefinitionKey"]
    assert http.get(f"/v2/decision-definitions/{key}").json()["version"] == 1
    assert http.get("/v2/decision-definitions/12345").status_code == 404
    result = http.post(
        "/v2/decision-definitions/evaluation",
        json={"decisionDefinitionId": "discount", "variables": {"customerType": "gold"}},
    )
    assert result.status_code == 200, result.text
    body = result.json()
    assert json.loads(body["output"]) == 0.15 and body["decisionDefinitionKey"] == key
    evaluated = body["evaluatedDecisions"][0]
    assert evaluated["decisionDefinitionId"] == "discount"
    assert evaluated["matchedRules"] == [
        {
            "ruleId": "r-gold",
            "ruleIndex": 1,
            "evaluatedOutputs": [
                {
                    "outputId": "out-discount",
                    "outputName": "discount",
                    "outputValue": "0.15",
                    "ruleId": "r-gold",
                    "ruleIndex": 1,
                }
            ],
        }
    ]
    assert evaluated["decisionEvaluationInstanceKey"] == body["decisionEvaluationKey"] + "-1"
    assert evaluated["evaluatedInputs"] == [
        {"inputId": "in-customer", "inputName": "Customer type", "inputValue": '"gold"'},
        {"inputId": "in-total", "inputName": "Order total", "inputValue": "null"},
    ]
    by_key = http.post(
        "/v2/decision-definitions/evaluation",
        json={"decisionDefinitionKey": key, "variables": {"customerType": "x", "orderTotal": 5}},
    ).json()
    assert json.loads(by_key["output"]) == 0
    neither = http.post("/v2/decision-definitions/evaluation", json={"variables": {}})
    assert neither.status_code == 400
    missing = http.post("/v2/decision-definitions/evaluation", json={"decisionDefinitionId": "x"})
    assert missing.status_code == 404


def test_decision_requirements_search_get_and_xml(http: httpx.Client) -> None:
    deployed = http.post("/v2/deployments", files=files(("discount.dmn", DMN))).json()
    drg = next(
        d["decisionRequirements"] for d in deployed["deployments"] if "decisionRequirements" in d
    )
    found = http.post("/v2/decision-requirements/search", json={}).json()
    assert found["page"]["totalItems"] == 1
    (item,) = found["items"]
    assert item == {
        "decisionRequirementsKey": drg["decisionRequirementsKey"],
        "decisionRequirementsId": "discount-definitions",
        "decisionRequirementsName": "Discount",
        "version": 1,
        "resourceName": "discount.dmn",
        "tenantId": "<default>",
    }
    decision = http.post("/v2/decision-definitions/search", json={}).json()["items"][0]
    assert decision["decisionRequirementsKey"] == item["decisionRequirementsKey"]
    key = item["decisionRequirementsKey"]
    assert http.get(f"/v2/decision-requirements/{key}").json() == item
    xml = http.get(f"/v2/decision-requirements/{key}/xml")
    assert xml.headers["content-type"].startswith("text/xml") and xml.content == DMN
    by_name = {"filter": {"decisionRequirementsName": "Discount"}}
    assert len(http.post("/v2/decision-requirements/search", json=by_name).json()["items"]) == 1
    other = {"filter": {"decisionRequirementsId": "nope"}}
    assert http.post("/v2/decision-requirements/search", json=other).json()["items"] == []
    assert http.get("/v2/decision-requirements/12345").status_code == 404
    assert (
        http.get(f"/v2/decision-requirements/{decision['decisionDefinitionKey']}").status_code
        == 404
    )
    bad_sort = {"sort": [{"field": "colour"}]}
    assert http.post("/v2/decision-requirements/search", json=bad_sort).status_code == 400


def test_deploying_needs_the_modeler_role(client: Client) -> None:
    with api(client, roles=True) as http:
        upload = files(("order.bpmn", bpmn(order())))
        assert http.post("/v2/deployments", files=upload).status_code == 401
        refused = http.post("/v2/deployments", files=upload, headers=as_role("operator"))
        assert refused.status_code == 403
        assert (
            http.post("/v2/deployments", files=upload, headers=as_role("modeler")).status_code
            == 200
        )
        search = http.post("/v2/process-definitions/search", json={}, headers=as_role("worker"))
        assert search.status_code == 403
        read = http.post("/v2/process-definitions/search", json={}, headers=as_role("modeler"))
        assert read.status_code == 200
