"""`POST /v2/incidents/search` over real HTTP, on the memory store, SQLite and PostgreSQL:
the filters the cockpit's incident list uses (process, element, error type, state, creation
time) and bad filters as 400s naming the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest
from jobfixtures import pg_schema_url
from jobkit import payment, served

from apikit import gateway

OPERATOR = {"Authorization": "Bearer operator"}


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind, private to the test."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'incidents.db'}"
    return pg_schema_url(request.getfixturevalue("pg_database"))


def search(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/v2/incidents/search", json=body, headers=OPERATOR)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def test_filters_of_the_incident_list(store_url: str) -> None:
    with served(store_url) as api:
        api.client.deploy(payment(), gateway())
        charged = [api.client.start("payment", {"n": n}) for n in range(2)]
        stuck = api.client.start("gateway", {"x": 0})
        body = {"type": "charge", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 5}
        jobs = api.http.post("/v2/jobs/activation", json={**body, "requestTimeout": -1}).json()
        for job in jobs["jobs"]:
            failure = {"retries": 0, "errorMessage": "card service down"}
            answer = api.http.post(f"/v2/jobs/{job['jobKey']}/failure", json=failure)
            assert answer.status_code == 204, answer.text
        every = search(api.http)["items"]
        assert len(every) == 3

        def only(**filters: Any) -> list[str]:
            found = search(api.http, filter=filters)
            assert found["page"]["totalItems"] == len(found["items"])
            return sorted(i["processInstanceKey"] for i in found["items"])

        assert only(processDefinitionId="payment") == sorted(charged)
        assert only(processDefinitionId="nothing") == []
        definition = next(i for i in every if i["processInstanceKey"] == stuck)
        assert only(processDefinitionKey=definition["processDefinitionKey"]) == [stuck]
        assert only(errorType="JOB_NO_RETRIES") == sorted(charged)
        assert only(errorType="condition_error") == [stuck]
        assert only(elementId="choose", errorType="CONDITION_ERROR") == [stuck]
        assert only(elementInstanceKey=definition["elementInstanceKey"]) == [stuck]
        # the answer's times are to the millisecond, the store's to the microsecond
        times = sorted(i["creationTime"] for i in every)
        last = dt.datetime.fromisoformat(times[-1].replace("Z", "+00:00"))
        later = (last + dt.timedelta(milliseconds=1)).isoformat()
        assert len(only(creationTime={"$gte": times[0], "$lt": later})) == 3
        assert only(creationTime={"$gte": later}) == []
        assert only(creationTime={"$lt": times[0]}) == []
        assert only(state="ACTIVE", processDefinitionId="payment") == sorted(charged)

        # a page of one, then the next one after its cursor, with the filter kept
        first = search(api.http, filter={"errorType": "JOB_NO_RETRIES"}, page={"limit": 1})
        after = first["page"]["endCursor"]
        second = search(
            api.http, filter={"errorType": "JOB_NO_RETRIES"}, page={"limit": 1, "after": after}
        )
        seen = {first["items"][0]["processInstanceKey"], second["items"][0]["processInstanceKey"]}
        assert seen == set(charged)


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"filter": {"creationTime": "yesterday"}}, "filter.creationTime"),
        ({"filter": {"creationTime": {"$near": "2026-01-01T00:00:00Z"}}}, "filter.creationTime"),
        ({"filter": {"errorType": {"$in": ["A", "B"]}}}, "filter.errorType"),
        ({"filter": {"processDefinitionId": 1.5}}, "filter.processDefinitionId"),
    ],
)
def test_bad_incident_filters_are_400_naming_the_field(
    store_url: str, body: dict[str, Any], name: str
) -> None:
    with served(store_url) as api:
        response = api.http.post("/v2/incidents/search", json=body, headers=OPERATOR)
        assert response.status_code == 400, response.text
        assert name in [p["name"] for p in response.json()["invalidParams"]]
