"""A receive task without a message is a wait state triggered by element — through the
client and `regista instances trigger`, on SQLite and PostgreSQL."""

from __future__ import annotations

from click.testing import CliRunner
from runtimekit import Database

from regista.bpmn import ProcessBuilder
from regista.cli.instances import instances
from regista.client import Client

pytest_plugins = ["runtimefixtures"]


def test_the_client_and_the_cli_trigger_a_receive_task_without_a_message(db: Database) -> None:
    client = Client(db.open_store())
    client.deploy(
        ProcessBuilder("ship").start("s").receive_task("packed").receive_task("sent").end("e")
    )
    first = client.start("ship")
    assert client.instance(first).active == ["packed"]
    client.trigger(first, "packed", {"box": 3})
    assert client.instance(first).active == ["sent"]

    runner = CliRunner()
    url = ["--database-url", db.url]
    done = runner.invoke(instances, ["trigger", first, "sent", "--var", "tracking=7", *url])
    assert done.exit_code == 0, done.output
    assert f"{first}: completed" in done.output
    info = client.instance(first)
    assert info.status == "completed" and info.variables == {"box": 3, "tracking": 7}
    assert [e for e in info.passed if e in ("packed", "sent")] == ["packed", "sent"]

    other = client.start("ship")
    refused = runner.invoke(instances, ["trigger", other, "sent", *url])
    assert refused.exit_code == 1
    assert "nothing waits to be triggered at 'sent'" in refused.output
    assert "Traceback" not in refused.output
    assert client.instance(other).active == ["packed"]
    client.close()
