"""`regista server` and `regista worker` as a user runs them: two real processes on one
SQLite database, service tasks completed, failed and errored end to end over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from regista.bpmn import ProcessBuilder
from regista.client import Client
from serving import free_port
from testkit import wait_until

ADMIN = {"REGISTA_ADMIN_USER": "admin", "REGISTA_ADMIN_PASSWORD": "pw"}

WORKERS = """
from regista.worker import BpmnError, worker


@worker("charge")
def charge(job):
    if job.variables["amount"] < 0:
        raise BpmnError("DECLINED", "negative amount")
    return {"charged": job.variables["amount"], "worker_pid": __import__("os").getpid()}
"""


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "regista.cli.main", *args],
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


def stop(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    return output


@contextmanager
def server(database: str) -> Iterator[str]:
    """A real `regista server` on `database`; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = cli("server", "--database-url", database, "--port", str(port), env=ADMIN)
    try:
        wait_until(lambda: answers(url) or process.poll() is not None, 60, what="the server")
        assert process.poll() is None, process.communicate()[0]
        yield url
    finally:
        output = stop(process)
        assert "Traceback" not in output, output


def payment() -> ProcessBuilder:
    return (
        ProcessBuilder("payment")
        .start("start")
        .service_task("charge", type="charge")
        .end("paid")
        .boundary_event("declined", attached_to="charge", error="DECLINED")
        .end("refused")
    )


def test_a_worker_process_completes_service_tasks(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    module = tmp_path / "workers.py"
    module.write_text(textwrap.dedent(WORKERS))
    with server(database) as url, Client(database) as client:
        client.deploy(payment())
        paid = [client.start("payment", {"amount": n}) for n in (1, 2, 3)]
        refused = client.start("payment", {"amount": -5})
        worker = cli(
            "worker",
            "--url",
            url,
            "--user",
            "admin",
            "--password",
            "pw",
            "--poll",
            "2",
            str(module),
        )
        try:
            wait_until(
                lambda: (
                    all(client.instance(i).status == "completed" for i in [*paid, refused])
                    or worker.poll() is not None
                ),
                60,
                what="the worker to finish the jobs",
            )
        finally:
            output = stop(worker)
        assert worker.returncode == 0, output
        assert "Traceback" not in output
        for n, instance in zip((1, 2, 3), paid, strict=True):
            info = client.instance(instance)
            assert info.variables["charged"] == n
            assert info.variables["worker_pid"] == worker.pid
        assert "refused" in client.instance(refused).passed


def test_a_worker_with_wrong_credentials_stops_with_an_error(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'regista.db'}"
    module = tmp_path / "workers.py"
    module.write_text(textwrap.dedent(WORKERS))
    with server(database) as url:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "regista.cli.main",
                "worker",
                "--url",
                url,
                "--user",
                "admin",
                "--password",
                "wrong",
                str(module),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode != 0
    assert "refused" in done.stderr and "Traceback" not in done.stderr
