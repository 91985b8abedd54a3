"""The crash test: engine nodes are killed with SIGKILL at random moments while instances
with service tasks, messages and timers run; after restarts every instance completes, no
element completes twice, every handler ran at least once, and the audit trail verifies.

SQLite runs one node at a time; PostgreSQL runs three. The test uses 200 instances to stay
fast (`REGISTA_CRASH_INSTANCES` raises it, e.g. to 1000).
"""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from runtimekit import pg_schema_url

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store import Store
from testkit import wait_until

pytest_plugins = ["runtimefixtures"]

HERE = Path(__file__).parent
INSTANCES = int(os.environ.get("REGISTA_CRASH_INSTANCES", "200"))


def model() -> ProcessBuilder:
    return (
        ProcessBuilder("crash")
        .start("start")
        .service_task("a", type="crash-a")
        .catch("paid", message="payment", correlation_key="=key")
        .catch("cool", duration="PT1S")
        .service_task("b", type="crash-b")
        .end("end")
    )


def engine_args() -> list[str]:
    from regista.cli.main import main

    module = "regista.cli.main" if "engine" in main.commands else "regista.cli.engine"
    return [sys.executable, "-m", module] + (["engine"] if module.endswith("main") else [])


class Nodes:
    """Engine node subprocesses that the test kills and restarts."""

    def __init__(self, url: str, log: Path, count: int, tmp: Path) -> None:
        self.url = url
        self.log = log
        self.tmp = tmp
        self.procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self.ids: list[str] = [""] * count
        self.started = 0
        self.killed = 0

    def spawn(self, slot: int) -> None:
        self.started += 1
        self.ids[slot] = f"node-{slot}-{self.started}"
        out = open(self.tmp / f"node-{slot}-{self.started}.log", "wb")  # noqa: SIM115
        self.procs[slot] = subprocess.Popen(
            [
                *engine_args(),
                "--database-url",
                self.url,
                "--workers",
                str(HERE / "crash_workers.py"),
                "--concurrency",
                "4",
                "--lease",
                "1",
                "--timer-lease",
                "1",
                "--poll-interval",
                "0.1",
                "--node-id",
                self.ids[slot],
                "--log-level",
                "warning",
            ],
            env={**os.environ, "REGISTA_CRASH_LOG": str(self.log)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        out.close()

    def kill(self, slot: int) -> None:
        proc = self.procs[slot]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            self.killed += 1
        self.procs[slot] = None

    def stop_all(self, store: Store) -> None:
        """SIGTERM every node: each one that was up finishes its work and exits cleanly."""
        # A node registers after installing its signal handlers; one not registered yet may
        # still be importing, and SIGTERM ends it before it could handle the signal.
        registered = {n.id for n in store.nodes()}
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for slot, proc in enumerate(self.procs):
            if proc is None:
                continue
            try:
                code = proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise AssertionError(f"node {slot} did not stop on SIGTERM") from None
            if self.ids[slot] in registered:
                assert code == 0, f"node {slot} exited with {code} on SIGTERM"
            self.procs[slot] = None


def run_crash(url: str, tmp: Path, node_count: int, seed: int) -> None:
    rng = random.Random(seed)
    log = tmp / "handlers.log"
    log.touch()
    client = Client(url)
    try:
        client.deploy(model())
        keys = [f"k{i}" for i in range(INSTANCES)]
        early = set(rng.sample(keys, INSTANCES // 2))
        for key in sorted(early):  # half the messages arrive before their instance
            client.correlate("payment", key, {"paid": 1}, ttl=dt.timedelta(hours=1))
        nodes = Nodes(url, log, node_count, tmp)
        for slot in range(node_count):
            nodes.spawn(slot)
        ids: list[str] = []
        late = [k for k in keys if k not in early]
        deadline = time.monotonic() + 4.0
        kill_at = time.monotonic() + rng.uniform(0.3, 1.2)
        while time.monotonic() < deadline or ids == [] or len(ids) < len(keys) or late:
            # start instances and publish the other messages in small bursts
            for key in keys[len(ids) : len(ids) + 25]:
                ids.append(client.start("crash", {"key": key}, business_key=key))
            for key in late[:15]:
                client.correlate("payment", key, {"paid": 2}, ttl=dt.timedelta(hours=1))
            late = late[15:]
            if time.monotonic() >= kill_at:
                slot = rng.randrange(node_count)
                nodes.kill(slot)
                nodes.spawn(slot)
                kill_at = time.monotonic() + rng.uniform(0.3, 1.2)
            time.sleep(0.05)

        def completed_count() -> int:
            return len(client.instances(status="completed", process_id="crash", limit=10**6))

        try:
            wait_until(lambda: completed_count() == len(ids), timeout=90, what="every instance")
        finally:
            nodes.stop_all(client.store)
        assert nodes.killed >= 3, "the test should have killed nodes"
        print(f"killed {nodes.killed}, started {nodes.started}")
        runs = Counter(tuple(line.split()[:2]) for line in log.read_text().splitlines())
        for iid in ids:
            history = client.history(iid)
            per_element_instance = Counter(
                e.element_instance_id for e in history if e.kind == "element_completed"
            )
            assert max(per_element_instance.values()) == 1, f"{iid}: a transition applied twice"
            completed = Counter(e.element_id for e in history if e.kind == "element_completed")
            assert completed == {e: 1 for e in ("start", "a", "paid", "cool", "b", "end")}
            jobs = Counter(e.data["job_id"] for e in history if e.kind == "job_completed")
            assert set(jobs.values()) == {1}
            assert runs[(iid, "a")] >= 1 and runs[(iid, "b")] >= 1, f"{iid}: a handler never ran"
        assert client.verify_audit() is None
        print("handler runs:", Counter(runs.values()))
        info = client.instance(ids[0])
        assert info.variables["a"] is True and info.variables["b"] in (1, 2)
    finally:
        client.close()


def test_sqlite_node_killed_at_random_moments(tmp_path: Path) -> None:
    run_crash(f"sqlite:///{tmp_path / 'crash.db'}", tmp_path, 1, seed=1)


def test_three_postgres_nodes_killed_at_random_moments(pg_database: str, tmp_path: Path) -> None:
    run_crash(pg_schema_url(pg_database), tmp_path, 3, seed=2)
