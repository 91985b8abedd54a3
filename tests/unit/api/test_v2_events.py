"""Messages, signals, incidents, the audit trail, element instances and variables over real
HTTP, and who may call them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apikit import api, as_role, bpmn, files, gateway, order, review
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.node import Node
from regista.store.memory import MemoryStore


def signalled() -> ProcessBuilder:
    return ProcessBuilder("signalled").start("s").catch("go", signal="go").end("e")


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client) as made:
        models = [order(), gateway(), review(), signalled()]
        made.post(
            "/v2/deployments",
            files=files(*((f"{m.build_process().id}.bpmn", bpmn(m)) for m in models)),
        ).raise_for_status()
        yield made


def start(http: httpx.Client, process: str, variables: dict[str, Any] | None = None) -> str:
    answer = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": process, "variables": variables or {}},
    )
    assert answer.status_code == 200, answer.text
    key: str = answer.json()["processInstanceKey"]
    return key


def test_correlation_reaches_the_waiting_instance_or_is_a_404(
    http: httpx.Client, client: Client
) -> None:
    key = start(http, "order", {"orderId": "A-1"})
    nobody = http.post("/v2/messages/correlation", json={"name": "paid", "correlationKey": "B"})
    assert nobody.status_code == 404 and "'paid'" in nobody.json()["detail"]
    done = http.post(
        "/v2/messages/correlation",
        json={"name": "paid", "correlationKey": "A-1", "variables": {"amount": 5}},
    )
    assert done.status_code == 200, done.text
    assert done.json()["processInstanceKey"] == key and done.json()["messageKey"].isdigit()
    assert client.instance(key).status == "completed"
    assert client.instance(key).variables["amount"] == 5


def test_publication_keeps_a_message_and_refuses_its_id_twice(
    http: httpx.Client, client: Client
) -> None:
    body = {
        "name": "paid",
        "correlationKey": "C-1",
        "timeToLive": 60_000,
        "messageId": "pay-1",
        "variables": {"via": "bank"},
    }
    first = http.post("/v2/messages/publication", json=body)
    assert first.status_code == 200 and first.json()["messageKey"].isdigit()
    again = http.post("/v2/messages/publication", json=body)
    assert again.status_code == 409 and "pay-1" in again.json()["detail"]
    other_key = http.post("/v2/messages/publication", json={**body, "correlationKey": "C-2"})
    assert other_key.status_code == 200  # the id is unique per name and correlation key
    key = start(http, "order", {"orderId": "C-1"})  # takes the kept message
    assert client.instance(key).status == "completed"
    assert client.instance(key).variables["via"] == "bank"
    bad = http.post("/v2/messages/publication", json={"name": "", "timeToLive": "soon"})
    assert bad.status_code == 400
    assert {p["name"] for p in bad.json()["invalidParams"]} == {"name", "timeToLive"}


def test_a_signal_reaches_every_waiting_instance(http: httpx.Client, client: Client) -> None:
    keys = [start(http, "signalled") for _ in range(2)]
    answer = http.post("/v2/signals/broadcast", json={"signalName": "go", "variables": {"x": 1}})
    assert answer.status_code == 200 and answer.json()["signalKey"].isdigit()
    assert [client.instance(k).status for k in keys] == ["completed", "completed"]
    missing = http.post("/v2/signals/broadcast", json={"variables": {}})
    assert missing.status_code == 400
    assert missing.json()["invalidParams"][0]["name"] == "signalName"


def test_incidents_search_get_and_resolution(http: httpx.Client, client: Client) -> None:
    key = start(http, "gateway", {"x": 0})
    found = http.post("/v2/incidents/search", json={"filter": {"processInstanceKey": key}}).json()
    assert found["page"]["totalItems"] == 1
    incident = found["items"][0]
    assert incident["state"] == "ACTIVE" and incident["elementId"] == "choose"
    assert incident["errorType"] == "CONDITION_ERROR"
    assert incident["processDefinitionId"] == "gateway" and incident["incidentKey"].isdigit()
    got = http.get(f"/v2/incidents/{incident['incidentKey']}").json()
    assert got == incident
    instance = http.get(f"/v2/process-instances/{key}").json()
    assert instance["state"] == "ACTIVE" and instance["hasIncident"] is True
    with_incident = http.post(
        "/v2/process-instances/search", json={"filter": {"hasIncident": True}}
    ).json()
    assert [i["processInstanceKey"] for i in with_incident["items"]] == [key]
    fixed = http.put(f"/v2/element-instances/{key}/variables", json={"variables": {"x": 5}})
    assert fixed.status_code == 204, fixed.text
    resolved = http.post(f"/v2/incidents/{incident['incidentKey']}/resolution")
    assert resolved.status_code == 204
    assert client.instance(key).status == "completed"
    states = http.post("/v2/incidents/search", json={"filter": {"state": "RESOLVED"}}).json()
    assert [i["state"] for i in states["items"]] == ["RESOLVED"]
    assert http.get("/v2/incidents/42").status_code == 404
    assert http.post("/v2/incidents/42/resolution").status_code == 404
    bad = http.post("/v2/incidents/search", json={"filter": {"state": "ON_FIRE"}})
    assert bad.status_code == 400


def test_incidents_are_typed_as_camunda_names_them(http: httpx.Client, client: Client) -> None:
    client.deploy(ProcessBuilder("caller").start().call_activity("call", process_id="nope").end())
    client.deploy(ProcessBuilder("paying").start().service_task("pay", type="pay").end())
    calling = start(http, "caller")
    failing, erring = start(http, "paying"), start(http, "paying")
    jobs = http.post(
        "/v2/jobs/activation",
        json={"type": "pay", "timeout": 60_000, "maxJobsToActivate": 2, "requestTimeout": -1},
    ).json()["jobs"]
    by_instance = {j["processInstanceKey"]: j["jobKey"] for j in jobs}
    http.post(f"/v2/jobs/{by_instance[failing]}/failure", json={"retries": 0}).raise_for_status()
    http.post(f"/v2/jobs/{by_instance[erring]}/error", json={"errorCode": "NOBODY"})
    wanted = {
        calling: "CALLED_ELEMENT_ERROR",
        failing: "JOB_NO_RETRIES",
        erring: "UNHANDLED_ERROR_EVENT",
    }

    def types() -> dict[str, str]:
        found = http.post("/v2/incidents/search", json={}).json()["items"]
        return {
            i["processInstanceKey"]: i["errorType"]
            for i in found
            if i["processInstanceKey"] in wanted
        }

    Node(client.shell).run_until_idle()  # whatever the outbox holds is carried out
    assert types() == wanted
    assert {i.error_type for i in client.incidents()} >= set(wanted.values())


def test_variables_are_set_on_an_element_instance_locally_or_where_defined(
    http: httpx.Client, client: Client
) -> None:
    client.deploy(ProcessBuilder("drafting").start().user_task("t").input("draft", "=1").end())
    key = start(http, "drafting", {"total": 0})
    (task,) = client.tasks(instance_id=key)
    scope = http.get(f"/v2/user-tasks/{task.id}").json()["elementInstanceKey"]

    def put(element: str, variables: dict[str, Any], local: bool) -> int:
        body = {"variables": variables, "local": local}
        return http.put(f"/v2/element-instances/{element}/variables", json=body).status_code

    assert put(scope, {"note": "local"}, True) == 204
    assert put(scope, {"draft": 2, "total": 7, "fresh": True}, False) == 204
    found = http.post("/v2/variables/search", json={"filter": {"processInstanceKey": key}})
    by_scope = {(v["scopeKey"], v["name"]): json.loads(v["value"]) for v in found.json()["items"]}
    assert by_scope == {
        (scope, "draft"): 2,  # defined on the task: changed there
        (scope, "note"): "local",
        (key, "total"): 7,  # defined on the instance: changed there
        (key, "fresh"): True,  # defined nowhere: on the instance
    }
    assert put("12345", {"a": 1}, False) == 404
    element = http.get(f"/v2/element-instances/{scope}")
    assert element.status_code == 200, element.text
    assert (element.json()["elementId"], element.json()["state"]) == ("t", "ACTIVE")
    assert element.json()["processInstanceKey"] == key
    assert http.get("/v2/element-instances/12345").status_code == 404
    # the process instance is an element instance too, of type PROCESS, as in Camunda 8
    itself = http.get(f"/v2/element-instances/{key}").json()
    assert (itself["type"], itself["elementInstanceKey"], itself["state"]) == (
        "PROCESS",
        key,
        "ACTIVE",
    )
    bad = http.put(f"/v2/element-instances/{key}/variables", json={"variables": [1]})
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "variables"
    client.complete_task(task.id)
    ended = http.put(f"/v2/element-instances/{key}/variables", json={"variables": {"a": 1}})
    assert ended.status_code == 400 and "ended" in ended.json()["detail"]
    changed = [(e.data["name"], e.actor) for e in client.history(key) if e.kind == "variable_set"]
    assert ("note", "anonymous") in changed and ("fresh", "anonymous") in changed, "audited"


def test_audit_trail_elements_and_variables_of_an_instance(
    http: httpx.Client, client: Client
) -> None:
    key = start(http, "review", {"amount": 1.5, "tags": ["a"]})
    trail = http.get(f"/v2/process-instances/{key}/audit").json()
    assert trail[0]["kind"] == "instance_started" and trail[0]["previousHash"] is None
    # each event follows the one before in its row (one command's events share the row's
    # hashes) or links to the row before
    assert all(
        e["previousHash"] == p["hash"]
        or (e["hash"], e["previousHash"]) == (p["hash"], p["previousHash"])
        for p, e in itertools.pairwise(trail)
    )
    assert len({e["hash"] for e in trail}) < len(trail)
    verified = http.post(f"/v2/process-instances/{key}/audit/verification").json()
    assert verified == {
        "processInstanceKey": key,
        "verified": True,
        "brokenAt": None,
        "reason": None,
    }
    assert http.get("/v2/process-instances/99/audit").status_code == 404

    elements = http.post(
        "/v2/element-instances/search", json={"filter": {"processInstanceKey": key}}
    ).json()["items"]
    by_id = {e["elementId"]: e for e in elements}
    assert by_id["s"]["state"] == "COMPLETED" and by_id["s"]["type"] == "START_EVENT"
    assert by_id["check"]["state"] == "ACTIVE" and by_id["check"]["type"] == "USER_TASK"
    active = http.post(
        "/v2/element-instances/search",
        json={"filter": {"processInstanceKey": key, "state": "ACTIVE"}},
    ).json()["items"]
    assert [e["elementId"] for e in active] == ["review", "check"]  # the PROCESS row first
    assert active[0]["type"] == "PROCESS" and active[0]["elementInstanceKey"] == key
    needs_key = http.post("/v2/element-instances/search", json={})
    assert needs_key.status_code == 400
    assert needs_key.json()["invalidParams"][0]["name"] == "filter.processInstanceKey"

    variables = http.post(
        "/v2/variables/search", json={"filter": {"processInstanceKey": key}}
    ).json()["items"]
    values = {v["name"]: json.loads(v["value"]) for v in variables}
    assert values == {"amount": 1.5, "tags": ["a"]}
    assert all(v["variableKey"].isdigit() and v["scopeKey"] == key for v in variables)
    one = http.post(
        "/v2/variables/search", json={"filter": {"processInstanceKey": key, "name": "amount"}}
    ).json()
    assert [v["name"] for v in one["items"]] == ["amount"] and one["page"]["totalItems"] == 1

    def names(**given: object) -> list[str]:
        body = {"filter": {"processInstanceKey": key, **given}}
        answer = http.post("/v2/variables/search", json=body)
        assert answer.status_code == 200, answer.text
        return sorted(v["name"] for v in answer.json()["items"])

    assert names(value="1.5") == ["amount"]
    assert names(value={"$in": ['["a"]', "7"]}) == ["tags"]
    assert names(value='[ "a" ]') == ["tags"], "compared as JSON, not as text"
    assert names(value="true") == [] and names(value="2") == []
    assert names(name={"$in": ["amount", "tags", "nope"]}) == ["amount", "tags"]
    assert names(isTruncated=True) == []
    bad = http.post(
        "/v2/variables/search",
        json={"filter": {"processInstanceKey": key, "value": {"$regex": "a*"}}},
    )
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "filter.value"

    def element_ids(**given: object) -> list[str]:
        body = {"filter": {"processInstanceKey": key, **given}}
        answer = http.post("/v2/element-instances/search", json=body)
        assert answer.status_code == 200, answer.text
        return sorted(e["elementId"] for e in answer.json()["items"])

    assert element_ids(type={"$in": ["USER_TASK", "START_EVENT"]}) == ["check", "s"]
    assert element_ids(state={"$in": ["COMPLETED"]}) == ["s"]
    assert element_ids(hasIncident=False) == ["check", "review", "s"]
    assert element_ids(type="PROCESS") == ["review"]  # the instance itself, as in Camunda 8
    assert element_ids(hasIncident=True) == []


def test_who_may_call_what(client: Client) -> None:
    with api(client, roles=True) as http:
        upload = files(("order.bpmn", bpmn(order())))
        http.post("/v2/deployments", files=upload, headers=as_role("modeler")).raise_for_status()
        body = {"processDefinitionId": "order", "variables": {"orderId": "r"}}
        assert (
            http.post("/v2/process-instances", json=body, headers=as_role("modeler")).status_code
            == 403
        )
        created = http.post("/v2/process-instances", json=body, headers=as_role("operator"))
        assert created.status_code == 200
        key = created.json()["processInstanceKey"]
        assert (
            http.get(f"/v2/process-instances/{key}", headers=as_role("modeler")).status_code == 200
        )
        assert (
            http.get(f"/v2/process-instances/{key}", headers=as_role("worker")).status_code == 403
        )
        message = {"name": "paid", "correlationKey": "r"}
        assert (
            http.post("/v2/messages/correlation", json=message, headers=as_role("user")).status_code
            == 403
        )
        assert (
            http.post(
                "/v2/messages/correlation", json=message, headers=as_role("worker")
            ).status_code
            == 200
        )
        signal = {"signalName": "none"}
        assert (
            http.post("/v2/signals/broadcast", json=signal, headers=as_role("modeler")).status_code
            == 403
        )
        assert (
            http.post(
                f"/v2/process-instances/{key}/cancellation", headers=as_role("worker")
            ).status_code
            == 403
        )
