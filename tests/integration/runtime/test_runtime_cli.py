"""The durable CLI commands against SQLite and PostgreSQL: deploy, start, instances,
incidents and audit verify."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from runtimekit import Database

from regista.bpmn import ProcessBuilder, to_xml
from regista.cli.audit import audit
from regista.cli.deploy import deploy_command
from regista.cli.incidents import incidents
from regista.cli.instances import instances
from regista.cli.start import start_command
from regista.client import Client

pytest_plugins = ["runtimefixtures"]


def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "review.bpmn"
    process = ProcessBuilder("review").start("start").user_task("check").end("end")
    path.write_bytes(to_xml(process.build()))
    return path


def test_deploy_start_list_show_cancel_and_verify(db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    url = ["--database-url", db.url]
    path = model_file(tmp_path)
    result = runner.invoke(deploy_command, [str(path), *url])
    assert result.exit_code == 0, result.output
    assert "review: version 1 (new version)" in result.output
    again = runner.invoke(deploy_command, [str(path), *url, "--json"])
    assert json.loads(again.output)[0]["created"] is False

    started = runner.invoke(
        start_command,
        ["review", *url, "--var", "amount=12", "--business-key", "r-1", "--idempotency-key", "k"],
    )
    assert started.exit_code == 0, started.output
    instance_id = started.stdout.strip().splitlines()[0]
    repeat = runner.invoke(start_command, ["review", *url, "--idempotency-key", "k"])
    assert repeat.stdout.strip().splitlines()[0] == instance_id

    listed = runner.invoke(instances, [*url, "--json"])
    (row,) = json.loads(listed.output)
    assert row["id"] == instance_id and row["active"] == ["check"]
    assert row["variables"] == {"amount": 12} and row["business_key"] == "r-1"
    text = runner.invoke(instances, [*url])
    assert "review v1 [r-1]  active at check" in text.output

    shown = runner.invoke(instances, [*url, "show", instance_id, "--history"])
    assert shown.exit_code == 0, shown.output
    assert "status:    active" in shown.output and "instance_started" in shown.output

    cancelled = runner.invoke(instances, [*url, "cancel", instance_id, "--reason", "test"])
    assert cancelled.exit_code == 0, cancelled.output
    verified = runner.invoke(audit, ["verify", *url])
    assert verified.exit_code == 0 and "intact" in verified.output

    # the row of event #2 holds the start's events (#1 first): schema 19
    db.execute(
        "UPDATE history SET command = 'Forged' WHERE id = (SELECT id FROM history "
        f"WHERE instance_id = {db.p} AND seq >= 2 ORDER BY seq LIMIT 1)",
        [instance_id],
    )
    broken = runner.invoke(audit, ["verify", *url])
    assert broken.exit_code == 1
    assert f"instance {instance_id}, event #1" in broken.output

    missing = runner.invoke(instances, [*url, "show", "nope"])
    assert missing.exit_code == 1 and "no process instance 'nope'" in missing.output
    unknown = runner.invoke(start_command, ["ghost", *url])
    assert unknown.exit_code == 1 and "no process 'ghost' is deployed" in unknown.output


def test_incidents_are_listed_and_resolved(db: Database) -> None:
    store = db.open_store()
    client = Client(store)
    client.deploy(
        ProcessBuilder("gate").start("s").exclusive_gateway("g").condition("=go").end("e")
    )
    instance_id = client.start("gate")
    runner = CliRunner()
    url = ["--database-url", db.url]
    listed = runner.invoke(incidents, [*url, "--json"])
    assert listed.exit_code == 0, listed.output
    (found,) = json.loads(listed.output)
    assert found["instance_id"] == instance_id and found["element_id"] == "g"
    assert "no condition is true" in runner.invoke(incidents, url).output
    client.set_variables(instance_id, {"go": True})
    resolved = runner.invoke(incidents, [*url, "resolve", found["id"]])
    assert resolved.exit_code == 0, resolved.output
    assert client.instance(instance_id).status == "completed"
    assert "no open incidents" in runner.invoke(incidents, url).output
    client.close()


def test_a_bad_model_is_refused_with_its_problems(db: Database, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bpmn"
    bad.write_text("<definitions>not bpmn</definitions>")
    result = CliRunner().invoke(deploy_command, [str(bad), "--database-url", db.url])
    assert result.exit_code == 1
    assert "bad.bpmn" in result.output
