"""Two real `regista server` processes on one PostgreSQL database, as a cluster runs them:
models deployed through one and instances started through the other, a `regista worker`
process taking jobs from one, a loan officer (a user of a group, created through one
server) finding and completing her tasks through the other, messages published before the
instance waits for them, and a BPMN error thrown by the worker caught by the model."""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_worker_cli import cli, server, stop

from apikit import bpmn, files
from regista.bpmn import ProcessBuilder
from regista.client import Client
from testkit import create_database, wait_until

WORKERS = """
from regista.worker import BpmnError, worker


@worker("score")
def score(job):
    if job.variables["amount"] > 1000:
        raise BpmnError("REJECTED", "the amount is beyond what we lend")
    return {"score": job.variables["amount"] // 10}
"""


def loan() -> ProcessBuilder:
    return (
        ProcessBuilder("loan", name="Loan")
        .start("applied")
        .service_task("score", type="score")
        .user_task("approve", name="Approve the loan", candidate_groups=["officers"])
        .catch("signed", message="signed", correlation_key="=loanId")
        .end("granted")
        .boundary_event("too-much", attached_to="score", error="REJECTED")
        .end("rejected")
    )


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def database() -> Iterator[str]:
    yield from create_database("regista_servers_")


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, f"{answer.request.url}: {answer.text}"
    return answer.json() if answer.content else None


def test_two_servers_on_one_postgresql_run_loans_end_to_end(database: str, tmp_path: Path) -> None:
    module = tmp_path / "workers.py"
    module.write_text(textwrap.dedent(WORKERS))
    admin = basic("admin", "pw")
    with (
        server(database) as first,
        server(database) as second,
        httpx.Client(base_url=first, headers=admin, timeout=30) as a,
        httpx.Client(base_url=second, headers=admin, timeout=30) as b,
        Client(database) as client,
    ):
        # identity made through one server is seen by the other
        ok(a.post("/v2/groups", json={"groupId": "officers", "name": "Loan officers"}), 201)
        ok(a.post("/v2/users", json={"username": "olga", "password": "pw", "roles": ["user"]}), 201)
        ok(a.put("/v2/groups/officers/users/olga"), 204)
        deployed = ok(a.post("/v2/deployments", files=files(("loan.bpmn", bpmn(loan())))))
        assert deployed["deployments"][0]["processDefinition"]["processDefinitionId"] == "loan"
        keys = {
            loan_id: ok(
                b.post(
                    "/v2/process-instances",
                    json={
                        "processDefinitionId": "loan",
                        "variables": {"loanId": loan_id, "amount": amount},
                    },
                )
            )["processInstanceKey"]
            for loan_id, amount in (("L1", 100), ("L2", 250), ("L3", 5000))
        }
        # the signatures arrive before anyone waits for them: kept for their time to live
        for loan_id in ("L1", "L2"):
            ok(
                a.post(
                    "/v2/messages/publication",
                    json={"name": "signed", "correlationKey": loan_id, "timeToLive": 600_000},
                )
            )
        worker = cli("worker", "--url", first, "--user", "admin", "--password", "pw", str(module))
        try:
            officer = httpx.Client(base_url=second, headers=basic("olga", "pw"), timeout=30)
            with officer:

                def offered() -> list[dict[str, Any]]:
                    found = ok(
                        officer.post("/v2/user-tasks/search", json={"filter": {"state": "CREATED"}})
                    )
                    items: list[dict[str, Any]] = found["items"]
                    return items

                wait_until(lambda: len(offered()) == 2, 90, what="two approvals for the officer")
                tasks = offered()
                assert {t["processInstanceKey"] for t in tasks} == {keys["L1"], keys["L2"]}
                for task in tasks:
                    assert task["candidateGroups"] == ["officers"]
                    ok(
                        officer.post(
                            f"/v2/user-tasks/{task['userTaskKey']}/completion",
                            json={"variables": {"approved": True}},
                        ),
                        204,
                    )
                again = officer.post(
                    f"/v2/user-tasks/{tasks[0]['userTaskKey']}/completion", json={}
                )
                assert again.status_code == 409, again.text

            def state(key: str) -> str:
                found: str = ok(a.get(f"/v2/process-instances/{key}"))["state"]
                return found

            wait_until(
                lambda: all(state(k) == "COMPLETED" for k in keys.values()),
                90,
                what="the three loans to end",
            )
        finally:
            output = stop(worker)
        assert "Traceback" not in output, output
        for loan_id, amount in (("L1", 100), ("L2", 250)):
            info = client.instance(keys[loan_id])
            assert "granted" in info.passed
            assert info.variables["score"] == amount // 10
            assert info.variables["approved"] is True
            history = client.history(keys[loan_id])
            completed = [e for e in history if e.kind == "user_task_completed"]
            assert [e.actor for e in completed] == ["olga"]
            locked = [e for e in history if e.kind == "job_locked"]
            assert locked and locked[-1].actor
        assert "rejected" in client.instance(keys["L3"]).passed
        assert client.verify_audit(keys["L1"]) is None
