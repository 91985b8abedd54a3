"""A real `regista server` process, called with plain httpx as the Camunda Modeler and a
Camunda 8 client call it: deploy (multipart `resources` with a tenant), start, find the
instance, correlate a message, await a result."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from apikit import bpmn, order, quick
from serving import free_port
from testkit import wait_until

ADMIN = {"REGISTA_ADMIN_USER": "demo", "REGISTA_ADMIN_PASSWORD": "demo"}


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_deploy_start_and_correlate_against_a_real_server(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regista.cli.main",
            "server",
            "--port",
            str(port),
            "--database-url",
            f"sqlite:///{tmp_path / 'server.db'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **ADMIN},
    )
    auth = {"Authorization": "Basic " + base64.b64encode(b"demo:demo").decode()}
    try:
        wait_until(lambda: answers(url) or server.poll() is not None, 60, what="the server")
        assert server.poll() is None, server.communicate()[0]
        with httpx.Client(base_url=url, headers=auth, timeout=30) as http:
            assert http.get("/v2/topology").json()["gatewayVersion"].startswith("8.")
            deployed = http.post(
                "/v2/deployments",
                files=[
                    ("resources", ("order.bpmn", bpmn(order()), "application/octet-stream")),
                    ("resources", ("quick.bpmn", bpmn(quick()), "application/octet-stream")),
                ],
                data={"tenantId": "<default>"},
            )
            assert deployed.status_code == 200, deployed.text
            definition = deployed.json()["deployments"][0]["processDefinition"]
            created = http.post(
                "/v2/process-instances",
                json={
                    "processDefinitionKey": definition["processDefinitionKey"],
                    "variables": {"orderId": "ACME-7"},
                },
            ).json()
            key = created["processInstanceKey"]
            found = http.post(
                "/v2/process-instances/search",
                json={"filter": {"processDefinitionId": "order", "state": "ACTIVE"}},
            ).json()
            assert [i["processInstanceKey"] for i in found["items"]] == [key]
            correlated = http.post(
                "/v2/messages/correlation", json={"name": "paid", "correlationKey": "ACME-7"}
            )
            assert correlated.json()["processInstanceKey"] == key
            assert http.get(f"/v2/process-instances/{key}").json()["state"] == "COMPLETED"
            awaited = http.post(
                "/v2/process-instances",
                json={
                    "processDefinitionId": "quick",
                    "variables": {"n": 4},
                    "awaitCompletion": True,
                },
            ).json()
            assert awaited["variables"]["twice"] == 8
            spec = http.get("/openapi.json").json()
            assert "/v2/process-instances/search" in spec["paths"]
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "Traceback" not in output
