"""The README as a user follows it: the Quickstart's first command, `regista server --demo`,
in a fresh directory, whose printed address and login open the web UI's cockpit with the
four demos; then "Try the API": the server with the examples, and the order placed,
approved and charged over HTTP exactly as the README's curl lines say."""

from __future__ import annotations

import html
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
from test_worker_cli import answers, stop

from regista.demos.catalog import DEMOS
from serving import free_port
from testkit import wait_until

ROOT = Path(__file__).parents[2]


def section(title: str) -> str:
    """The README's section `title`."""
    readme = (ROOT / "README.md").read_text()
    found: str = readme.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return found


def quickstart() -> str:
    """The README's Quickstart section."""
    return section("Quickstart")


def try_the_api() -> str:
    """The README's section that tries the API with the order example."""
    return section("Try the API with the order example")


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, re.DOTALL)


def regista_arguments(text: str) -> list[str]:
    """The arguments the first command of `text` gives `regista`."""
    first = shell_blocks(text)[0].strip()
    command = first.split("&&")[-1].strip()
    words = shlex.split(command)
    assert words[0].endswith("bin/regista"), f"the first command runs {words[0]}, not regista"
    return words[1:]


def curl_requests() -> list[tuple[str, str, dict[str, Any] | None]]:
    """Each curl line of the Quickstart as (method, path, JSON body)."""
    found: list[tuple[str, str, dict[str, Any] | None]] = []
    for block in shell_blocks(try_the_api()):
        for line in block.strip().splitlines():
            if not line.startswith("curl "):
                continue
            words = shlex.split(line)
            url = words[-1]
            body = json.loads(words[words.index("-d") + 1]) if "-d" in words else None
            path = re.sub(r"^https?://127\.0\.0\.1:8080", "", url)
            found.append(("POST" if body is not None else "GET", path, body))
    return found


def test_the_quickstart_has_two_commands_and_the_second_is_ci() -> None:
    blocks = [block.strip() for block in shell_blocks(quickstart())]
    assert len(blocks) == 2, blocks
    assert blocks[1] in (ROOT / ".ci" / "run").read_text(), "CI runs the README's test command"


def test_the_quickstart_demo_server_opens_the_cockpit_with_the_printed_login(
    tmp_path: Path,
) -> None:
    arguments = regista_arguments(quickstart())
    assert arguments == ["server", "--demo"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTA_ADMIN_")}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "regista.cli.main", *arguments, "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        printed: list[re.Match[str]] = []

        def login() -> bool:
            found = re.search(r"demo login: user '(\w+)', password '([^']+)'", log.read_text())
            if found:
                printed.append(found)
            return bool(found) or server.poll() is not None

        wait_until(login, 90, what="the demo login")
        wait_until(lambda: answers(url) or server.poll() is not None, 90, what="the server")
        assert server.poll() is None, log.read_text()
        assert f"web UI: {url}/ui/" in log.read_text()
        assert (tmp_path / "regista.db").exists(), "the server uses the embedded SQLite file"
        user, password = printed[0][1], printed[0][2]
        with httpx.Client(base_url=url, timeout=30) as browser:
            signed = browser.post(
                "/ui/login", data={"username": user, "password": password, "next": "/ui/"}
            )
            assert signed.status_code == 303, signed.text
            page = browser.get("/ui/")
            assert page.status_code == 200, page.text
            definitions = httpx.post(
                f"{url}/v2/process-definitions/search", auth=(user, password), json={}
            ).json()["items"]
            names = {d["processDefinitionId"]: d["name"] for d in definitions}
            for demo in DEMOS:
                shown = names[demo.process_id] or demo.process_id
                assert html.escape(shown) in page.text, f"the cockpit lacks {shown}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert "Traceback" not in log.read_text()


def test_the_api_example_runs_the_order_as_the_readme_says(tmp_path: Path) -> None:
    arguments = regista_arguments(try_the_api())
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
