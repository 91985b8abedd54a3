"""The job endpoints over real HTTP, on SQLite and PostgreSQL: activation with long polling,
completion, failure with retries and back-off, BPMN errors, updates, and every refusal."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest
from jobkit import Served, payment, served

from regista.api.v2 import jobs as jobs_module
from testkit import wait_until

pytest_plugins = ["jobfixtures"]


def activate(http: httpx.Client, **changes: Any) -> list[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "charge",
        "worker": "w1",
        "timeout": 60_000,
        "maxJobsToActivate": 10,
        "requestTimeout": -1,
    }
    body.update(changes)
    response = http.post("/v2/jobs/activation", json=body)
    assert response.status_code == 200, response.text
    jobs: list[dict[str, Any]] = response.json()["jobs"]
    return jobs


def start(api: Served, **variables: Any) -> str:
    api.client.deploy(payment())
    return api.client.start("payment", variables or {"amount": 10})


def test_activation_hands_out_a_job_once_with_its_variables(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api, amount=10, note="x")
        jobs = activate(api.http, fetchVariable=["amount"], withLease=True)
        assert len(jobs) == 1
        job = jobs[0]
        assert job["type"] == "charge" and job["worker"] == "w1"
        assert job["variables"] == {"amount": 10}
        assert job["processInstanceKey"] == instance
        assert job["processDefinitionId"] == "payment" and job["processDefinitionVersion"] == 1
        assert job["elementId"] == "charge" and job["retries"] == 3
        assert job["deadline"] > 0 and job["jobLeaseToken"]
        assert job["kind"] == "BPMN_ELEMENT" and job["tenantId"] == "<default>"
        assert activate(api.http, worker="w2") == []  # leased: nobody else gets it
        locked = [e for e in api.client.history(instance) if e.kind == "job_locked"]
        assert locked[-1].actor == "w1"
        done = api.http.post(
            f"/v2/jobs/{job['jobKey']}/completion",
            json={"variables": {"charged": True}, "jobLeaseToken": job["jobLeaseToken"]},
        )
        assert done.status_code == 204, done.text
        info = api.client.instance(instance)
        assert info.status == "completed" and info.variables["charged"] is True


def test_activated_variables_are_plain_json(database_url: str) -> None:
    """A FEEL decimal is a number to a worker, as it is on an instance's read, not text."""
    with served(database_url) as api:
        start(api, amount=Decimal("12.5"), items=[Decimal("1.25"), {"n": Decimal("2")}])
        (job,) = activate(api.http)
        assert job["variables"]["amount"] == 12.5
        assert job["variables"]["items"] == [1.25, {"n": 2}]


def test_a_long_poll_is_woken_by_a_new_job(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with no second look before the poll ends, only the bell can hand it the job
    monkeypatch.setattr(jobs_module, "_LOOK_AGAIN", 600.0)
    with served(database_url) as api:
        api.client.deploy(payment())
        got: list[list[dict[str, Any]]] = []
        poll = threading.Thread(
            target=lambda: got.append(activate(api.http, requestTimeout=50_000)), daemon=True
        )
        poll.start()
        wait_until(lambda: api.client.shell.signals.jobs.listeners > 0, what="the long poll")
        instance = api.client.start("payment", {"amount": 1})
        poll.join(timeout=60)
        assert got and [j["processInstanceKey"] for j in got[0]] == [instance]


def test_an_idle_long_poll_answers_empty_when_it_ends(database_url: str) -> None:
    with served(database_url) as api:
        assert activate(api.http, requestTimeout=50) == []


def test_completing_twice_and_unknown_keys_are_404(database_url: str) -> None:
    with served(database_url) as api:
        start(api)
        (job,) = activate(api.http)
        key = job["jobKey"]
        assert api.http.post(f"/v2/jobs/{key}/completion", json={}).status_code == 204
        again = api.http.post(f"/v2/jobs/{key}/completion", json={})
        assert again.status_code == 404
        assert again.headers["content-type"] == "application/problem+json"
        assert "already completed" in again.json()["detail"]
        missing = api.http.post("/v2/jobs/12345/completion", json={})
        assert missing.status_code == 404 and "12345" in missing.json()["detail"]
        assert api.http.post("/v2/jobs/12345/failure", json={}).status_code == 404
        assert (
            api.http.patch("/v2/jobs/12345", json={"changeset": {"retries": 1}}).status_code == 404
        )


def test_a_worker_whose_lease_ran_out_is_refused(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api)
        (first,) = activate(api.http, worker="slow", timeout=1, withLease=True)
        second = wait_until(
            lambda: activate(api.http, worker="fast", withLease=True), what="the job again"
        )[0]
        assert second["jobKey"] == first["jobKey"]
        assert second["jobLeaseToken"] != first["jobLeaseToken"]
        late = api.http.post(
            f"/v2/jobs/{first['jobKey']}/completion",
            json={"variables": {"by": "slow"}, "jobLeaseToken": first["jobLeaseToken"]},
        )
        assert late.status_code == 409, late.text
        assert "fast" in late.json()["detail"] and "ran out" in late.json()["detail"]
        # extending the lease is fenced the same way: the slow worker cannot stretch the
        # fast one's lease, nor change its retries
        stretch = api.http.patch(
            f"/v2/jobs/{first['jobKey']}",
            json={"changeset": {"timeout": 3_600_000}, "jobLeaseToken": first["jobLeaseToken"]},
        )
        assert stretch.status_code == 409 and "fast" in stretch.json()["detail"]
        foreign = api.http.patch(
            f"/v2/jobs/{first['jobKey']}",
            json={"changeset": {"retries": 9}, "jobLeaseToken": "1.1"},
        )
        assert foreign.status_code == 409 and "does not belong" in foreign.json()["detail"]
        with api.client.store.transaction(write=False) as tx:
            held = tx.get_job(first["jobKey"])
        assert held is not None and held.retries == second["retries"], "nothing applied"
        assert held.lease_until is not None
        assert held.lease_until.timestamp() * 1000 < second["deadline"] + 1_000
        extended = api.http.patch(
            f"/v2/jobs/{second['jobKey']}",
            json={"changeset": {"timeout": 120_000}, "jobLeaseToken": second["jobLeaseToken"]},
        )
        assert extended.status_code == 204, extended.text
        done = api.http.post(
            f"/v2/jobs/{second['jobKey']}/completion",
            json={"variables": {"by": "fast"}, "jobLeaseToken": second["jobLeaseToken"]},
        )
        assert done.status_code == 204
        assert api.client.instance(instance).variables["by"] == "fast"


def test_failure_retries_after_the_back_off_then_raises_an_incident(database_url: str) -> None:
    with served(database_url) as api:
        waiting = start(api)
        (job,) = activate(api.http)
        key = job["jobKey"]
        failed = api.http.post(
            f"/v2/jobs/{key}/failure",
            json={"retries": 2, "errorMessage": "down", "retryBackOff": 3_600_000},
        )
        assert failed.status_code == 204, failed.text
        assert activate(api.http) == []  # not before the back-off
        with api.client.store.transaction(write=False) as tx:
            row = tx.get_job(key)
        assert row is not None and row.status == "ready" and row.retries == 2
        assert (row.due_at - row.created_at).total_seconds() > 3000
        not_active = api.http.post(f"/v2/jobs/{key}/failure", json={})
        assert not_active.status_code == 409 and "not activated" in not_active.json()["detail"]

        instance = api.client.start("payment", {"amount": 2})
        (job,) = activate(api.http)
        assert job["processInstanceKey"] == instance
        key = job["jobKey"]
        assert api.http.post(f"/v2/jobs/{key}/failure", json={"retries": 1}).status_code == 204
        (again,) = activate(api.http)  # no back-off: at once
        assert again["jobKey"] == key and again["retries"] == 1
        last = api.http.post(
            f"/v2/jobs/{key}/failure",
            json={"retries": 0, "errorMessage": "gone for good", "variables": {"tried": 2}},
        )
        assert last.status_code == 204
        info = api.client.instance(instance)
        assert info.status == "incident"
        assert [i.message for i in info.incidents] == ["gone for good"]
        refused = api.http.post(f"/v2/jobs/{key}/completion", json={})
        assert refused.status_code == 409 and "incident" in refused.json()["detail"]
        assert api.client.instance(waiting).status == "active"


def test_a_bpmn_error_is_caught_by_the_boundary_event(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api)
        (job,) = activate(api.http)
        thrown = api.http.post(
            f"/v2/jobs/{job['jobKey']}/error",
            json={"errorCode": "DECLINED", "errorMessage": "card", "variables": {"why": "card"}},
        )
        assert thrown.status_code == 204, thrown.text
        info = api.client.instance(instance)
        assert info.status == "completed" and "refused" in info.passed
        assert info.variables["why"] == "card"


def test_update_changes_retries_and_the_deadline(database_url: str) -> None:
    with served(database_url) as api:
        start(api)
        (job,) = activate(api.http, timeout=1_000)
        key = job["jobKey"]
        patched = api.http.patch(
            f"/v2/jobs/{key}", json={"changeset": {"retries": 7, "timeout": 3_600_000}}
        )
        assert patched.status_code == 204, patched.text
        with api.client.store.transaction(write=False) as tx:
            row = tx.get_job(key)
        assert row is not None and row.retries == 7 and row.lease_until is not None
        assert row.lease_until.timestamp() * 1000 > job["deadline"] + 3_000_000
        # the engine counts down from the new retries: a failure without a count leaves 6
        assert api.http.post(f"/v2/jobs/{key}/failure", json={"retries": 6}).status_code == 204
        (again,) = activate(api.http)
        assert again["retries"] == 6


def test_bad_bodies_are_400_naming_the_field(database_url: str) -> None:
    with served(database_url) as api:
        missing = api.http.post("/v2/jobs/activation", json={"type": "charge"})
        assert missing.status_code == 400
        names = {p["name"] for p in missing.json()["invalidParams"]}
        assert names == {"timeout", "maxJobsToActivate"}
        wrong = api.http.post(
            "/v2/jobs/activation",
            json={"type": "charge", "timeout": "soon", "maxJobsToActivate": 1, "extra": 1},
        )
        assert [p["name"] for p in wrong.json()["invalidParams"]] == ["timeout"]
        negative = api.http.post("/v2/jobs/1/failure", json={"retries": -1})
        assert negative.status_code == 400
        assert negative.json()["invalidParams"][0]["name"] == "retries"
        no_code = api.http.post("/v2/jobs/1/error", json={})
        assert no_code.status_code == 400
        assert no_code.json()["invalidParams"][0]["name"] == "errorCode"
        no_changes = api.http.patch("/v2/jobs/1", json={})
        assert no_changes.status_code == 400
        internal = api.http.post(
            "/v2/jobs/activation",
            json={"type": "regista:publish", "timeout": 1000, "maxJobsToActivate": 1},
        )
        assert internal.status_code == 400 and "engine's own" in internal.json()["detail"]
        malformed = api.http.post(
            "/v2/jobs/1/completion",
            content=b"{",
            headers={"content-type": "application/json"},
        )
        assert malformed.status_code == 400


def test_job_endpoints_need_the_worker_or_operator_role(database_url: str) -> None:
    with served(database_url) as api:
        anonymous = httpx.post(f"{api.url}/v2/jobs/activation", json={})
        assert anonymous.status_code == 401
