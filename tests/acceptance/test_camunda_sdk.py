"""The official Camunda 8 Python SDK (`camunda-orchestration-sdk`) against a real `regista
server`: a client process deploys a model, starts instances and runs the SDK's job
worker, which activates jobs with a lease and completes them or throws a BPMN error —
authenticated with HTTP Basic, or configured for OAuth against the server's own token
endpoint (`CAMUNDA_OAUTH_URL=<server>/oauth/token`, client credentials of an API key)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from test_worker_cli import payment, server

from regista.bpmn import ProcessBuilder, to_xml
from regista.client import Client
from testkit import wait_until

SDK_WORKER = Path(__file__).parent / "clients" / "camunda_sdk_worker.py"
SDK_TASKS = Path(__file__).parent / "clients" / "camunda_sdk_tasks.py"
DMN = Path(__file__).parent / "scenarios" / "models" / "discount.dmn"


def _oauth_client(url: str) -> dict[str, str]:
    """The SDK's OAuth settings for a new API key of the administrator (made over the API)."""
    made = httpx.post(
        f"{url}/v2/api-keys", json={"username": "admin", "name": "sdk"}, auth=("admin", "pw")
    )
    made.raise_for_status()
    prefix = made.json()["prefix"]
    return {
        "CAMUNDA_AUTH_STRATEGY": "OAUTH",
        "CAMUNDA_OAUTH_URL": f"{url}/oauth/token",
        "CAMUNDA_CLIENT_ID": prefix,
        "CAMUNDA_CLIENT_SECRET": made.json()["key"][len(prefix) + 1 :],
        "CAMUNDA_TOKEN_AUDIENCE": "zeebe-api",
        "CAMUNDA_TOKEN_DISK_CACHE_DISABLE": "true",
    }


@pytest.mark.parametrize("auth", ["BASIC", "OAUTH"])
def test_the_sdk_deploys_starts_and_its_job_worker_completes_jobs(
    tmp_path: Path, auth: str
) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    model = tmp_path / "payment.bpmn"
    model.write_bytes(to_xml(payment().build()))
    with server(database) as url, Client(database) as client:
        basic = {
            "CAMUNDA_AUTH_STRATEGY": "BASIC",
            "CAMUNDA_BASIC_AUTH_USERNAME": "admin",
            "CAMUNDA_BASIC_AUTH_PASSWORD": "pw",
        }
        env = {
            **os.environ,
            "CAMUNDA_REST_ADDRESS": url,
            **(basic if auth == "BASIC" else _oauth_client(url)),
        }
        worker = subprocess.Popen(
            [sys.executable, str(SDK_WORKER), str(model), "10", "20", "-1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )

        def finished() -> bool:
            instances = client.instances(process_id="payment")
            return len(instances) == 3 and all(i.status == "completed" for i in instances)

        try:
            wait_until(
                lambda: finished() or worker.poll() is not None,
                90,
                what="the SDK to start the instances and its worker to finish the jobs",
            )
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output
        keys = [line.split()[1] for line in output.splitlines() if line.startswith("started ")]
        assert len(keys) == 3, output
        infos = [client.instance(key) for key in keys]
        assert [i.status for i in infos] == ["completed"] * 3, output
        assert [i.variables.get("charged") for i in infos[:2]] == [10, 20]
        assert infos[0].variables["worker"] == "sdk-worker"
        assert "refused" in infos[2].passed and infos[2].variables["why"] == "sdk"
        locked = [e for e in client.history(keys[0]) if e.kind == "job_locked"]
        assert locked and locked[-1].actor == "sdk-worker"


def test_the_sdk_finds_and_completes_a_user_task_and_correlates_a_message(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    model = tmp_path / "approval.bpmn"
    approval = (
        ProcessBuilder("approval")
        .start("start")
        .user_task("approve")
        .catch("paid", message="paid", correlation_key="=orderId")
        .end("done")
    )
    model.write_bytes(to_xml(approval.build()))
    waiting = tmp_path / "waiting.bpmn"
    waiting.write_bytes(
        to_xml(ProcessBuilder("waiting").start().service_task("t", type="later").end().build())
    )
    broken = tmp_path / "broken.bpmn"
    gateway = ProcessBuilder("broken").start().exclusive_gateway("g").condition("=x > 1").end()
    broken.write_bytes(to_xml(gateway.build()))
    dmn = tmp_path / "discount.dmn"
    dmn.write_bytes(DMN.read_bytes())
    with server(database) as url, Client(database) as client:
        env = {**os.environ, "CAMUNDA_REST_ADDRESS": url, **_oauth_client(url)}
        run = subprocess.run(
            [sys.executable, str(SDK_TASKS), str(model), str(waiting), str(broken), str(dmn)],
            capture_output=True,
            text=True,
            env=env,
            timeout=90,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        lines = run.stdout.splitlines()
        key = lines[0].split()[1]
        assert lines[1].split()[2] == "approve" and lines[2] == "completed", lines
        assert lines[3] == f"correlated {key}" and lines[4] == "state COMPLETED", lines
        reads = dict(line.split()[1:] for line in lines if line.startswith("read "))
        assert reads == {
            "instances": "3",
            "definitions": "3",
            "elements": "5",  # the four elements and the instance itself (PROCESS)
            "variables": "3",
            "incidents": "1",
            "jobs": "1",
            "decisions": "1",
            "requirements": "1",
            "tasks": "1",
        }, lines
        assert lines[-3] == "got COMPLETED CONDITION_ERROR", lines
        assert lines[-2] == "topology 8.8.0 decided 0.15 r-gold", lines
        assert lines[-1] == "sent True True TERMINATED", lines
        info = client.instance(key)
        assert info.status == "completed"
        assert info.variables["approved"] is True and info.variables["paidBy"] == "sdk"
        assert info.passed[-2:] == ["paid", "done"]
        kinds = [e.kind for e in client.history(key)]
        assert "user_task_completed" in kinds and "message_correlated" in kinds, kinds
