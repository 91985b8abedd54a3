"""`regista server` as a user runs it: a real process serving HTTP on SQLite, stopped by
SIGTERM."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from serving import free_port
from testkit import wait_until


def start_server(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "regista.cli.main",
            "server",
            "--database-url",
            f"sqlite:///{tmp_path / 'server.db'}",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def stop(server: subprocess.Popen[str]) -> str:
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=60)
    return output


def test_the_server_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    admin = {"REGISTA_ADMIN_USER": "admin", "REGISTA_ADMIN_PASSWORD": "pw"}
    server = start_server(tmp_path, "--port", str(port), env=admin)
    try:
        wait_until(lambda: answers(url) or server.poll() is not None, 60, what="the server")
        assert server.poll() is None, server.communicate()[0]
        assert httpx.get(f"{url}/ready").json() == {"status": "UP"}
        assert httpx.get(f"{url}/v2/topology").json()["gatewayVersion"]
        assert httpx.get(f"{url}/v2/authentication/me").status_code == 401
        token = base64.b64encode(b"admin:pw").decode()
        me = httpx.get(f"{url}/v2/authentication/me", headers={"Authorization": f"Basic {token}"})
        assert me.status_code == 200 and me.json()["username"] == "admin"
        spec = httpx.get(f"{url}/openapi.json").json()
        assert "/v2/topology" in spec["paths"]
    finally:
        output = stop(server)
    assert server.returncode == 0, output
    assert "Traceback" not in output


def test_auth_none_is_refused_beyond_localhost(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "regista.cli.main",
            "server",
            "--auth",
            "none",
            "--host",
            "0.0.0.0",
            "--database-url",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "localhost" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_database_url_regista_cannot_use_is_one_line() -> None:
    for command in ("server", "engine"):
        done = subprocess.run(
            [sys.executable, "-m", "regista.cli.main", command, "--database-url", "nosuch://x"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert "names no database Regista supports" in done.stderr
        assert "Traceback" not in done.stderr


def test_deploy_at_start_refuses_a_broken_model_naming_it_and_serves_nothing(
    tmp_path: Path,
) -> None:
    models = tmp_path / "models"
    (models / "nested").mkdir(parents=True)
    (models / "nested" / "broken.bpmn").write_text("<definitions>not a model")
    (models / "notes.txt").write_text("not deployed")
    empty = tmp_path / "empty"
    empty.mkdir()
    for target, expected in ((models, "broken.bpmn"), (empty, "no .bpmn, .dmn or .form file")):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "regista.cli.main",
                "server",
                "--auth",
                "none",
                "--deploy",
                str(target),
                "--database-url",
                f"sqlite:///{tmp_path / 'x.db'}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode != 0
        assert expected in done.stderr
        assert "Traceback" not in done.stderr
