"""Process instances over real HTTP: create (by id, version or key; awaiting the end),
search with filters, sort and both kinds of paging, get, cancel, modify, migrate — and
bad input answered with a problem naming what is wrong."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apikit import api, bpmn, files, order, quick, review
from regista.api.v2 import instances
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store.memory import MemoryStore
from testkit import wait_until


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
                ("review.bpmn", bpmn(review())),
            ),
        ).raise_for_status()
        yield made


def start(http: httpx.Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = http.post("/v2/process-instances", json=body)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_create_by_id_version_or_key(http: httpx.Client) -> None:
    by_id = start(http, {"processDefinitionId": "order", "variables": {"orderId": "A-1"}})
    assert by_id["processInstanceKey"].isdigit() and by_id["processDefinitionVersion"] == 1
    assert by_id["tenantId"] == "<default>" and by_id["variables"] == {}  # as the SDKs want
    by_key = start(http, {"processDefinitionKey": by_id["processDefinitionKey"]})
    assert by_key["processDefinitionId"] == "order"
    latest = start(http, {"processDefinitionId": "order", "processDefinitionVersion": -1})
    assert latest["processDefinitionKey"] == by_id["processDefinitionKey"]
    numeric = start(http, {"processDefinitionKey": int(by_id["processDefinitionKey"])})
    assert numeric["processDefinitionId"] == "order"  # a key sent as a number is accepted
    got = http.get(f"/v2/process-instances/{by_id['processInstanceKey']}").json()
    assert got["state"] == "ACTIVE" and got["hasIncident"] is False
    assert got["processDefinitionName"] == "Order" and got["startDate"].endswith("Z")


def test_create_refuses_what_is_wrong_naming_it(http: httpx.Client, client: Client) -> None:
    malformed = http.post(
        "/v2/process-instances",
        content=b'{"processDefinitionId": ',
        headers={"content-type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.headers["content-type"].startswith("application/problem+json")
    wrong_type = http.post(
        "/v2/process-instances", json={"processDefinitionId": "order", "variables": [1]}
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["invalidParams"][0]["name"] == "variables"
    both = http.post(
        "/v2/process-instances", json={"processDefinitionId": "order", "processDefinitionKey": "1"}
    )
    assert both.status_code == 400 and "either" in both.json()["detail"]
    unknown = http.post("/v2/process-instances", json={"processDefinitionId": "nope"})
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]
    unknown_key = http.post("/v2/process-instances", json={"processDefinitionKey": "42"})
    assert unknown_key.status_code == 404
    no_version = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": "order", "processDefinitionVersion": 7},
    )
    assert no_version.status_code == 404
    many = http.post(
        "/v2/process-instances",
        json={
            "processDefinitionId": "order",
            "startInstructions": [{"elementId": "s"}, {"elementId": "paid"}],
        },
    )
    assert many.status_code == 400 and many.json()["invalidParams"][0]["name"] == (
        "startInstructions"
    )
    assert client.instances() == []  # nothing half written
    ignored = start(http, {"processDefinitionId": "quick", "variables": {"n": 1}, "colour": "blue"})
    assert ignored["processDefinitionId"] == "quick"  # unknown fields are ignored


def test_await_completion_answers_variables_or_times_out(http: httpx.Client) -> None:
    done = start(
        http,
        {"processDefinitionId": "quick", "variables": {"n": 21}, "awaitCompletion": True},
    )
    assert done["variables"] == {"n": 21, "twice": 42}
    fetched = start(
        http,
        {
            "processDefinitionId": "quick",
            "variables": {"n": 1},
            "awaitCompletion": True,
            "fetchVariables": ["twice"],
        },
    )
    assert fetched["variables"] == {"twice": 2}
    late = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": "review", "awaitCompletion": True, "requestTimeout": 50},
    )
    assert late.status_code == 504
    problem = late.json()
    assert "did not end within 50 ms" in problem["detail"] and "check" in problem["detail"]
    still = http.get(f"/v2/process-instances/{problem['processInstanceKey']}").json()
    assert still["state"] == "ACTIVE"  # it keeps running
    negative = http.post(
        "/v2/process-instances",
        json={"processDefinitionId": "quick", "awaitCompletion": True, "requestTimeout": -1},
    )
    assert negative.status_code == 400
    assert negative.json()["invalidParams"][0]["name"] == "requestTimeout"


def test_await_completion_is_woken_by_the_end_not_by_polling(
    http: httpx.Client, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The waiting start looks again only when the commit that ends its instance wakes it:
    with the fallback look pushed out to an hour, it still answers once a person completes
    the task (and the watch is gone afterwards)."""
    monkeypatch.setattr(instances, "_LOOK_AGAIN", 3600.0)
    client.deploy(ProcessBuilder("approval").start("s").user_task("approve").end("e"))
    endings = client.shell.signals.endings

    def complete_when_awaited() -> None:
        wait_until(lambda: endings.waiting == 1, 30, what="the start to await the end")
        wait_until(lambda: client.tasks(), 30, what="the task")
        client.complete_task(client.tasks()[0].id, {"approved": True}, by="ann")

    person = threading.Thread(target=complete_when_awaited)
    person.start()
    try:
        done = start(
            http,
            {
                "processDefinitionId": "approval",
                "awaitCompletion": True,
                "requestTimeout": 60_000,
                "fetchVariables": ["approved"],
            },
        )
    finally:
        person.join()
    assert done["variables"] == {"approved": True}
    assert endings.waiting == 0


def test_search_filters_sorts_and_pages(http: httpx.Client) -> None:
    keys = [
        start(http, {"processDefinitionId": "order", "variables": {"orderId": f"o{i}"}})[
            "processInstanceKey"
        ]
        for i in range(5)
    ]
    ended = start(http, {"processDefinitionId": "quick", "variables": {"n": 1}})
    everything = http.post("/v2/process-instances/search", json={}).json()
    assert everything["page"]["totalItems"] == 6
    active = http.post("/v2/process-instances/search", json={"filter": {"state": "ACTIVE"}}).json()
    assert [i["processInstanceKey"] for i in active["items"]] == keys
    completed = http.post(
        "/v2/process-instances/search",
        json={"filter": {"state": {"$in": ["COMPLETED"]}, "processDefinitionId": "quick"}},
    ).json()
    assert [i["processInstanceKey"] for i in completed["items"]] == [ended["processInstanceKey"]]
    assert completed["items"][0]["endDate"] is not None

    def pages(body: dict[str, Any]) -> list[str]:
        seen: list[str] = []
        page: dict[str, Any] = {"limit": 2}
        while True:
            answer = http.post("/v2/process-instances/search", json={**body, "page": page}).json()
            seen.extend(i["processInstanceKey"] for i in answer["items"])
            if not answer["items"] or answer["page"]["endCursor"] is None:
                return seen
            page = {"limit": 2, "after": answer["page"]["endCursor"]}

    by_state = {"filter": {"state": "ACTIVE"}}
    assert pages(by_state) == keys
    newest_first = {**by_state, "sort": [{"field": "processInstanceKey", "order": "DESC"}]}
    assert pages(newest_first) == keys[::-1]
    second = http.post(
        "/v2/process-instances/search", json={**by_state, "page": {"from": 2, "limit": 2}}
    ).json()
    assert [i["processInstanceKey"] for i in second["items"]] == keys[2:4]
    back = http.post(
        "/v2/process-instances/search",
        json={**by_state, "page": {"before": second["page"]["startCursor"], "limit": 5}},
    ).json()
    assert [i["processInstanceKey"] for i in back["items"]] == keys[:2]
    one = http.post(
        "/v2/process-instances/search", json={"filter": {"processInstanceKey": keys[3]}}
    ).json()
    assert [i["processInstanceKey"] for i in one["items"]] == [keys[3]]
    since = http.post(
        "/v2/process-instances/search",
        json={"filter": {"startDate": {"$gte": one["items"][0]["startDate"]}}},
    ).json()
    assert keys[3] in [i["processInstanceKey"] for i in since["items"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"filter": {"state": "SLEEPING"}}, "filter.state"),
        ({"filter": {"startDate": "yesterday"}}, "filter.startDate"),
        ({"filter": {"processInstanceKey": {"$like": "1*"}}}, "filter.processInstanceKey"),
        ({"page": {"after": "not a cursor!"}}, "page.after"),
        ({"page": {"limit": 0}}, "page.limit"),
        ({"sort": [{"field": "colour"}]}, "sort[0].field"),
        ({"sort": [{"field": "startDate", "order": "UP"}]}, "sort.0.order"),
    ],
)
def test_search_refuses_bad_filters_naming_them(
    http: httpx.Client, body: dict[str, Any], field: str
) -> None:
    answer = http.post("/v2/process-instances/search", json=body)
    assert answer.status_code == 400, answer.text
    assert field in [p["name"] for p in answer.json()["invalidParams"]]


def test_get_and_cancel(http: httpx.Client) -> None:
    key = start(http, {"processDefinitionId": "order", "variables": {"orderId": "c"}})[
        "processInstanceKey"
    ]
    assert http.get("/v2/process-instances/123").status_code == 404
    assert http.post(f"/v2/process-instances/{key}/cancellation").status_code == 204
    assert http.get(f"/v2/process-instances/{key}").json()["state"] == "TERMINATED"
    again = http.post(f"/v2/process-instances/{key}/cancellation", json={})
    assert again.status_code == 404 and "not active" in again.json()["detail"]
    assert http.post("/v2/process-instances/123/cancellation").status_code == 404


def test_modification_and_migration(http: httpx.Client, client: Client) -> None:
    key = start(http, {"processDefinitionId": "review"})["processInstanceKey"]
    moved = http.post(
        f"/v2/process-instances/{key}/modification",
        json={
            "activateInstructions": [{"elementId": "e"}],
            "terminateInstructions": [{"elementId": "check"}],
        },
    )
    assert moved.status_code == 204, moved.text
    assert client.instance(key).status == "completed"
    refused = http.post(
        f"/v2/process-instances/{key}/modification",
        json={"activateInstructions": [{"elementId": "nowhere"}]},
    )
    assert refused.status_code == 400
    empty = http.post(
        f"/v2/process-instances/{key}/modification", json={"terminateInstructions": [{}]}
    )
    assert empty.status_code == 400

    other = start(http, {"processDefinitionId": "review"})["processInstanceKey"]
    newer = ProcessBuilder("review").start("s").user_task("look", form_id="f").end("e")
    deployed = http.post("/v2/deployments", files=files(("review.bpmn", bpmn(newer)))).json()
    target = deployed["deployments"][0]["processDefinition"]["processDefinitionKey"]
    plan = {
        "migrationPlan": {
            "targetProcessDefinitionKey": target,
            "mappingInstructions": [{"sourceElementId": "check", "targetElementId": "look"}],
        }
    }
    assert http.post(f"/v2/process-instances/{other}/migration", json=plan).status_code == 204
    assert http.get(f"/v2/process-instances/{other}").json()["processDefinitionVersion"] == 2
    order_key = start(http, {"processDefinitionId": "order", "variables": {"orderId": "m"}})
    wrong = http.post(
        f"/v2/process-instances/{order_key['processInstanceKey']}/migration", json=plan
    )
    assert wrong.status_code == 400
    missing = http.post(f"/v2/process-instances/{other}/migration", json={})
    assert missing.status_code == 400
    assert missing.json()["invalidParams"][0]["name"] == "migrationPlan"
