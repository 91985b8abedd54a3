"""Metrics scraped from running nodes as Prometheus scrapes them: `regista server`'s
`/metrics` and `regista engine --metrics-port`, each a real process on SQLite, read with
prometheus_client's own parser."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from regista.client import Client
from serving import free_port
from testkit import wait_until

MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="metered-defs"
    targetNamespace="http://regista.example/metrics">
  <bpmn:process id="metered" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements><zeebe:taskDefinition type="metered-work"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="review"/>
    <bpmn:userTask id="review">
      <bpmn:extensionElements><zeebe:userTask/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

WORKERS = """
from regista.testing import worker


@worker("metered-work")
def work(job):
    return {"worked": True}
"""

ADMIN = {"REGISTA_ADMIN_USER": "admin", "REGISTA_ADMIN_PASSWORD": "pw"}
AUTH = {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}

Values = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str, headers: dict[str, str] | None = None) -> Values:
    answer = httpx.get(url, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def files(tmp_path: Path) -> tuple[Path, Path]:
    model, workers = tmp_path / "metered.bpmn", tmp_path / "metered_workers.py"
    model.write_text(MODEL)
    workers.write_text(WORKERS)
    return model, workers


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "regista.cli.main", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code < 500
    except httpx.TransportError:
        return False


def stopped(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "Traceback" not in output
    return output


def eventually(check: Callable[[], bool], what: str) -> None:
    wait_until(check, 60, what=what)


def test_the_server_counts_a_run_with_a_job_and_a_user_task(tmp_path: Path) -> None:
    model, workers = files(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    database = f"sqlite:///{tmp_path / 'server.db'}"
    server = run(
        "server",
        "--database-url",
        database,
        "--port",
        str(port),
        "--deploy",
        str(model),
        "--worker",
        str(workers),
        env=ADMIN,
    )
    try:
        eventually(lambda: answers(f"{url}/health") or server.poll() is not None, "the server")
        assert server.poll() is None, server.communicate()[0]
        assert httpx.get(f"{url}/metrics", timeout=30).status_code == 401
        with httpx.Client(base_url=url, headers=AUTH, timeout=30) as http:
            keys = [
                http.post("/v2/process-instances", json={"processDefinitionId": "metered"}).json()[
                    "processInstanceKey"
                ]
                for _ in range(2)
            ]

            def tasks() -> list[dict[str, object]]:
                found = http.post(
                    "/v2/user-tasks/search", json={"filter": {"state": "CREATED"}}
                ).json()
                items: list[dict[str, object]] = found["items"]
                return items

            # the in-process worker did both jobs; each instance waits at its user task
            eventually(lambda: len(tasks()) == 2, "both user tasks")
            first = next(t for t in tasks() if t["processInstanceKey"] == keys[0])
            done = http.post(f"/v2/user-tasks/{first['userTaskKey']}/completion", json={})
            assert done.status_code == 204, done.text
            assert http.get(f"/v2/process-instances/{keys[0]}").json()["state"] == "COMPLETED"
        values = scrape(f"{url}/metrics", AUTH)
    finally:
        stopped(server)

    assert values["regista_instances_started_total", (("process", "metered"),)] == 2
    assert values["regista_instances_completed_total", (("process", "metered"),)] == 1
    job = (("outcome", "completed"), ("type", "metered-work"))
    assert values["regista_job_duration_seconds_count", job] == 2
    task = (("element", "review"), ("process", "metered"))
    assert values["regista_user_task_duration_seconds_count", task] == 1
    assert values["regista_instances_active", (("process", "metered"), ("status", "active"))] == 1
    assert values["regista_tokens_active", (("element", "review"), ("process", "metered"))] == 1
    assert ("regista_tokens_active", (("element", "work"), ("process", "metered"))) not in values
    assert values["regista_store_up", ()] == 1
    assert values["regista_command_duration_seconds_count", (("kind", "complete_user_task"),)] >= 1
    assert values["regista_command_duration_seconds_count", (("kind", "start"),)] >= 1


def test_an_engine_node_serves_its_metrics_on_its_own_port(tmp_path: Path) -> None:
    model, workers = files(tmp_path)
    database = f"sqlite:///{tmp_path / 'engine.db'}"
    with Client(database) as client:
        client.deploy(model)
    port = free_port()
    engine = run(
        "engine",
        "--database-url",
        database,
        "--worker",
        str(workers),
        "--metrics-port",
        str(port),
        "--poll-interval",
        "0.1",
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        eventually(lambda: answers(url) or engine.poll() is not None, "the engine's metrics")
        assert engine.poll() is None, engine.communicate()[0]
        with Client(database) as client:
            instance_id = client.start("metered")
        # the engine's worker does the job; the instance then waits at its user task
        eventually(
            lambda: (
                scrape(url).get(
                    ("regista_tokens_active", (("element", "review"), ("process", "metered")))
                )
                == 1
            ),
            "the job to be done",
        )
        values = scrape(url)
    finally:
        output = stopped(engine)
    assert f"metrics on http://127.0.0.1:{port}/metrics" in output
    job = (("outcome", "completed"), ("type", "metered-work"))
    assert values["regista_job_duration_seconds_count", job] == 1
    assert values["regista_instances_active", (("process", "metered"), ("status", "active"))] == 1
    assert ("regista_jobs_activatable", (("type", "metered-work"),)) not in values  # none queued
    # the instance was started by another process: this node counted no start
    assert ("regista_instances_started_total", (("process", "metered"),)) not in values
    assert instance_id
