"""SLA targets, breaches, at-risk deadlines and alert subscriptions over real HTTP
(Regista's additions to /v2), and who may call them; bad input is a 400 naming the field."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from apikit import api, as_role, bpmn, files, review
from regista.client import Client
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node
from regista.store.memory import MemoryStore

CLOCK = "2030-01-01T09:00:00Z"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(CLOCK)


@pytest.fixture
def client(clock: FakeClock) -> Iterator[Client]:
    with Client(MemoryStore(), clock=clock) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client, roles=True) as made:
        made.post(
            "/v2/deployments",
            files=files(("review.bpmn", bpmn(review()))),
            headers=as_role("modeler"),
        ).raise_for_status()
        yield made


def definition_key(http: httpx.Client) -> str:
    found = http.post(
        "/v2/process-definitions/search",
        json={"filter": {"processDefinitionId": "review"}},
        headers=as_role("operator"),
    )
    key: str = found.json()["items"][0]["processDefinitionKey"]
    return key


def test_targets_set_through_the_api_lead_to_a_breach_listed_and_at_risk(
    http: httpx.Client, client: Client, clock: FakeClock
) -> None:
    key = definition_key(http)
    modeler, operator = as_role("modeler"), as_role("operator")
    put = http.put(
        f"/v2/process-definitions/{key}/sla",
        json={"instance": "PT4H", "elements": {"check": "PT1H"}},
        headers=modeler,
    )
    assert put.status_code == 200, put.text
    assert put.json()["instance"] == "PT4H" and put.json()["elements"] == {"check": "PT1H"}
    got = http.get(f"/v2/process-definitions/{key}/sla", headers=operator).json()
    assert got["overrides"] == {"review": "PT4H", "check": "PT1H"} and got["model"] == {}

    started = http.post(
        "/v2/process-instances", json={"processDefinitionId": "review"}, headers=operator
    )
    instance = started.json()["processInstanceKey"]
    clock.advance("PT50M")
    risky = http.get("/v2/sla/at-risk", params={"share": 0.8}, headers=operator).json()
    assert [(r["elementId"], r["kind"]) for r in risky["items"]] == [("check", "element")]

    clock.advance("PT10M")
    Node(client.shell).run_until_idle()
    listed = http.get("/v2/sla-breaches", params={"processInstanceKey": instance}, headers=operator)
    assert listed.status_code == 200
    (breach,) = listed.json()["items"]
    assert (breach["elementId"], breach["kind"]) == ("check", "element")
    assert breach["breachTime"] == "2030-01-01T10:00:00.000Z"
    searched = http.post(
        "/v2/sla-breaches/search",
        json={"filter": {"processDefinitionId": "review"}, "page": {"limit": 1}},
        headers=operator,
    ).json()
    assert [b["slaBreachKey"] for b in searched["items"]] == [breach["slaBreachKey"]]
    after = searched["page"]["endCursor"]
    rest = http.post(
        "/v2/sla-breaches/search", json={"page": {"after": after}}, headers=operator
    ).json()
    assert rest["items"] == []


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"instance": "soon"}, "instance: the SLA target 'soon' is not an ISO 8601 duration"),
        ({"elements": {"nope": "PT1H"}}, "elements.nope: the process 'review' has no element"),
        ({"elements": {"check": "P1M"}}, "years or months"),
    ],
)
def test_bad_targets_are_a_400_naming_the_field(
    http: httpx.Client, body: dict[str, object], says: str
) -> None:
    key = definition_key(http)
    answer = http.put(f"/v2/process-definitions/{key}/sla", json=body, headers=as_role("modeler"))
    assert answer.status_code == 400 and says in answer.json()["detail"]


def test_an_unknown_definition_is_a_404(http: httpx.Client) -> None:
    answer = http.get("/v2/process-definitions/404/sla", headers=as_role("operator"))
    assert answer.status_code == 404


def test_alert_subscriptions_are_for_admins(http: httpx.Client) -> None:
    admin = as_role("admin")
    body = {
        "eventKind": "sla_breach",
        "channel": "webhook",
        "target": "https://hooks.example.com/regista",
        "secret": "k",
    }
    assert (
        http.post("/v2/alert-subscriptions", json=body, headers=as_role("operator")).status_code
        == 403
    )
    made = http.post("/v2/alert-subscriptions", json=body, headers=admin)
    assert made.status_code == 201, made.text
    assert made.json()["signed"] is True and "secret" not in made.json()
    key = made.json()["alertSubscriptionKey"]
    listed = http.get("/v2/alert-subscriptions", headers=admin).json()["items"]
    assert [s["alertSubscriptionKey"] for s in listed] == [key]
    bad = http.post(
        "/v2/alert-subscriptions",
        json={**body, "channel": "webhook", "target": "ftp://x"},
        headers=admin,
    )
    assert bad.status_code == 400 and "ftp://x" in bad.json()["detail"]
    unknown = http.post("/v2/alert-subscriptions", json={**body, "eventKind": "x"}, headers=admin)
    assert unknown.status_code == 400
    assert http.delete(f"/v2/alert-subscriptions/{key}", headers=admin).status_code == 204
    assert http.delete(f"/v2/alert-subscriptions/{key}", headers=admin).status_code == 404
    deliveries = http.get("/v2/alert-deliveries", headers=admin)
    assert deliveries.status_code == 200 and deliveries.json()["items"] == []
