"""A real `regista server` process, called with plain httpx exactly as the Camunda Desktop
Modeler calls a Camunda 7 engine: the connection check, "Deploy" (multipart, the file a
part named by its file name) and "Start" (`process-definition/{id}/start` or by key);
then the instance, its variables, a message and a decision over `/engine-rest` — with
HTTP Basic, and with `--auth none` as on a laptop."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from apikit import DMN
from camunda7kit import PAYMENT
from serving import free_port
from testkit import wait_until

ADMIN = {"REGISTA_ADMIN_USER": "demo", "REGISTA_ADMIN_PASSWORD": "demo"}


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def modeler_deploy(http: httpx.Client, file: str, content: bytes, name: str) -> httpx.Response:
    """The Modeler's "Deploy": its form fields, and the file as a part named by its name."""
    return http.post(
        "/engine-rest/deployment/create",
        data={
            "deployment-name": name,
            "deployment-source": "Camunda Modeler",
            "enable-duplicate-filtering": "true",
        },
        files={file: (file, content, "text/xml")},
        headers={"Accept": "application/json"},
    )


@pytest.mark.parametrize("auth", ["basic", "none"])
def test_the_modelers_deploy_and_start_against_a_real_server(tmp_path: Path, auth: str) -> None:
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
            "--auth",
            auth,
            "--database-url",
            f"sqlite:///{tmp_path / 'server.db'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **ADMIN},
    )
    headers = {}
    if auth == "basic":
        headers = {"Authorization": "Basic " + base64.b64encode(b"demo:demo").decode()}
    try:
        wait_until(lambda: answers(url) or server.poll() is not None, 60, what="the server")
        assert server.poll() is None, server.communicate()[0]
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            # the Modeler's connection check
            assert http.get("/engine-rest/deployment", params={"maxResults": 0}).json() == []
            assert http.get("/engine-rest/version").json()["version"].startswith("7.")

            deployed = modeler_deploy(http, "payment.bpmn", PAYMENT, "payment")
            assert deployed.status_code == 200, deployed.text
            [definition] = deployed.json()["deployedProcessDefinitions"].values()
            assert definition["key"] == "payment"
            assert modeler_deploy(http, "discount.dmn", DMN, "discount").status_code == 200
            broken = modeler_deploy(
                http, "broken.bpmn", PAYMENT.replace(b"</bpmn:process>", b""), "x"
            )
            assert broken.status_code == 400 and broken.json()["type"] == "ParseException"
            assert broken.json()["message"].startswith("ENGINE-09005 Could not parse BPMN process.")

            # the Modeler's "Start": by id, then (an older Modeler) by key
            started = http.post(
                f"/engine-rest/process-definition/{definition['id']}/start",
                json={"businessKey": "order-7", "variables": {}},
            )
            assert started.status_code == 200, started.text
            instance = started.json()
            assert instance["definitionId"] == definition["id"] and not instance["ended"]
            other = http.post(
                "/engine-rest/process-definition/key/payment/start",
                json={"businessKey": "order-8", "variables": {}},
            ).json()

            found = http.get("/engine-rest/process-instance", params={"businessKey": "order-7"})
            assert [i["id"] for i in found.json()] == [instance["id"]]
            changed = http.put(
                f"/engine-rest/process-instance/{instance['id']}/variables/amount",
                json={"value": 125, "type": "Long"},
            )
            assert changed.status_code == 204, changed.text
            variables = http.get(f"/engine-rest/process-instance/{instance['id']}/variables")
            assert variables.json()["amount"] == {"type": "Integer", "value": 125, "valueInfo": {}}
            by_amount = http.get(
                "/engine-rest/process-instance", params={"variables": "amount_gt_100"}
            )
            assert [i["id"] for i in by_amount.json()] == [instance["id"]]

            correlated = http.post(
                "/engine-rest/message",
                json={"messageName": "PaymentReceived", "businessKey": "order-7"},
            )
            assert correlated.status_code == 204, correlated.text
            assert http.get(f"/engine-rest/process-instance/{instance['id']}").status_code == 404
            remaining = http.get("/engine-rest/process-instance/count").json()
            assert remaining == {"count": 1}
            assert http.get(f"/engine-rest/process-instance/{other['id']}").status_code == 200

            evaluated = http.post(
                "/engine-rest/decision-definition/key/discount/evaluate",
                json={
                    "variables": {
                        "customerType": {"value": "regular", "type": "String"},
                        "orderTotal": {"value": 1500, "type": "Integer"},
                    }
                },
            )
            assert evaluated.status_code == 200, evaluated.text
            assert evaluated.json() == [
                {"discount": {"type": "Double", "value": 0.05, "valueInfo": {}}}
            ]
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "Traceback" not in output
