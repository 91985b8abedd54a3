"""`POST /v2/jobs/search` over real HTTP, on the memory store, SQLite and PostgreSQL:
filters, Camunda's job states, keyset pages forward and back, and bad filters as 400s
naming the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from jobfixtures import pg_schema_url
from jobkit import Served, payment, served

from regista.api.v2.search import encode_cursor
from regista.bpmn import ProcessBuilder
from regista.runtime import outbox
from regista.store import NewJob


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store of each kind, private to the test."""
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'search.db'}"
    return pg_schema_url(request.getfixturevalue("pg_database"))


def search(http: httpx.Client, **body: Any) -> dict[str, Any]:
    response = http.post("/v2/jobs/search", json=body)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def keys(found: dict[str, Any]) -> list[str]:
    return [item["jobKey"] for item in found["items"]]


def activate(http: httpx.Client, job_type: str = "charge") -> list[dict[str, Any]]:
    body = {"type": job_type, "worker": "w1", "timeout": 3_600_000, "maxJobsToActivate": 10}
    response = http.post("/v2/jobs/activation", json={**body, "requestTimeout": -1})
    assert response.status_code == 200, response.text
    jobs: list[dict[str, Any]] = response.json()["jobs"]
    return jobs


def refund() -> ProcessBuilder:
    return ProcessBuilder("refund").start("s").service_task("give", type="refund").end("e")


def jobs_in_every_state(api: Served) -> dict[str, str]:
    """Six jobs: completed, failed with retries left, failed behind an incident, cancelled,
    activated by w1 (all "charge" of `payment`), and one ready "refund"; their keys by
    what they are."""
    api.client.deploy(payment())
    api.client.deploy(refund())
    started = {name: api.client.start("payment", {"n": name}) for name in ("done", "retry")}
    started |= {name: api.client.start("payment", {"n": name}) for name in ("dead", "gone")}
    started["held"] = api.client.start("payment", {"n": "held"})
    api.client.start("refund", {})
    by_instance = {job["processInstanceKey"]: job["jobKey"] for job in activate(api.http)}
    job = {name: by_instance[instance] for name, instance in started.items()}
    http = api.http
    assert http.post(f"/v2/jobs/{job['done']}/completion", json={}).status_code == 204
    failure = {"retries": 2, "errorMessage": "down", "retryBackOff": 3_600_000}
    assert http.post(f"/v2/jobs/{job['retry']}/failure", json=failure).status_code == 204
    last = {"retries": 0, "errorMessage": "for good"}
    assert http.post(f"/v2/jobs/{job['dead']}/failure", json=last).status_code == 204
    api.client.cancel(started["gone"])
    (refund_job,) = search(http, filter={"type": "refund"})["items"]
    job["refund"] = refund_job["jobKey"]
    return job


def test_filters_and_states(store_url: str) -> None:
    with served(store_url) as api:
        job = jobs_in_every_state(api)
        http = api.http
        everything = search(http)
        assert everything["page"]["totalItems"] == 6
        assert sorted(keys(everything)) == sorted(job.values())
        assert keys(everything) == sorted(job.values(), key=lambda k: (len(k), k))
        items = {item["jobKey"]: item for item in everything["items"]}

        done = items[job["done"]]
        assert done["state"] == "COMPLETED" and done["endTime"] and done["deadline"] is None
        assert done["type"] == "charge" and done["processDefinitionId"] == "payment"
        assert done["kind"] == "BPMN_ELEMENT" and done["listenerEventType"] == "UNSPECIFIED"
        assert done["tenantId"] == "<default>" and done["elementId"] == "charge"
        retry = items[job["retry"]]
        assert retry["state"] == "CREATED" and retry["hasFailedWithRetriesLeft"] is True
        assert retry["retries"] == 2 and retry["errorMessage"] == "down"
        assert items[job["dead"]]["state"] == "FAILED"
        assert items[job["dead"]]["hasFailedWithRetriesLeft"] is False
        assert items[job["gone"]]["state"] == "CANCELED" and items[job["gone"]]["endTime"]
        held = items[job["held"]]
        assert held["state"] == "CREATED" and held["worker"] == "w1" and held["deadline"]
        assert held["endTime"] is None and held["hasFailedWithRetriesLeft"] is False
        ready = items[job["refund"]]
        assert ready["state"] == "CREATED" and ready["worker"] == ""
        assert ready["processDefinitionId"] == "refund" and ready["elementId"] == "give"

        def only(**filters: Any) -> list[str]:
            found = search(http, filter=filters)
            assert found["page"]["totalItems"] == len(found["items"])
            return sorted(keys(found))

        assert only(state="COMPLETED") == [job["done"]]
        assert only(state={"$in": ["FAILED", "CANCELED"]}) == sorted([job["dead"], job["gone"]])
        created = sorted([job["retry"], job["held"], job["refund"]])
        assert only(state={"$eq": "CREATED"}) == created
        assert only(state="ERROR_THROWN") == [] and only(kind="EXECUTION_LISTENER") == []
        assert only(hasFailedWithRetriesLeft=True) == [job["retry"]]
        assert len(only(hasFailedWithRetriesLeft=False)) == 5
        assert only(worker="w1") == [job["held"]]
        assert only(retries=2) == [job["retry"]] and only(retries={"$eq": 0}) == [job["dead"]]
        # with retries left and without: Camunda's integer operators
        assert job["dead"] not in only(retries={"$gt": 0})
        assert len(only(retries={"$gt": 0})) == 5
        assert only(retries={"$lt": 1}) == [job["dead"]]
        assert only(retries={"$gte": 2, "$lte": 2}) == [job["retry"]]
        assert only(type="refund") == [job["refund"]]
        assert only(processDefinitionId="refund") == [job["refund"]]
        assert only(processDefinitionKey=ready["processDefinitionKey"]) == [job["refund"]]
        assert len(only(processDefinitionKey=done["processDefinitionKey"])) == 5
        assert only(processInstanceKey=held["processInstanceKey"]) == [job["held"]]
        assert only(elementId="give") == [job["refund"]]
        assert only(elementInstanceKey=held["elementInstanceKey"]) == [job["held"]]
        assert only(jobKey=job["dead"]) == [job["dead"]]
        assert only(jobKey="1") == []
        assert only(type="charge", state="CREATED", worker="w1") == [job["held"]]
        assert only(tenantId="<default>", kind="BPMN_ELEMENT") == sorted(job.values())


def test_pages_forward_and_back(store_url: str) -> None:
    with served(store_url) as api:
        api.client.deploy(payment())
        started = [api.client.start("payment", {"n": n}) for n in range(5)]
        with api.client.store.transaction(write=True) as tx:  # the runtime's own: never listed
            (one,) = tx.jobs_of_instance(started[0])
            internal = NewJob("1", one.instance_id, "x", "x", outbox.PUBLISH, retries=1)
            tx.insert_job(internal, now=one.created_at)
        http = api.http
        every = keys(search(http))
        assert len(every) == 5 and every == sorted(every) and "1" not in every
        assert keys(search(http, filter={"jobKey": "1"})) == []

        first = search(http, page={"limit": 2})
        assert keys(first) == every[:2] and first["page"]["totalItems"] == 5
        assert first["page"]["hasMoreTotalItems"] is False
        second = search(http, page={"limit": 2, "after": first["page"]["endCursor"]})
        assert keys(second) == every[2:4] and second["page"]["totalItems"] == 5
        third = search(http, page={"limit": 2, "after": second["page"]["endCursor"]})
        assert keys(third) == every[4:]
        assert keys(search(http, page={"limit": 2, "after": third["page"]["endCursor"]})) == []

        back = search(http, page={"limit": 2, "before": third["page"]["startCursor"]})
        assert keys(back) == every[2:4]
        back = search(http, page={"limit": 2, "before": back["page"]["startCursor"]})
        assert keys(back) == every[:2]
        assert keys(search(http, page={"limit": 2, "before": back["page"]["startCursor"]})) == []

        newest = [{"field": "jobKey", "order": "DESC"}]
        down = search(http, sort=newest, page={"limit": 3})
        assert keys(down) == every[::-1][:3]
        rest = search(http, sort=newest, page={"limit": 3, "after": down["page"]["endCursor"]})
        assert keys(rest) == every[::-1][3:]
        up = search(http, sort=newest, page={"limit": 3, "before": rest["page"]["startCursor"]})
        assert keys(up) == every[::-1][:3]

        assert keys(search(http, page={"from": 3, "limit": 10})) == every[3:]
        filtered = search(http, filter={"state": "CREATED"}, page={"from": 1, "limit": 2})
        assert keys(filtered) == every[1:3] and filtered["page"]["totalItems"] == 5


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ({"filter": {"state": "RUNNING"}}, "filter.state"),
        ({"filter": {"state": {"$in": ["CREATED", 7.5]}}}, "filter.state"),
        ({"filter": {"hasFailedWithRetriesLeft": "yes"}}, "filter.hasFailedWithRetriesLeft"),
        ({"filter": {"retries": "many"}}, "filter.retries"),
        ({"filter": {"retries": {"$like": 1}}}, "filter.retries"),
        ({"filter": {"retries": {"$gte": "one"}}}, "filter.retries"),
        ({"filter": {"retries": {"$lt": 1.5}}}, "filter.retries"),
        ({"filter": {"retries": {"$gt": 2**40}}}, "filter.retries"),
        ({"filter": {"retries": 10**20}}, "filter.retries"),
        ({"page": {"from": 10**20}}, "page.from"),
        ({"filter": {"jobKey": {"$in": ["1", "2"]}}}, "filter.jobKey"),
        ({"filter": {"processInstanceKey": {"$like": "1*"}}}, "filter.processInstanceKey"),
        ({"filter": {"type": ["charge"]}}, "filter.type"),
        ({"sort": [{"field": "type"}]}, "sort[0].field"),
        ({"page": {"after": "not a cursor"}}, "page.after"),
        ({"page": {"before": encode_cursor(["2026-01-01T00:00:00", "1"])}}, "page.before"),
        ({"page": {"from": 1, "after": encode_cursor(["1"])}}, "page"),
    ],
)
def test_bad_searches_are_400_naming_the_field(
    store_url: str, body: dict[str, Any], name: str
) -> None:
    with served(store_url) as api:
        response = api.http.post("/v2/jobs/search", json=body)
        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert name in [p["name"] for p in response.json()["invalidParams"]]


def test_search_needs_the_worker_or_operator_role() -> None:
    with served("memory://") as api:
        for roles, status in (("user", 403), ("modeler", 403), ("operator", 200)):
            headers = {"Authorization": f"Bearer {roles}"}
            response = api.http.post("/v2/jobs/search", json={}, headers=headers)
            assert response.status_code == status, (roles, response.text)
        anonymous = httpx.post(f"{api.url}/v2/jobs/search", json={})
        assert anonymous.status_code == 401
