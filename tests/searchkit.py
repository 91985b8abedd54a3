"""The checks of the cross-instance searches, run over every store: the memory store and
SQLite in `tests/unit/api/test_v2_searches.py`, PostgreSQL in
`tests/integration/api/test_api_searches.py`. Each takes an HTTP client of the API and
the `Client` under it."""

from __future__ import annotations

from typing import Any

import httpx

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.node import Node

__all__ = ["incidents_by_type", "instance_element", "start"]


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
