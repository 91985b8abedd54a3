"""The official Camunda 8 Python SDK (`camunda-orchestration-sdk`) against a real `regista
server`: a client process deploys a model, starts instances and runs the SDK's job
worker, which activates jobs with a lease and completes them or throws a BPMN error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from test_worker_cli import payment, server

from regista.bpmn import to_xml
from regista.client import Client
from testkit import wait_until

SDK_WORKER = Path(__file__).parent / "clients" / "camunda_sdk_worker.py"


def test_the_sdk_deploys_starts_and_its_job_worker_completes_jobs(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    model = tmp_path / "payment.bpmn"
    model.write_bytes(to_xml(payment().build()))
    with server(database) as url, Client(database) as client:
        env = {
            **os.environ,
            "CAMUNDA_REST_ADDRESS": url,
            "CAMUNDA_AUTH_STRATEGY": "BASIC",
            "CAMUNDA_BASIC_AUTH_USERNAME": "admin",
            "CAMUNDA_BASIC_AUTH_PASSWORD": "pw",
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
