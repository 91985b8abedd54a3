"""The statistics endpoints over real HTTP: instances per process and per version, element
instances per element of a definition and of one instance, and bad filters refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apikit import api, bpmn, files, gateway, order, quick
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store.memory import MemoryStore


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client) as made:
        made.post(
            "/v2/deployments",
            files=files(
                ("order.bpmn", bpmn(order())),
                ("quick.bpmn", bpmn(quick())),
                ("gateway.bpmn", bpmn(gateway())),
            ),
        ).raise_for_status()
        yield made


def _start(http: httpx.Client, process: str, variables: dict[str, Any] | None = None) -> str:
    answer = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": process, "variables": variables or {}},
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["processInstanceKey"])


def _ok(answer: httpx.Response) -> Any:
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_instances_are_counted_per_process(http: httpx.Client, client: Client) -> None:
    for n in range(3):
        _start(http, "order", {"orderId": f"A-{n}"})
    cancelled = _start(http, "order", {"orderId": "B"})
    http.post(f"/v2/process-instances/{cancelled}/cancellation").raise_for_status()
    _start(http, "quick", {"n": 2})
    _start(http, "gateway", {"x": 0})  # the condition fails: an incident
    client.deploy(
        ProcessBuilder("order", name="Order v2").start("s").user_task("t").end("e"),
    )
    _start(http, "order")
    found = _ok(http.post("/v2/process-definitions/statistics/process-instances", json={}))
    by_id = {i["processDefinitionId"]: i for i in found["items"]}
    assert by_id["order"]["activeInstancesWithoutIncidentCount"] == 4
    assert by_id["order"]["terminatedInstancesCount"] == 1
    assert by_id["order"]["hasMultipleVersions"] is True
    assert by_id["order"]["latestProcessDefinitionName"] == "Order v2"
    assert by_id["order"]["latestProcessDefinitionVersion"] == 2
    assert by_id["quick"]["completedInstancesCount"] == 1
    assert by_id["quick"]["hasMultipleVersions"] is False
    assert by_id["gateway"]["activeInstancesWithIncidentCount"] == 1
    assert found["page"]["totalItems"] == 3
    one = _ok(
        http.post(
            "/v2/process-definitions/statistics/process-instances",
            json={"filter": {"processDefinitionId": "quick"}},
        )
    )
    assert [i["processDefinitionId"] for i in one["items"]] == ["quick"]
    versions = _ok(
        http.post(
            "/v2/process-definitions/statistics/process-instances-by-version",
            json={"filter": {"processDefinitionId": "order"}},
        )
    )["items"]
    assert [(v["processDefinitionVersion"], v["activeInstancesWithoutIncidentCount"]) for v in
            versions] == [(1, 3), (2, 1)]  # fmt: skip
    assert versions[0]["terminatedInstancesCount"] == 1
    missing = http.post("/v2/process-definitions/statistics/process-instances-by-version", json={})
    assert missing.status_code == 400
    assert missing.json()["invalidParams"][0]["name"] == "filter.processDefinitionId"


def test_elements_are_counted_per_definition(http: httpx.Client) -> None:
    keys = [_start(http, "order", {"orderId": f"A-{n}"}) for n in range(3)]
    http.post(f"/v2/process-instances/{keys[0]}/cancellation").raise_for_status()
    http.post(
        "/v2/messages/publication",
        json={"name": "paid", "correlationKey": "A-1", "variables": {}},
    ).raise_for_status()
    definition = _ok(http.get(f"/v2/process-instances/{keys[1]}"))["processDefinitionKey"]
    path = f"/v2/process-definitions/{definition}/statistics/element-instances"
    items = {i["elementId"]: i for i in _ok(http.post(path, json={}))["items"]}
    assert items["paid"] == {
        "elementId": "paid",
        "active": 1,
        "canceled": 1,
        "incidents": 0,
        "completed": 1,
    }
    assert items["s"]["completed"] == 3 and items["e"]["completed"] == 1
    running = _ok(http.post(path, json={"filter": {"state": "ACTIVE"}}))["items"]
    assert {i["elementId"]: i["active"] for i in running} == {"s": 0, "paid": 1}
    only = _ok(http.post(path, json={"filter": {"elementId": {"$in": ["e"]}}}))["items"]
    assert [i["elementId"] for i in only] == ["e"]
    assert _ok(http.post(path))["items"]  # no body: every instance
    refused = http.post(path, json={"filter": {"variables": [{"name": "x"}]}})
    assert refused.status_code == 400 and "filter.variables" in refused.json()["detail"]
    bad_state = http.post(path, json={"filter": {"state": "DONE"}})
    assert bad_state.status_code == 400
    nothing = http.post("/v2/process-definitions/999/statistics/element-instances", json={})
    assert nothing.status_code == 404


def test_elements_are_counted_for_one_instance(http: httpx.Client) -> None:
    key = _start(http, "gateway", {"x": 0})
    items = _ok(http.get(f"/v2/process-instances/{key}/statistics/element-instances"))["items"]
    by_id = {i["elementId"]: i for i in items}
    assert by_id["s"]["completed"] == 1
    assert by_id["choose"]["active"] == 1 and by_id["choose"]["incidents"] == 1
    definition = _ok(http.get(f"/v2/process-instances/{key}"))["processDefinitionKey"]
    path = f"/v2/process-definitions/{definition}/statistics/element-instances"
    assert {i["elementId"]: i["incidents"] for i in _ok(http.post(path))["items"]} == {
        "s": 0,
        "choose": 1,
    }
    assert http.get("/v2/process-instances/42/statistics/element-instances").status_code == 404


def test_instances_are_found_by_business_key(http: httpx.Client) -> None:
    for key in ("K-1", "K-2"):
        answer = http.post(
            "/v2/process-instances",
            json={
                "processDefinitionId": "order",
                "businessKey": key,
                "variables": {"orderId": key},
            },
        )
        assert answer.status_code == 200, answer.text
    found = _ok(http.post("/v2/process-instances/search", json={"filter": {"businessKey": "K-2"}}))
    assert [i["businessKey"] for i in found["items"]] == ["K-2"]


def test_a_migrated_instance_is_counted_at_its_new_elements(
    http: httpx.Client, client: Client
) -> None:
    key = _start(http, "order", {"orderId": "M-1"})
    client.deploy(ProcessBuilder("order", name="Order").start("s").catch(
        "paid2", message="paid", correlation_key="=orderId").end("e"))  # fmt: skip
    target = _ok(
        http.post(
            "/v2/process-definitions/search",
            json={"filter": {"processDefinitionId": "order", "version": 2}},
        )
    )["items"][0]["processDefinitionKey"]
    plan = {
        "targetProcessDefinitionKey": target,
        "mappingInstructions": [{"sourceElementId": "paid", "targetElementId": "paid2"}],
    }
    migrated = http.post(f"/v2/process-instances/{key}/migration", json={"migrationPlan": plan})
    assert migrated.status_code == 204, migrated.text
    items = _ok(http.get(f"/v2/process-instances/{key}/statistics/element-instances"))["items"]
    assert {i["elementId"]: i["active"] for i in items if i["active"]} == {"paid2": 1}
