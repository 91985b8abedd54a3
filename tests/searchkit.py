"""The checks of the cross-instance searches, run over every store: the memory store and
SQLite in `tests/unit/api/test_v2_searches.py`, PostgreSQL in
`tests/integration/api/test_api_searches.py`. Each takes an HTTP client of the API and
the `Client` under it."""

from __future__ import annotations

import json
from typing import Any

import httpx

from apikit import DMN, files
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.node import Node

__all__ = [
    "decision_instances",
    "incidents_by_type",
    "instance_element",
    "instances_by_variables",
    "start",
    "variables_across_instances",
]


def start(http: httpx.Client, process: str, variables: dict[str, Any] | None = None) -> str:
    answer = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": process, "variables": variables or {}},
    )
    assert answer.status_code == 200, answer.text
    key: str = answer.json()["processInstanceKey"]
    return key


def incidents_by_type(http: httpx.Client, client: Client) -> None:
    """`/v2` `errorType` and Camunda 7's `incidentType` select incidents by type, in the
    store's pages; an unknown type is a 400 naming the filter."""
    client.deploy(
        ProcessBuilder("gate").start("s").exclusive_gateway("g").condition("=x > 1").end("e")
    )
    client.deploy(ProcessBuilder("paying").start().service_task("pay", type="pay").end())
    conditions = [start(http, "gate", {"x": 0}) for _ in range(3)]
    failing = start(http, "paying")
    jobs = http.post(
        "/v2/jobs/activation",
        json={"type": "pay", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": -1},
    ).json()["jobs"]
    http.post(f"/v2/jobs/{jobs[0]['jobKey']}/failure", json={"retries": 0}).raise_for_status()
    Node(client.shell).run_until_idle()

    def v2(error_type: Any, **page: Any) -> dict[str, Any]:
        body: dict[str, Any] = {"filter": {"errorType": error_type}}
        if page:
            body["page"] = page
        answer = http.post("/v2/incidents/search", json=body)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    conditions_found = v2("CONDITION_ERROR")
    assert sorted(i["processInstanceKey"] for i in conditions_found["items"]) == sorted(conditions)
    assert conditions_found["page"]["totalItems"] == 3
    assert {i["errorType"] for i in conditions_found["items"]} == {"CONDITION_ERROR"}
    jobs_found = v2({"$eq": "JOB_NO_RETRIES"})["items"]
    assert [i["processInstanceKey"] for i in jobs_found] == [failing]
    both = v2({"$in": ["JOB_NO_RETRIES", "CONDITION_ERROR"]})
    assert both["page"]["totalItems"] == 4
    first = v2("CONDITION_ERROR", limit=2)
    rest = v2("CONDITION_ERROR", limit=2, after=first["page"]["endCursor"])
    paged = [i["processInstanceKey"] for i in first["items"] + rest["items"]]
    assert sorted(paged) == sorted(conditions)  # keyset pages of a type
    assert v2("IO_MAPPING_ERROR")["items"] == []
    unknown = http.post("/v2/incidents/search", json={"filter": {"errorType": "ON_FIRE"}})
    assert unknown.status_code == 400
    assert unknown.json()["invalidParams"][0]["name"] == "filter.errorType"

    def c7(incident_type: str) -> list[str]:
        answer = http.get("/engine-rest/incident", params={"incidentType": incident_type})
        assert answer.status_code == 200, answer.text
        return sorted(i["processInstanceId"] for i in answer.json())

    assert c7("CONDITION_ERROR") == sorted(conditions)
    assert c7("JOB_NO_RETRIES") == [failing]
    assert c7("failedJob") == [failing]  # Camunda 7's own types keep their meaning
    assert c7("failedActivity") == sorted(conditions)
    count = http.get("/engine-rest/incident/count", params={"incidentType": "CONDITION_ERROR"})
    assert count.json() == {"count": 3}
    refused = http.get("/engine-rest/incident", params={"incidentType": "onFire"})
    assert refused.status_code == 400 and "incidentType" in refused.json()["message"]


def instance_element(http: httpx.Client, client: Client) -> None:
    """The element-instance search lists the process instance itself (type PROCESS) with
    its state and dates, and the get answers it by its key."""
    client.deploy(ProcessBuilder("waiting", name="Waiting").start("s").user_task("t").end("e"))
    client.deploy(ProcessBuilder("done").start("s").end("e"))
    waiting, done = start(http, "waiting"), start(http, "done")

    def elements(key: str, **given: Any) -> list[dict[str, Any]]:
        body = {"filter": {"processInstanceKey": key, **given}}
        answer = http.post("/v2/element-instances/search", json=body)
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    (process,) = elements(waiting, type="PROCESS")
    assert process["elementInstanceKey"] == waiting and process["elementId"] == "waiting"
    assert process["elementName"] == "Waiting" and process["state"] == "ACTIVE"
    assert process["startDate"] is not None and process["endDate"] is None
    assert {e["type"] for e in elements(waiting)} >= {"PROCESS", "START_EVENT", "USER_TASK"}
    (ended,) = elements(done, type="PROCESS")
    assert ended["state"] == "COMPLETED" and ended["endDate"] is not None
    assert http.get(f"/v2/element-instances/{done}").json() == ended
    by_key = elements(waiting, elementInstanceKey=waiting)
    assert [e["type"] for e in by_key] == ["PROCESS"]


def _orders(http: httpx.Client, client: Client) -> list[str]:
    """Three instances waiting at a user task, with an order id, an amount and a flag."""
    client.deploy(ProcessBuilder("orders").start("s").user_task("t").end("e"))
    return [
        start(http, "orders", {"orderId": f"A-{n}", "amount": amount, "vip": n == 2})
        for n, amount in ((1, 50), (2, 150), (3, 250))
    ]


def _v2_variables(http: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = http.post("/v2/variables/search", json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def variables_across_instances(http: httpx.Client, client: Client) -> None:
    """`/v2/variables/search` without an instance pages every instance's variables by key;
    by name, value and scope; a change of a value is found at once, with the same key;
    Camunda 7's `/variable-instance` lists the same rows in its typed form."""
    a, b, c = _orders(http, client)
    amounts = _v2_variables(http, {"filter": {"name": "amount"}})
    assert amounts["page"]["totalItems"] == 3
    by_instance = {v["processInstanceKey"]: v for v in amounts["items"]}
    assert {k: json.loads(v["value"]) for k, v in by_instance.items()} == {a: 50, b: 150, c: 250}
    assert all(v["scopeKey"] == v["processInstanceKey"] for v in amounts["items"])

    seen: list[str] = []
    page: dict[str, Any] = {"limit": 2}
    while True:
        found = _v2_variables(http, {"filter": {"name": {"$in": ["amount", "vip"]}}, "page": page})
        assert found["page"]["totalItems"] == 6
        seen.extend(v["variableKey"] for v in found["items"])
        if len(found["items"]) < 2:
            break
        page = {"limit": 2, "after": found["page"]["endCursor"]}
    assert len(seen) == len(set(seen)) == 6 and seen == sorted(seen, key=int)
    newest = _v2_variables(
        http, {"filter": {"name": "amount"}, "sort": [{"field": "variableKey", "order": "DESC"}]}
    )
    keys = [v["variableKey"] for v in amounts["items"]]
    assert [v["variableKey"] for v in newest["items"]] == sorted(keys, key=int, reverse=True)

    def instances_of(**given: Any) -> list[str]:
        found = _v2_variables(http, {"filter": given})
        return sorted(v["processInstanceKey"] for v in found["items"])

    assert instances_of(name="amount", value={"$gt": "100"}) == sorted([b, c])
    assert instances_of(name="amount", value="150") == [b]
    assert instances_of(name="amount", value="150.0") == [b]  # numbers compare as numbers
    assert instances_of(name="orderId", value='"A-3"') == [c]
    assert instances_of(value="true") == [b]
    assert instances_of(name="orderId", value={"$like": "A-*"}) == sorted([a, b, c])
    assert instances_of(value={"$in": ['"A-1"', "250"]}) == sorted([a, c])
    assert instances_of(scopeKey=a) == [a, a, a]

    old = by_instance[b]
    changed = http.put(f"/v2/element-instances/{b}/variables", json={"variables": {"amount": 5}})
    assert changed.status_code == 204, changed.text
    assert instances_of(name="amount", value={"$gt": "100"}) == [c]  # exact at once
    now = _v2_variables(http, {"filter": {"name": "amount", "processInstanceKey": b}})["items"]
    assert [(v["variableKey"], v["value"]) for v in now] == [(old["variableKey"], "5")]
    got = http.get(f"/v2/variables/{old['variableKey']}")
    assert got.status_code == 200 and json.loads(got.json()["value"]) == 5
    assert http.get("/v2/variables/12345").status_code == 404

    bad = http.post("/v2/variables/search", json={"filter": {"value": {"$regex": "x"}}})
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "filter.value"
    unsorted = http.post("/v2/variables/search", json={"sort": [{"field": "name"}]})
    assert unsorted.status_code == 400
    for wrong in ({"variableKey": "abc"}, {"value": {"$gt": "1e999"}}):
        refused = http.post("/v2/variables/search", json={"filter": wrong})
        assert refused.status_code == 400, refused.text  # never a 5xx
    assert http.get("/v2/variables/99999999999999999999").status_code == 404
    assert http.get("/v2/variables/%C2%B2").status_code == 404

    def c7(**params: Any) -> list[dict[str, Any]]:
        answer = http.get("/engine-rest/variable-instance", params=params)
        assert answer.status_code == 200, answer.text
        found: list[dict[str, Any]] = answer.json()
        return found

    listed = c7(variableName="amount")
    assert sorted((v["processInstanceId"], v["value"], v["type"]) for v in listed) == sorted(
        [(a, 50, "Integer"), (b, 5, "Integer"), (c, 250, "Integer")]
    )
    assert {v["executionId"] for v in listed} == {a, b, c}
    assert [v["processInstanceId"] for v in c7(variableValues="amount_gt_100")] == [c]
    assert sorted(
        v["name"] for v in c7(processInstanceIdIn=f"{a},{c}", variableNameIn="vip,orderId")
    ) == ["orderId", "orderId", "vip", "vip"]
    by_name = c7(processInstanceIdIn=a, sortBy="variableName", sortOrder="desc")
    assert [v["name"] for v in by_name] == ["vip", "orderId", "amount"]
    assert c7(variableName="orderId", firstResult=1, maxResults=1)[0]["value"] == "A-2"
    count = http.get("/engine-rest/variable-instance/count", params={"variableName": "vip"})
    assert count.json() == {"count": 3}
    one = http.get(f"/engine-rest/variable-instance/{old['variableKey']}").json()
    assert (one["name"], one["value"], one["processInstanceId"]) == ("amount", 5, b)
    assert http.get("/engine-rest/variable-instance/nope").status_code == 404
    several = http.get("/engine-rest/variable-instance", params={"variableValues": "a_eq_1,b_eq_2"})
    assert several.status_code == 400
    huge = http.get("/engine-rest/variable-instance", params={"variableValues": "amount_gt_1e999"})
    assert huge.status_code == 400
    assert http.get("/engine-rest/variable-instance/99999999999999999999").status_code == 404


def instances_by_variables(http: httpx.Client, client: Client) -> None:
    """`/v2/process-instances/search` with `variables` and Camunda 7's process-instance
    list with `variables=name_op_value` (GET) or conditions (POST) select instances by
    their own variables' values, through the store."""
    a, b, c = _orders(http, client)

    def v2(variables: list[dict[str, Any]], **more: Any) -> list[str]:
        body = {"filter": {"variables": variables, **more}}
        answer = http.post("/v2/process-instances/search", json=body)
        assert answer.status_code == 200, answer.text
        return sorted(i["processInstanceKey"] for i in answer.json()["items"])

    assert v2([{"name": "orderId", "value": '"A-2"'}]) == [b]
    assert v2([{"name": "amount", "value": {"$gte": "150"}}]) == sorted([b, c])
    assert v2(
        [{"name": "amount", "value": {"$gte": "150"}}, {"name": "vip", "value": "false"}]
    ) == [c]
    assert v2([{"name": "orderId", "value": '"A-2"'}], processDefinitionId="orders") == [b]
    assert v2([{"name": "nothing", "value": "1"}]) == []
    counted = http.post(
        "/v2/process-instances/search",
        json={"filter": {"variables": [{"name": "amount", "value": {"$lt": "200"}}]}},
    ).json()
    assert counted["page"]["totalItems"] == 2
    refused = http.post(
        "/v2/process-instances/search",
        json={"filter": {"variables": [{"name": "amount", "value": {"$in": ["1"]}}]}},
    )
    assert refused.status_code == 400
    assert refused.json()["invalidParams"][0]["name"] == "filter.variables[0].value"

    def c7(variables: str) -> list[str]:
        answer = http.get("/engine-rest/process-instance", params={"variables": variables})
        assert answer.status_code == 200, answer.text
        return sorted(i["id"] for i in answer.json())

    assert c7("amount_gt_100") == sorted([b, c])
    assert c7("orderId_eq_A-1") == [a]
    assert c7("orderId_like_A-%") == sorted([a, b, c])
    assert c7("amount_gteq_150,amount_lt_250") == [b]
    assert c7("vip_eq_true") == [b]
    assert c7("amount_lt_1e999") == sorted([a, b, c])  # beyond a double: the state decides
    count = http.get("/engine-rest/process-instance/count", params={"variables": "amount_lteq_150"})
    assert count.json() == {"count": 2}
    posted = http.post(
        "/engine-rest/process-instance",
        json={"variables": [{"name": "orderId", "operator": "neq", "value": "A-1"}]},
    )
    assert posted.status_code == 200, posted.text
    assert sorted(i["id"] for i in posted.json()) == sorted([b, c])
    http.put(f"/v2/element-instances/{a}/variables", json={"variables": {"amount": 500}})
    assert c7("amount_gt_100") == sorted([a, b, c])  # the change is seen at once


def decision_instances(http: httpx.Client, client: Client) -> None:
    """The decisions a business rule task and `/v2/decision-definitions/evaluation`
    evaluated are searched (by process instance, decision, key; keyset pages) and got with
    their inputs and matched rules, as Camunda 8 answers them."""
    deployed = http.post("/v2/deployments", files=files(("discount.dmn", DMN)))
    assert deployed.status_code == 200, deployed.text
    client.deploy(
        ProcessBuilder("pricing")
        .start("s")
        .business_rule_task("decide", decision="discount", result_variable="discount")
        .user_task("t")
        .end("e")
    )
    gold = start(http, "pricing", {"customerType": "gold", "orderTotal": 10})
    big = start(http, "pricing", {"customerType": "plain", "orderTotal": 5000})
    asked = http.post(
        "/v2/decision-definitions/evaluation",
        json={
            "decisionDefinitionId": "discount",
            "variables": {"customerType": "x", "orderTotal": 1},
        },
    )
    assert asked.status_code == 200, asked.text
    asked_key = asked.json()["evaluatedDecisions"][0]["decisionEvaluationInstanceKey"]

    def search(body: dict[str, Any]) -> dict[str, Any]:
        answer = http.post("/v2/decision-instances/search", json=body)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    every = search({})
    assert every["page"]["totalItems"] == 3
    by_instance = {i["processInstanceKey"]: i for i in every["items"]}
    assert set(by_instance) == {gold, big, None}
    assert json.loads(by_instance[gold]["result"]) == 0.15
    assert json.loads(by_instance[big]["result"]) == 0.05
    one = by_instance[gold]
    assert one["decisionDefinitionId"] == "discount" and one["state"] == "EVALUATED"
    assert one["decisionDefinitionType"] == "DECISION_TABLE"
    assert one["decisionDefinitionKey"] and one["decisionDefinitionVersion"] == 1
    assert one["elementInstanceKey"] and one["processDefinitionKey"]
    assert by_instance[None]["decisionEvaluationInstanceKey"] == asked_key

    only = search({"filter": {"processInstanceKey": big}})["items"]
    assert [i["processInstanceKey"] for i in only] == [big]
    assert search({"filter": {"decisionDefinitionId": "nothing"}})["items"] == []
    assert search({"filter": {"state": "FAILED"}})["items"] == []
    keyed = search({"filter": {"decisionDefinitionKey": one["decisionDefinitionKey"]}})
    assert keyed["page"]["totalItems"] == 3
    first = search({"page": {"limit": 2}})
    rest = search({"page": {"limit": 2, "after": first["page"]["endCursor"]}})
    keys = [i["decisionEvaluationInstanceKey"] for i in first["items"] + rest["items"]]
    assert sorted(keys) == sorted(i["decisionEvaluationInstanceKey"] for i in every["items"])
    newest = search({"sort": [{"field": "decisionEvaluationInstanceKey", "order": "DESC"}]})
    assert [i["decisionEvaluationInstanceKey"] for i in newest["items"]] == sorted(
        keys, reverse=True
    )

    got = http.get(f"/v2/decision-instances/{one['decisionEvaluationInstanceKey']}")
    assert got.status_code == 200, got.text
    detail = got.json()
    assert [r["ruleId"] for r in detail["matchedRules"]] == ["r-gold"]
    assert {i["inputName"]: json.loads(i["inputValue"]) for i in detail["evaluatedInputs"]} == {
        "Customer type": "gold",
        "Order total": 10,
    }
    assert http.get("/v2/decision-instances/42").status_code == 404
    bad = http.post("/v2/decision-instances/search", json={"sort": [{"field": "result"}]})
    assert bad.status_code == 400
