"""The v2 API on SQLite and PostgreSQL over real HTTP: two servers sharing one database
hand out keys that never collide, searches page through the store's index, a messageId
is refused by the other server, incidents are found and resolved."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from apikit import api, bpmn, files, gateway, order
from regista.client import Client


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'api.db'}"
    database: str = request.getfixturevalue("pg_database")
    schema = f"api_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database}?options=-csearch_path%3D{schema}"


@pytest.fixture
def two(database_url: str) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with (
        Client(database_url) as one,
        Client(database_url) as other,
        api(one) as first,
        api(other) as second,
    ):
        yield first, second


def start(http: httpx.Client, process: str, variables: dict[str, Any]) -> str:
    answer = http.post(
        "/v2/process-instances", json={"processDefinitionId": process, "variables": variables}
    )
    assert answer.status_code == 200, answer.text
    key: str = answer.json()["processInstanceKey"]
    return key


def test_two_servers_share_keys_searches_and_message_ids(
    two: tuple[httpx.Client, httpx.Client],
) -> None:
    first, second = two
    deployed = first.post(
        "/v2/deployments",
        files=files(("order.bpmn", bpmn(order())), ("gateway.bpmn", bpmn(gateway()))),
    )
    assert deployed.status_code == 200, deployed.text
    keys = [start(http, "order", {"orderId": f"o{i}"}) for i in range(6) for http in two]
    assert len(set(keys)) == 12 and all(k.isdigit() and int(k) < 2**63 for k in keys)

    seen: list[str] = []
    page: dict[str, Any] = {"limit": 5}
    while True:
        answer = second.post(
            "/v2/process-instances/search",
            json={"filter": {"processDefinitionId": "order"}, "page": page},
        ).json()
        assert answer["page"]["totalItems"] == 12
        seen.extend(i["processInstanceKey"] for i in answer["items"])
        if answer["page"]["endCursor"] is None:
            break
        page = {"limit": 5, "after": answer["page"]["endCursor"]}
    assert sorted(seen) == sorted(keys) and len(seen) == 12

    message = {"name": "paid", "correlationKey": "late", "timeToLive": 60_000, "messageId": "m"}
    assert first.post("/v2/messages/publication", json=message).status_code == 200
    assert second.post("/v2/messages/publication", json=message).status_code == 409
    correlated = second.post(
        "/v2/messages/correlation", json={"name": "paid", "correlationKey": "o3"}
    )
    assert correlated.status_code == 200
    assert correlated.json()["processInstanceKey"] in keys

    failing = start(first, "gateway", {"x": 0})
    incidents = second.post(
        "/v2/incidents/search", json={"filter": {"processInstanceKey": failing}}
    ).json()["items"]
    assert [i["elementId"] for i in incidents] == ["choose"]
    resolved = first.post(f"/v2/incidents/{incidents[0]['incidentKey']}/resolution")
    assert resolved.status_code == 204
    again = second.get(f"/v2/incidents/{incidents[0]['incidentKey']}").json()
    assert again["state"] == "RESOLVED"  # and the gateway, still failing, raised a new one
    verified = second.post(f"/v2/process-instances/{failing}/audit/verification").json()
    assert verified["verified"] is True
