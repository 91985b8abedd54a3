"""The CLI commands for messages, signals and user tasks, and how every durable command
reports a database that is down or locked — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from runtimekit import Database

from regista.bpmn import ProcessBuilder
from regista.cli.main import main
from regista.cli.messages import correlate_command, signal_command
from regista.cli.tasks import tasks
from regista.client import Client

pytest_plugins = ["runtimefixtures"]


def test_correlate_publishes_starts_and_keeps_messages(db: Database) -> None:
    client = Client(db.open_store())
    client.deploy(
        ProcessBuilder("order")
        .start("s")
        .catch("paid", message="payment", correlation_key="=orderId")
        .end("e"),
        ProcessBuilder("claim").start("filed", message="claim filed").user_task("review").end("e"),
    )
    order = client.start("order", {"orderId": "o-1"})
    runner = CliRunner()
    url = ["--database-url", db.url]

    hit = runner.invoke(correlate_command, ["payment", *url, "--key", "o-1", "--var", "paid=12"])
    assert hit.exit_code == 0, hit.output
    assert f"message 'payment' with key 'o-1' correlated with instance {order}" in hit.output
    info = client.instance(order)
    assert info.status == "completed" and info.variables["paid"] == 12

    started = runner.invoke(
        correlate_command, ["claim filed", *url, "--key", "c-1", "--variables", '{"amount": 7}']
    )
    assert started.exit_code == 0, started.output
    (claim,) = client.instances(process_id="claim")
    assert f"started: {claim.id}" in started.output
    assert claim.business_key == "c-1" and claim.variables == {"amount": 7}

    kept = runner.invoke(correlate_command, ["payment", *url, "--key", "o-2", "--json"])
    assert kept.exit_code == 0, kept.output
    data = json.loads(kept.output)
    assert data["instance_ids"] == [] and data["buffered_id"] is not None
    later = client.start("order", {"orderId": "o-2"})
    assert client.instance(later).status == "completed"

    dropped = runner.invoke(correlate_command, ["payment", *url, "--key", "o-3", "--ttl", "PT0S"])
    assert dropped.exit_code == 0 and "dropped" in dropped.output
    bad_ttl = runner.invoke(correlate_command, ["payment", *url, "--ttl", "soon"])
    assert bad_ttl.exit_code == 2 and "--ttl" in bad_ttl.output
    bad_var = runner.invoke(correlate_command, ["payment", *url, "--var", "oops"])
    assert bad_var.exit_code == 2 and "name=value" in bad_var.output
    client.close()


def test_signal_reaches_every_waiting_instance(db: Database) -> None:
    client = Client(db.open_store())
    client.deploy(ProcessBuilder("listener").start("s").catch("go", signal="go").end("e"))
    ids = [client.start("listener") for _ in range(2)]
    runner = CliRunner()
    url = ["--database-url", db.url]
    sent = runner.invoke(signal_command, ["go", *url, "--var", 'why="test"', "--json"])
    assert sent.exit_code == 0, sent.output
    assert sorted(json.loads(sent.output)["instance_ids"]) == sorted(ids)
    assert all(client.instance(i).variables == {"why": "test"} for i in ids)
    nobody = runner.invoke(signal_command, ["go", *url])
    assert nobody.exit_code == 0 and "no instance waits for it" in nobody.output
    client.close()


def test_incidents_are_listed_with_their_type(db: Database) -> None:
    client = Client(db.open_store())
    client.deploy(ProcessBuilder("gate").start().exclusive_gateway("g").condition("=x > 1").end())
    key = client.start("gate", {"x": 0})
    runner = CliRunner()
    url = ["--database-url", db.url]
    listed = runner.invoke(main, ["incidents", *url, "--json"])
    assert listed.exit_code == 0, listed.output
    (found,) = json.loads(listed.output)
    assert (found["instance_id"], found["error_type"]) == (key, "CONDITION_ERROR")
    text = runner.invoke(main, ["incidents", *url])
    assert f"instance {key} at g [CONDITION_ERROR]: " in text.output
    client.close()


def test_tasks_are_listed_filtered_assigned_and_completed(db: Database) -> None:
    client = Client(db.open_store())
    client.deploy(
        ProcessBuilder("approval")
        .start("s")
        .user_task("approve", name="Approve", candidate_groups=["managers"])
        .exclusive_gateway("ok")
        .condition("=approved")
        .end("yes")
        .move_to("ok")
        .default()
        .end("no"),
        ProcessBuilder("note").start("s").user_task("read", assignee="bob").end("e"),
    )
    approval = client.start("approval")
    note = client.start("note")
    runner = CliRunner()
    url = ["--database-url", db.url]

    listed = runner.invoke(tasks, [*url, "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [r["instance_id"] for r in rows] == [approval, note]
    assert rows[0]["candidate_groups"] == ["managers"] and rows[1]["assignee"] == "bob"
    managers = runner.invoke(tasks, [*url, "--group", "managers"])
    assert "approve (Approve)" in managers.output and "groups managers" in managers.output
    assert "read" not in managers.output
    bobs = json.loads(runner.invoke(tasks, [*url, "--assignee", "bob", "--json"]).output)
    assert [r["element_id"] for r in bobs] == ["read"]

    task_id = rows[0]["id"]
    assigned = runner.invoke(tasks, [*url, "assign", task_id, "ann"])
    assert assigned.exit_code == 0 and "assigned to ann" in assigned.output
    done = runner.invoke(
        tasks, [*url, "complete", task_id, "--var", "approved=true", "--by", "ann"]
    )
    assert done.exit_code == 0, done.output
    assert f"{task_id}: completed" in done.output
    info = client.instance(approval)
    assert info.status == "completed" and info.passed[-1] == "yes"
    completed = [e for e in client.history(approval) if e.kind == "user_task_completed"]
    assert completed[0].actor == "ann"
    twice = runner.invoke(tasks, ["complete", task_id, *url])
    assert twice.exit_code == 1 and "was already completed (nothing done)" in twice.output
    missing = runner.invoke(tasks, ["complete", "nope", *url])
    assert missing.exit_code == 1 and "no user task 'nope'" in missing.output
    assert "Traceback" not in missing.output
    left = runner.invoke(tasks, [*url])
    assert "read" in left.output and "approve" not in left.output
    client.close()


# -- the database is down or locked -------------------------------------------------------


def regista(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the `regista` command in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_a_database_that_is_down_is_one_clear_line_and_exit_code_2() -> None:
    url = "postgresql://127.0.0.1:1/x"
    down = regista("instances", "--database-url", url)  # fails the test if it hangs
    assert_one_line_error(down, "cannot connect to PostgreSQL at postgresql://127.0.0.1:1/x")
    for args in (
        ["tasks"],
        ["incidents"],
        ["start", "p"],
        ["correlate", "m", "--key", "k"],
        ["signal", "s"],
        ["audit", "verify"],
        ["db", "prune", "--older-than", "P30D"],
    ):
        result = CliRunner().invoke(main, [*args, "--database-url", url])
        assert result.exit_code == 2, (args, result.output)
        assert "cannot connect to PostgreSQL" in result.output
    hidden = regista("instances", "--database-url", "postgresql://ann:s3cret@127.0.0.1:1/x")
    assert_one_line_error(hidden, "ann:***@")
    assert "s3cret" not in hidden.stderr


# Holds the lock until the test closes its stdin (or kills it).
HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
conn.execute("CREATE TABLE IF NOT EXISTS lock_holder (x)")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_sqlite_file_locked_by_another_process_is_one_clear_line(
    db: Database, tmp_path: Path
) -> None:
    if db.kind != "sqlite":
        pytest.skip("a SQLite file lock")
    client = Client(db.open_store())
    client.deploy(ProcessBuilder("p").start("s").user_task("t").end("e"))
    client.close()
    db.close()
    assert db.path is not None
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(db.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdin is not None and holder.stdout is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            busy = {"REGISTA_SQLITE_BUSY_TIMEOUT_MS": "300"}
            for args in (["instances"], ["start", "p"], ["tasks"]):
                # the holder never lets go: a command that waited for it would hang and fail
                result = regista(*args, "--database-url", db.url, env=busy)
                assert_one_line_error(result, "locked", "busy timeout (300 ms)", str(db.path))
        finally:
            holder.stdin.close()  # the holder lets go and exits
    free = regista("instances", "--database-url", db.url)
    assert free.returncode == 0, free.stderr
