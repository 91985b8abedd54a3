"""Identity in a real `regista server`: the first administrator from the environment, a user
and an API key made over the API, each then calling with its own credentials; a restart
with other variables changes no one."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx
from test_server_cli import answers, start_server, stop

from serving import free_port
from testkit import wait_until


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def serving(tmp_path: Path, env: dict[str, str]) -> tuple[str, subprocess.Popen[str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(tmp_path, "--port", str(port), "--no-engine", env=env)
    wait_until(lambda: answers(url) or server.poll() is not None, 60, what="the server")
    assert server.poll() is None, server.communicate()[0]
    return url, server


def test_first_admin_then_a_user_and_a_key_over_the_api(tmp_path: Path) -> None:
    env = {"REGISTA_ADMIN_USER": "boss", "REGISTA_ADMIN_PASSWORD": "first"}
    url, server = serving(tmp_path, env)
    try:
        admin = basic("boss", "first")
        me = httpx.get(f"{url}/v2/authentication/me", headers=admin).json()
        assert me["roles"] == ["admin"]
        made = httpx.post(
            f"{url}/v2/users",
            json={"username": "ann", "password": "pw", "name": "Ann", "roles": ["user"]},
            headers=admin,
        )
        assert made.status_code == 201, made.text
        key = httpx.post(
            f"{url}/v2/api-keys", json={"username": "ann", "name": "laptop"}, headers=admin
        ).json()["key"]
        ann = httpx.get(f"{url}/v2/authentication/me", headers=basic("ann", "pw")).json()
        assert (ann["username"], ann["displayName"], ann["roles"]) == ("ann", "Ann", ["user"])
        by_key = httpx.get(
            f"{url}/v2/authentication/me", headers={"Authorization": f"Bearer {key}"}
        ).json()
        assert by_key["username"] == "ann" and by_key["roles"] == ["user"]
        refused = httpx.post(f"{url}/v2/users/search", json={}, headers=basic("ann", "pw"))
        assert refused.status_code == 403
    finally:
        output = stop(server)
    assert "created the administrator 'boss'" in output
    assert "Traceback" not in output

    url, server = serving(tmp_path, {**env, "REGISTA_ADMIN_PASSWORD": "second"})
    try:
        assert (
            httpx.get(f"{url}/v2/authentication/me", headers=basic("boss", "first")).status_code
            == 200
        )
        assert (
            httpx.get(f"{url}/v2/authentication/me", headers=basic("boss", "second")).status_code
            == 401
        )
    finally:
        output = stop(server)
    assert "created the administrator" not in output
