"""Camunda 7's `/engine-rest` on SQLite and PostgreSQL over real HTTP: the Modeler's
deployment, process definitions, starting, querying and changing instances and their
variables, messages and signals, decisions, incidents and jobs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from apikit import DMN, api, bpmn, gateway
from camunda7kit import INVOICE, PAYMENT, modeler_deployment
from regista.bpmn import ProcessBuilder
from regista.client import Client

BAD = PAYMENT.replace(b'sourceRef="wait" targetRef="end"', b'sourceRef="wait" targetRef="nowhere"')


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'c7.db'}"
    database: str = request.getfixturevalue("pg_database")
    schema = f"c7_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database}?options=-csearch_path%3D{schema}"


@pytest.fixture
def http(database_url: str) -> Iterator[httpx.Client]:
    with Client(database_url) as client, api(client) as made:
        made.base_url = httpx.URL(str(made.base_url) + "/engine-rest")
        yield made


def deploy(http: httpx.Client, name: str, *named: tuple[str, bytes]) -> dict[str, Any]:
    data, parts = modeler_deployment(name, *named)
    answer = http.post("/deployment/create", data=data, files=parts)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def start(http: httpx.Client, key: str, business_key: str, **variables: Any) -> str:
    typed = {name: {"value": value} for name, value in variables.items()}
    answer = http.post(
        f"/process-definition/key/{key}/start",
        json={"businessKey": business_key, "variables": typed},
    )
    assert answer.status_code == 200, answer.text
    instance_id: str = answer.json()["id"]
    return instance_id


def error(answer: httpx.Response, status: int, kind: str = "InvalidRequestException") -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["type"] == kind, body
    message: str = body["message"]
    return message


def test_the_modelers_deployment_and_the_definitions_it_made(http: httpx.Client) -> None:
    first = deploy(http, "payments", ("payment.bpmn", PAYMENT), ("discount.dmn", DMN))
    assert first["name"] == "payments" and first["source"] == "Camunda Modeler"
    assert first["links"][0]["href"].endswith(f"/engine-rest/deployment/{first['id']}")
    [(definition_id, definition)] = first["deployedProcessDefinitions"].items()
    assert definition["key"] == "payment" and definition["version"] == 1
    assert definition["deploymentId"] == first["id"] and definition["name"] == "Payment"
    [decision] = first["deployedDecisionDefinitions"].values()
    assert decision["key"] == "discount" and decision["deploymentId"] == first["id"]

    # the same files again, with duplicate filtering: nothing new to list
    again = deploy(http, "payments", ("payment.bpmn", PAYMENT), ("discount.dmn", DMN))
    assert again["id"] != first["id"] and again["deployedProcessDefinitions"] is None
    changed = deploy(http, "payments v2", ("payment.bpmn", PAYMENT.replace(b"Payment", b"Pay")))
    [second] = changed["deployedProcessDefinitions"].values()
    assert second["version"] == 2 and second["deploymentId"] == changed["id"]

    listed = http.get("/deployment", params={"nameLike": "payments%", "sortBy": "name"}).json()
    assert [d["name"] for d in listed] == ["payments", "payments", "payments v2"]
    assert http.get("/deployment/count", params={"name": "payments"}).json() == {"count": 2}
    paged = http.get("/deployment", params={"firstResult": 1, "maxResults": 1}).json()
    assert [d["id"] for d in paged] == [again["id"]]
    assert http.get(f"/deployment/{first['id']}").json()["deploymentTime"]
    named = http.get(f"/engine/default/deployment/{first['id']}").json()
    assert named["links"][0]["href"].endswith(
        f"/engine-rest/engine/default/deployment/{first['id']}"
    )
    resources = http.get(f"/deployment/{first['id']}/resources").json()
    assert sorted(r["name"] for r in resources) == ["discount.dmn", "payment.bpmn"]
    bpmn_resource = next(r for r in resources if r["name"] == "payment.bpmn")
    data = http.get(f"/deployment/{first['id']}/resources/{bpmn_resource['id']}/data")
    assert data.content == PAYMENT

    definitions = http.get("/process-definition", params={"key": "payment"}).json()
    assert [d["version"] for d in definitions] == [1, 2]
    latest = http.get("/process-definition", params={"latestVersion": "true"}).json()
    assert [(d["key"], d["version"]) for d in latest] == [("payment", 2)]
    assert http.get("/process-definition/count", params={"keyLike": "pay%"}).json() == {"count": 2}
    by_version = http.get("/process-definition", params={"sortBy": "version", "sortOrder": "desc"})
    assert [d["version"] for d in by_version.json()] == [2, 1]
    assert http.get("/process-definition/key/payment").json()["version"] == 2
    assert http.get(f"/process-definition/{definition_id}").json()["name"] == "Payment"
    xml = http.get(f"/process-definition/{definition_id}/xml").json()
    assert xml == {"id": definition_id, "bpmn20Xml": PAYMENT.decode()}
    assert http.get("/process-definition/key/payment/xml").json()["id"] == second["id"]
    assert http.get(f"/process-definition/{definition_id}/startForm").json()["key"] is None
    formed = PAYMENT.replace(
        b'<bpmn:startEvent id="start" />',
        b'<bpmn:startEvent id="start" camunda:formKey="embedded:app:start.html" />',
    ).replace(b'"payment"', b'"formed"')
    deploy(http, "formed", ("formed.bpmn", formed))
    assert http.get("/process-definition/key/formed/startForm").json() == {
        "key": "embedded:app:start.html",
        "contextPath": None,
    }

    # what is wrong is a 4xx naming it
    message = error(
        http.post("/deployment/create", files={"bad.bpmn": ("bad.bpmn", BAD)}),
        400,
        "ParseException",
    )
    assert message.startswith("ENGINE-09005 Could not parse BPMN process.")  # the Modeler's test
    assert "resource bad.bpmn" in message and "element f2" in message and "'nowhere'" in message
    details = http.post("/deployment/create", files={"bad.bpmn": ("bad.bpmn", BAD)}).json()
    [problem] = details["details"]["bad.bpmn"]["errors"]
    assert problem["mainElementId"] == "f2" and problem["line"] > 0
    assert http.get("/deployment", params={"name": "bad"}).json() == []
    notes = http.post("/deployment/create", files={"notes.txt": ("notes.txt", b"remember")})
    assert "notes.txt" in error(notes, 400, "ParseException")
    marked = http.post(
        "/deployment/create", files={"bom.bpmn": ("bom.bpmn", b"\xef\xbb\xbf" + PAYMENT)}
    )
    assert marked.status_code == 200, marked.text
    error(http.post("/deployment/create", data={"deployment-name": "empty"}), 400)
    error(http.post("/deployment/create", json={"x": 1}), 400)
    error(http.get("/deployment/nope"), 404)
    error(http.get("/process-definition/nope"), 404)
    error(http.get("/process-definition/key/nope/xml"), 404)
    error(http.get("/process-definition", params={"sortBy": "colour"}), 400)
    error(http.get("/process-definition", params={"version": "one"}), 400)


def test_instances_are_started_queried_and_changed(http: httpx.Client) -> None:
    deployed = deploy(http, "payments", ("payment.bpmn", PAYMENT))
    definition_id = next(iter(deployed["deployedProcessDefinitions"]))
    started = http.post(
        f"/process-definition/{definition_id}/start",
        json={
            "businessKey": "order-1",
            "variables": {
                "amount": {"value": "250", "type": "Integer"},
                "customer": {"value": "ACME", "type": "String"},
                "items": {"value": '["a","b"]', "type": "Json"},
            },
            "withVariablesInReturn": True,
        },
    )
    assert started.status_code == 200, started.text
    first = started.json()
    assert first["definitionId"] == definition_id and first["businessKey"] == "order-1"
    assert first["ended"] is False and first["suspended"] is False
    assert first["variables"]["amount"] == {"type": "Integer", "value": 250, "valueInfo": {}}
    assert first["variables"]["items"]["type"] == "Json"
    second = start(http, "payment", "order-2", amount=40, customer="Initech")
    third = start(http, "payment", "order-3", amount=900, customer="ACME")

    def ids(params: dict[str, Any]) -> list[str]:
        answer = http.get("/process-instance", params=params)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()]

    everyone = ids({"processDefinitionKey": "payment"})
    assert sorted(everyone) == sorted([first["id"], second, third])
    assert ids({"businessKey": "order-2"}) == [second]
    assert ids({"businessKeyLike": "order-%", "sortBy": "businessKey", "sortOrder": "desc"}) == [
        third,
        second,
        first["id"],
    ]
    assert sorted(ids({"variables": "customer_eq_ACME"})) == sorted([first["id"], third])
    assert ids({"variables": "customer_eq_ACME,amount_gt_300"}) == [third]
    assert ids({"variables": "amount_lteq_250,customer_like_Ini%"}) == [second]
    assert ids({"variables": "customer_neq_ACME"}) == [second]
    assert ids({"variables": "customer_eq_acme", "variableValuesIgnoreCase": "true"}) != []
    assert ids({"processInstanceIds": f"{second},{third}", "sortBy": "instanceId"}) == sorted(
        [second, third]
    )
    assert ids({"suspended": "true"}) == []
    assert len(ids({"firstResult": 1, "maxResults": 1, "sortBy": "instanceId"})) == 1
    assert http.get("/process-instance/count", params={"variables": "amount_gteq_250"}).json() == {
        "count": 2
    }
    queried = http.post(
        "/process-instance",
        params={"maxResults": 5},
        json={
            "variables": [{"name": "amount", "operator": "lt", "value": 100}],
            "sorting": [{"sortBy": "instanceId", "sortOrder": "asc"}],
        },
    )
    assert [i["id"] for i in queried.json()] == [second]
    counted = http.post("/process-instance/count", json={"processDefinitionId": definition_id})
    assert counted.json() == {"count": 3}
    error(http.get("/process-instance", params={"variables": "amount>3"}), 400)
    error(http.post("/process-instance", json={"colour": "red"}), 400)
    error(
        http.post(
            "/process-instance", content=b"{not json", headers={"content-type": "application/json"}
        ),
        400,
    )

    assert http.get(f"/process-instance/{second}").json()["businessKey"] == "order-2"
    variables = http.get(
        f"/process-instance/{second}/variables", params={"deserializeValues": "false"}
    )
    assert variables.json()["customer"] == {"type": "String", "value": "Initech", "valueInfo": {}}
    assert (
        http.put(
            f"/process-instance/{second}/variables/note", json={"value": "late", "type": "String"}
        ).status_code
        == 204
    )
    assert http.get(f"/process-instance/{second}/variables/note").json()["value"] == "late"
    assert http.delete(f"/process-instance/{second}/variables/note").status_code == 204
    error(http.get(f"/process-instance/{second}/variables/note"), 404)
    modified = http.post(
        f"/process-instance/{second}/variables",
        json={
            "modifications": {"amount": {"value": 45, "type": "Long"}},
            "deletions": ["customer"],
        },
    )
    assert modified.status_code == 204, modified.text
    assert set(http.get(f"/process-instance/{second}/variables").json()) == {"amount"}
    error(
        http.put(f"/process-instance/{second}/variables/n", json={"value": "x", "type": "Integer"}),
        400,
    )

    tree = http.get(f"/process-instance/{second}/activity-instances").json()
    assert tree["activityType"] == "processDefinition" and tree["id"] == second
    assert [c["activityId"] for c in tree["childActivityInstances"]] == ["wait"]

    assert http.delete(f"/process-instance/{second}").status_code == 204
    error(http.get(f"/process-instance/{second}"), 404)
    error(http.get(f"/process-instance/{second}/variables"), 404)
    assert (
        http.delete(f"/process-instance/{second}", params={"failIfNotExists": "false"}).status_code
        == 204
    )
    error(http.delete("/process-instance/nope"), 404)
    error(http.post("/process-definition/key/nope/start", json={}), 404)
    error(
        http.post(
            "/process-definition/key/payment/start",
            json={"variables": {"n": {"value": "many", "type": "Integer"}}},
        ),
        400,
    )


def test_messages_reach_executions_by_business_key_and_variables(http: httpx.Client) -> None:
    deploy(http, "billing", ("payment.bpmn", PAYMENT), ("invoice.bpmn", INVOICE))
    one = start(http, "payment", "p-1", amount=10)
    two = start(http, "payment", "p-2", amount=20)

    ambiguous = http.post("/message", json={"messageName": "PaymentReceived"})
    assert "2 executions" in error(ambiguous, 400, "RestException")
    assert http.get("/process-instance/count").json() == {"count": 2}  # nothing delivered

    by_variables = http.post(
        "/message",
        json={
            "messageName": "PaymentReceived",
            "correlationKeys": {"amount": {"value": 20, "type": "Integer"}},
            "processVariables": {"paidAt": {"value": "2026-01-02T03:04:05Z", "type": "Date"}},
            "resultEnabled": True,
            "variablesInResultEnabled": True,
        },
    )
    assert by_variables.status_code == 200, by_variables.text
    [result] = by_variables.json()
    assert result["resultType"] == "Execution"
    assert result["execution"]["processInstanceId"] == two and result["execution"]["ended"]
    assert result["variables"]["paidAt"]["value"].startswith("2026-01-02T03:04:05")
    error(http.get(f"/process-instance/{two}"), 404)

    by_key = http.post("/message", json={"messageName": "PaymentReceived", "businessKey": "p-1"})
    assert by_key.status_code == 204
    error(http.get(f"/process-instance/{one}"), 404)
    missing = http.post("/message", json={"messageName": "PaymentReceived", "businessKey": "p-9"})
    assert "MismatchingMessageCorrelationException" in error(missing, 400, "RestException")

    started = http.post(
        "/message",
        json={"messageName": "InvoiceArrived", "businessKey": "inv-1", "resultEnabled": True},
    ).json()
    assert [r["resultType"] for r in started] == ["ProcessDefinition"]
    assert started[0]["processInstance"]["businessKey"] == "inv-1"
    instance = started[0]["processInstance"]["id"]
    assert http.get(f"/process-instance/{instance}").json()["definitionKey"] == "invoice"

    three, four = start(http, "payment", "p-3"), start(http, "payment", "p-4")
    every = http.post(
        "/message", json={"messageName": "PaymentReceived", "all": True, "resultEnabled": True}
    ).json()
    assert sorted(r["execution"]["processInstanceId"] for r in every) == sorted([three, four])
    error(http.post("/message", json={"businessKey": "x"}), 400)
    error(http.post("/message", json={"messageName": "x", "correlationKeys": {"a": 1}}), 400)

    waits = ProcessBuilder("alarm").start("s").catch("bell", signal="Bell").end("e")
    assert (
        http.post(
            "/deployment/create", files={"alarm.bpmn": ("alarm.bpmn", bpmn(waits))}
        ).status_code
        == 200
    )
    ringing = start(http, "alarm", "a-1")
    assert http.post("/signal", json={"name": "Bell", "executionId": "other"}).status_code == 400
    assert (
        http.post(
            "/signal", json={"name": "Bell", "variables": {"loud": {"value": True}}}
        ).status_code
        == 204
    )
    error(http.get(f"/process-instance/{ringing}"), 404)
    error(http.post("/signal", json={}), 400)


def test_decisions_are_listed_and_evaluated(http: httpx.Client) -> None:
    deployed = deploy(http, "pricing", ("discount.dmn", DMN))
    [decision_id] = deployed["deployedDecisionDefinitions"]
    listed = http.get("/decision-definition", params={"key": "discount"}).json()
    assert [d["id"] for d in listed] == [decision_id]
    assert http.get("/decision-definition/count").json() == {"count": 1}
    assert http.get("/decision-definition/key/discount").json()["id"] == decision_id
    assert http.get(f"/decision-definition/{decision_id}").json()["name"] == "Discount"
    xml = http.get(f"/decision-definition/{decision_id}/xml").json()
    assert xml["id"] == decision_id and xml["dmnXml"] == DMN.decode()

    def evaluate(path: str, customer: str, total: float) -> Any:
        answer = http.post(
            path,
            json={
                "variables": {
                    "customerType": {"value": customer, "type": "String"},
                    "orderTotal": {"value": total, "type": "Double"},
                }
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert evaluate("/decision-definition/key/discount/evaluate", "gold", 10) == [
        {"discount": {"type": "Double", "value": 0.15, "valueInfo": {}}}
    ]
    assert evaluate(f"/decision-definition/{decision_id}/evaluate", "silver", 5000) == [
        {"discount": {"type": "Double", "value": 0.05, "valueInfo": {}}}
    ]
    error(http.post("/decision-definition/key/nope/evaluate", json={}), 404)
    error(
        http.post(
            "/decision-definition/key/discount/evaluate",
            json={"variables": {"orderTotal": {"value": "lots", "type": "Double"}}},
        ),
        400,
    )


def charging() -> ProcessBuilder:
    return ProcessBuilder("charging").start("s").service_task("charge", type="charge").end("e")


def test_failed_jobs_and_their_incidents_resolve_as_in_camunda_7(http: httpx.Client) -> None:
    root = str(http.base_url).rstrip("/").removesuffix("/engine-rest")
    assert (
        http.post(
            "/deployment/create",
            files=[
                ("charging.bpmn", ("charging.bpmn", bpmn(charging()))),
                ("gateway.bpmn", ("gateway.bpmn", bpmn(gateway()))),
            ],
        ).status_code
        == 200
    )
    instance = start(http, "charging", "c-1")
    [job] = http.get("/job", params={"processInstanceId": instance}).json()
    assert job["retries"] == 3 and job["exceptionMessage"] is None
    error(http.get(f"/job/{job['id']}/stacktrace"), 404)

    activated = httpx.post(
        f"{root}/v2/jobs/activation",
        json={"type": "charge", "timeout": 60_000, "maxJobsToActivate": 1},
    ).json()["jobs"]
    failed = httpx.post(
        f"{root}/v2/jobs/{activated[0]['jobKey']}/failure",
        json={"retries": 0, "errorMessage": "the card was declined"},
    )
    assert failed.status_code == 204, failed.text
    assert http.get("/job/count", params={"noRetriesLeft": "true"}).json() == {"count": 1}
    assert http.get("/job", params={"executable": "true"}).json() == []
    stack = http.get(f"/job/{job['id']}/stacktrace")
    assert stack.headers["content-type"].startswith("text/plain")
    assert stack.text == "the card was declined"
    [incident] = http.get("/incident", params={"processInstanceId": instance}).json()
    assert incident["incidentType"] == "failedJob" and incident["configuration"] == job["id"]
    assert incident["activityId"] == "charge"
    assert http.get(f"/incident/{incident['id']}").json()["incidentMessage"]
    assert http.get("/incident/count", params={"activityId": "charge"}).json() == {"count": 1}
    assert http.get("/incident", params={"activityId": "other"}).json() == []
    assert [j["id"] for j in http.get("/job", params={"withException": "true"}).json()] == [
        job["id"]
    ]
    assert http.get("/job", params={"jobId": job["id"]}).json()[0]["retries"] == 0
    assert "retries" in error(http.delete(f"/incident/{incident['id']}"), 400)

    assert http.put(f"/job/{job['id']}/retries", json={"retries": 2}).status_code == 204
    assert http.get("/incident/count", params={"processInstanceId": instance}).json() == {
        "count": 0
    }
    [again] = http.get("/job", params={"processInstanceId": instance}).json()
    assert again["retries"] == 2
    error(http.put(f"/job/{again['id']}/retries", json={"retries": -1}), 400)
    error(http.put("/job/nope/retries", json={"retries": 1}), 404)
    error(http.get("/job/nope"), 404)

    # an incident that is not a job's: fix the data, then resolve it
    stuck = start(http, "gateway", "g-1", x=0)
    [other] = http.get(
        "/incident", params={"incidentType": "failedActivity", "processInstanceId": stuck}
    ).json()
    assert other["activityId"] == "choose"
    assert (
        http.put(
            f"/process-instance/{stuck}/variables/x", json={"value": 5, "type": "Integer"}
        ).status_code
        == 204
    )
    assert http.delete(f"/incident/{other['id']}").status_code == 204
    error(http.get(f"/incident/{other['id']}"), 404)
    error(http.get(f"/process-instance/{stuck}"), 404)  # it went on and ended
