"""The README's Quickstart as a user follows it: its first command's `regista server` in a
fresh directory with the examples, then the order placed, approved and charged over HTTP
exactly as the README's curl lines say."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from test_worker_cli import answers, stop

from serving import free_port
from testkit import wait_until

ROOT = Path(__file__).parents[2]


def quickstart() -> str:
    """The README's Quickstart section."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return section


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


def regista_arguments() -> list[str]:
    """The arguments the Quickstart's first command gives `regista`."""
    first = shell_blocks(quickstart())[0].strip()
    command = first.split("&&")[-1].strip()
    words = shlex.split(command)
    assert words[0].endswith("bin/regista"), f"the first command runs {words[0]}, not regista"
    return words[1:]


def curl_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    """Each curl line of the Quickstart as (method, path, JSON body)."""
    found: list[tuple[str, str, dict[str, Any] | None]] = []
    for block in shell_blocks(quickstart()):
        for line in block.strip().splitlines():
            if not line.startswith("curl "):
                continue
            words = shlex.split(line)
            url = words[-1]
            body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
            path = re.sub(r"^https?://127\.0\.0\.1:8080", "", url)
            found.append(("POST" if body is not None else "GET", path, body))
    return found


def test_the_quickstart_server_runs_the_order_as_the_readme_says(tmp_path: Path) -> None:
    arguments = regista_arguments()
    assert arguments[0] == "server"
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "regista.cli.main", *arguments, "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_until(lambda: answers(url) or server.poll() is not None, 90, what="the server")
        assert server.poll() is None, server.communicate()[0]
        assert (tmp_path / "regista.db").exists(), "the server uses the embedded SQLite file"
        start, search, complete, show = curl_requests()
        with httpx.Client(base_url=url, timeout=30) as http:
            started = http.post(start[1], json=start[2])
            assert started.status_code == 200, started.text
            instance = started.json()["processInstanceKey"]

            def approval() -> list[dict[str, Any]]:
                found = http.post(search[1], json=search[2])
                assert found.status_code == 200, found.text
                items: list[dict[str, Any]] = found.json()["items"]
                return [t for t in items if t["processInstanceKey"] == instance]

            wait_until(lambda: bool(approval()), 60, what="the manager's approval task")
            (task,) = approval()
            assert task["elementId"] == "approve"
            path = complete[1].replace("USER_TASK_KEY", task["userTaskKey"])
            assert http.post(path, json=complete[2]).status_code == 204
            shown = show[1].replace("PROCESS_INSTANCE_KEY", instance)

            def state() -> str:
                answer: str = http.get(shown).json()["state"]
                return answer

            wait_until(lambda: state() == "COMPLETED", 60, what="the worker to charge the card")
            variables = http.post(
                "/v2/variables/search", json={"filter": {"processInstanceKey": instance}}
            ).json()["items"]
            values = {v["name"]: json.loads(v["value"]) for v in variables}
            assert values["approved"] is True and values["charged"] is True
            assert values["price"] == 1900
            docs = http.get("/docs")
            assert docs.status_code == 200 and "swagger" in docs.text.lower()
    finally:
        output = stop(server)
    assert "deployed: process order version 1" in output, output
    # a DMN model is listed by its decisions, never by its namespace
    assert "deployed: decision dish version 1" in output, output
    assert "dmn:" not in output, output
    assert "Traceback" not in output, output
