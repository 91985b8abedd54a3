"""`regista server --demo` as a user runs it: a real process on SQLite that deploys the four
demos, prints a login that works, and whose traffic makes instances of every demo appear,
progress (tasks completed, instances ended) and run into an incident — seen over `/v2`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from regista.demos.catalog import DEMOS
from serving import free_port
from testkit import wait_until

DEADLINE = 90  # seconds: a hung server fails the test, nothing waits this long otherwise


def total(client: httpx.Client, path: str, filter_: dict[str, Any]) -> int:
    response = client.post(path, json={"filter": filter_})
    assert response.status_code == 200, response.text
    count: int = response.json()["page"]["totalItems"]
    return count


def test_the_demo_server_deploys_four_living_demos(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTA_ADMIN_")}
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "regista.cli.main",
                "server",
                "--database-url",
                f"sqlite:///{tmp_path / 'demo.db'}",
                "--port",
                str(port),
                "--demo",
                "--demo-rate",
                "600",
                "--demo-seed",
                "0",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        login: list[tuple[str, str]] = []

        def printed_login() -> bool:
            found = re.search(r"demo login: user '(\w+)', password '([^']+)'", log.read_text())
            if found:
                login.append((found[1], found[2]))
            return bool(found) or server.poll() is not None

        wait_until(printed_login, DEADLINE, what="the demo login")
        assert server.poll() is None, log.read_text()
        with httpx.Client(base_url=url, auth=login[0], timeout=10) as api:
            wait_until(
                lambda: _answers(api) or server.poll() is not None, DEADLINE, what="the server"
            )
            assert server.poll() is None, log.read_text()
            for demo in DEMOS:
                wait_until(
                    lambda d=demo.process_id: (
                        total(  # type: ignore[misc]
                            api, "/v2/process-instances/search", {"processDefinitionId": d}
                        )
                        > 0
                    ),
                    DEADLINE,
                    what=f"an instance of {demo.process_id}",
                )
            wait_until(
                lambda: total(api, "/v2/process-instances/search", {"state": "COMPLETED"}) > 0,
                DEADLINE,
                what="a demo instance to complete",
            )
            wait_until(
                lambda: total(api, "/v2/user-tasks/search", {"state": "COMPLETED"}) > 0,
                DEADLINE,
                what="the traffic to complete a user task",
            )
            wait_until(
                lambda: (
                    total(api, "/v2/incidents/search", {"processDefinitionId": "kyc-onboarding"})
                    > 0
                ),
                DEADLINE,
                what="the sanctions screening to fail into an incident",
            )
            incident = api.post("/v2/incidents/search", json={}).json()["items"][0]
            assert incident["elementId"] == "kyc_screen_sanctions"
            assert "screening service unavailable" in incident["errorMessage"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    output = log.read_text()
    assert server.returncode == 0, output
    assert "Traceback" not in output
    for demo in DEMOS:
        assert f"demo deployed: process {demo.process_id} version 1" in output
    assert "demo traffic: 600 instances a minute, seed 0" in output


def _answers(api: httpx.Client) -> bool:
    try:
        return api.get("/v2/authentication/me").status_code == 200
    except httpx.TransportError:
        return False
