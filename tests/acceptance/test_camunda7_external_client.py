"""The official Camunda 7 Python external task client (`camunda-external-task-client-python3`)
against a real `regista server`'s `/engine-rest`, in a process of its own: external tasks
(camunda:type="external" with topics) completed with variables, a task failed with
retries that then succeeds, one whose retries run out (an incident), and a BPMN error
caught by a boundary event, all checked through the API. Then a user task flow over
`/engine-rest/task` with two users, one of whom has no right to the task.

The client needs only `requests`, so it installs into the project's environment beside
everything else (the dev extra); the test still runs it as a separate process, as its
users do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from test_worker_cli import server

from regista.client import Client
from testkit import wait_until

C7_WORKER = Path(__file__).parent / "clients" / "camunda7_external_worker.py"
ADMIN = ("admin", "pw")

PAYMENT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="payment-definitions" targetNamespace="http://example.com">
  <bpmn:error id="declined" errorCode="DECLINED" />
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <bpmn:serviceTask id="charge" name="Charge" camunda:type="external" camunda:topic="charge" />
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="ship" />
    <bpmn:serviceTask id="ship" name="Ship" camunda:type="external" camunda:topic="ship" />
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="paid" />
    <bpmn:endEvent id="paid" />
    <bpmn:boundaryEvent id="declined-card" attachedToRef="charge">
      <bpmn:errorEventDefinition errorRef="declined" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="declined-card" targetRef="refused" />
    <bpmn:endEvent id="refused" />
  </bpmn:process>
</bpmn:definitions>
"""

APPROVAL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    id="approval-definitions" targetNamespace="http://example.com">
  <bpmn:process id="approval" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:userTask id="approve" name="Approve the order" camunda:candidateGroups="managers" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="done" />
    <bpmn:endEvent id="done" />
  </bpmn:process>
</bpmn:definitions>
"""


def run_worker(url: str, user: tuple[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(C7_WORKER), f"{url}/engine-rest", *user],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(os.environ),
    )


def people(http: httpx.Client) -> None:
    """A worker, a manager (group managers) and a clerk (no group), made by the admin."""
    for username, roles in (("robot", ["worker"]), ("mia", ["user"]), ("carl", ["user"])):
        made = http.post("/v2/users", json={"username": username, "password": "pw", "roles": roles})
        assert made.status_code in (200, 201), made.text
    assert http.post("/v2/groups", json={"groupId": "managers", "name": "Managers"}).is_success
    assert http.put("/v2/groups/managers/users/mia").status_code == 204


def test_the_camunda_7_client_works_external_tasks(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    with (
        server(database) as url,
        Client(database) as client,
        httpx.Client(base_url=url, auth=ADMIN, timeout=30) as http,
    ):
        people(http)
        client.deploy(PAYMENT)
        paid = client.start("payment", {"amount": 10})
        refused = client.start("payment", {"amount": -5})
        flaky = client.start("payment", {"amount": 7, "flaky": True})
        doomed = client.start("payment", {"amount": 3, "doomed": True})
        worker = run_worker(url, ("robot", "pw"))

        def settled() -> bool:
            done = [client.instance(i).status for i in (paid, refused, flaky)]
            return done == ["completed"] * 3 and client.instance(doomed).status == "incident"

        try:
            wait_until(
                lambda: settled() or worker.poll() is not None,
                90,
                what="the Camunda 7 client to work every external task",
            )
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output
        assert settled(), output

        first = client.instance(paid)
        assert first.variables["charged"] == 10 and first.variables["shipped"] is True
        assert first.variables["worker"] == "c7-worker" and "receipt" not in first.variables
        assert "paid" in first.passed
        error = client.instance(refused)
        assert "refused" in error.passed and "ship" not in error.passed
        assert error.variables["why"] == "c7"
        retried = client.instance(flaky)
        assert retried.variables["charged"] == 7 and "paid" in retried.passed
        assert output.count(f"charge {flaky} failed") == 1, output
        assert output.count(f"charge {doomed} failed") == 2, output
        incident = client.instance(doomed)
        assert [i.message for i in incident.incidents] == ["no route to the bank"]
        locked = [e for e in client.history(paid) if e.kind == "job_locked"]
        assert locked and {e.actor for e in locked} == {"c7-worker"}

        # the task that ran out of retries is listed as such, and an operator gives it more
        listed = http.get("/engine-rest/external-task", params={"noRetriesLeft": "true"})
        (stuck,) = listed.json()
        assert stuck["processInstanceId"] == doomed and stuck["retries"] == 0
        assert stuck["errorMessage"] == "no route to the bank" and stuck["topicName"] == "charge"
        assert http.get("/engine-rest/external-task/count").json() == {"count": 1}
        clerk = http.get("/engine-rest/external-task", auth=("carl", "pw"))
        assert clerk.status_code == 403 and clerk.json()["type"] == "AuthorizationException"


def complete(http: httpx.Client, task: str, user: tuple[str, str], **variables: Any) -> Any:
    body = {"variables": {k: {"value": v} for k, v in variables.items()}}
    return http.post(f"/engine-rest/task/{task}/complete", json=body, auth=user)


def test_two_users_work_a_task_over_engine_rest(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    manager, clerk = ("mia", "pw"), ("carl", "pw")
    with (
        server(database) as url,
        Client(database) as client,
        httpx.Client(base_url=url, auth=ADMIN, timeout=30) as http,
    ):
        people(http)
        client.deploy(APPROVAL)
        instance = client.start("approval", {"total": 120})
        mine = http.get("/engine-rest/task", auth=manager).json()
        assert [t["taskDefinitionKey"] for t in mine] == ["approve"]
        task = mine[0]["id"]
        assert http.get("/engine-rest/task", auth=clerk).json() == []
        assert http.get("/engine-rest/task/count", auth=clerk).json() == {"count": 0}
        assert http.get(f"/engine-rest/task/{task}", auth=clerk).status_code == 403
        stolen = http.post(f"/engine-rest/task/{task}/claim", json={"userId": "carl"}, auth=clerk)
        assert stolen.status_code == 403
        refused = complete(http, task, clerk, approved=True)
        assert refused.status_code == 403 and refused.json()["type"] == "AuthorizationException"
        claimed = http.post(f"/engine-rest/task/{task}/claim", json={"userId": "mia"}, auth=manager)
        assert claimed.status_code == 204
        variables = http.get(f"/engine-rest/task/{task}/variables", auth=manager).json()
        assert variables["total"] == {"type": "Integer", "value": 120, "valueInfo": {}}
        assert complete(http, task, manager, approved=True).status_code == 204
        again = complete(http, task, manager, approved=False)
        assert again.status_code == 400 and "already completed by 'mia'" in again.json()["message"]
        info = client.instance(instance)
        assert info.status == "completed" and info.variables["approved"] is True
        done = [e for e in client.history(instance) if e.kind == "user_task_completed"]
        assert [e.actor for e in done] == ["mia"]
