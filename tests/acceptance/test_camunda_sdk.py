"""The official Camunda 8 Python SDK (`camunda-orchestration-sdk`) against a real `regista
server`: its job worker, in a process of its own, activates jobs with a lease and
completes them or throws a BPMN error.

Deployment and start go through regista's `Client` on the same database (the `/v2`
deployment and process-instance endpoints are another part of the server's work)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_worker_cli import payment, server

from regista.client import Client
from testkit import wait_until

SDK_WORKER = Path(__file__).parent / "clients" / "camunda_sdk_worker.py"


def test_the_sdk_job_worker_completes_jobs_and_throws_errors(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    with server(database) as url, Client(database) as client:
        (deployed,) = client.deploy(payment())
        if not (deployed.definition_id.isdigit() and client.shell.ids().isdigit()):
            # the SDK refuses keys that are not strings of digits (the v2 core's change)
            pytest.xfail("process definition and job keys are not strings of digits yet")
        paid = [client.start("payment", {"amount": n}) for n in (10, 20)]
        refused = client.start("payment", {"amount": -1})
        env = {
            **os.environ,
            "CAMUNDA_REST_ADDRESS": url,
            "CAMUNDA_AUTH_STRATEGY": "BASIC",
            "CAMUNDA_BASIC_AUTH_USERNAME": "admin",
            "CAMUNDA_BASIC_AUTH_PASSWORD": "pw",
        }
        worker = subprocess.Popen(
            [sys.executable, str(SDK_WORKER)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        try:
            wait_until(
                lambda: (
                    all(client.instance(i).status == "completed" for i in [*paid, refused])
                    or worker.poll() is not None
                ),
                90,
                what="the SDK worker to finish the jobs",
            )
        finally:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=60)
        assert worker.returncode == 0, output
        for amount, instance in zip((10, 20), paid, strict=True):
            info = client.instance(instance)
            assert info.status == "completed", output
            assert info.variables["charged"] == amount
            assert info.variables["worker"] == "sdk-worker"
        declined = client.instance(refused)
        assert "refused" in declined.passed and declined.variables["why"] == "sdk"
        locked = [e for e in client.history(paid[0]) if e.kind == "job_locked"]
        assert locked and locked[-1].actor == "sdk-worker"
