"""The trust matrix: a model deployed trusted or not × every command and node that can run
its Python, on SQLite and PostgreSQL.

Trust is recorded with the deployment, so the outcome depends on how the model was
deployed only: the same command, node and options run a trusted model's script and refuse
an untrusted one's with an incident — never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from regista.bpmn import ProcessBuilder, to_xml
from regista.cli.main import main
from regista.client import Client
from regista.runtime.node import Node
from regista.runtime.trust import TRUST_KEY_ENV, TrustRefused
from regista.runtime.workers import Workers

pytest_plugins = ["securityfixtures"]

SCRIPT = "doubled = price * 2"
UNTRUSTED = "runs only in models deployed as trusted"


def _model(process_id: str, wait: Callable[[ProcessBuilder], ProcessBuilder]) -> ProcessBuilder:
    built = wait(ProcessBuilder(process_id).start("s"))
    return built.script_task("py", script=SCRIPT, format="python").end("e")


MODELS = [
    _model("on_start", lambda b: b),
    _model("after_task", lambda b: b.user_task("review")),
    _model("after_message", lambda b: b.catch("paid", message="paid", correlation_key="=orderId")),
    _model("after_signal", lambda b: b.catch("go", signal="go")),
    _model("on_node", lambda b: b.task("hop").async_before()),
]


@dataclass
class World:
    url: str
    client: Client
    runner: CliRunner
    files: list[str]

    def cli(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return self.runner.invoke(main, [*args, "--database-url", self.url], env=env)


@pytest.fixture
def world(database_url: str, tmp_path: Path) -> Iterator[World]:
    files = []
    for model in MODELS:
        definitions = model.build()
        path = tmp_path / f"{next(iter(definitions.processes))}.bpmn"
        path.write_bytes(to_xml(definitions))
        files.append(str(path))
    client = Client(database_url)
    yield World(database_url, client, CliRunner(), files)
    client.close()


def _trust_key(world: World) -> str:
    made = world.cli("db", "trust-key")
    assert made.exit_code == 0, made.output
    return made.stdout.strip().splitlines()[0]


def _deploy(world: World, trusted: bool) -> None:
    if trusted:
        key = _trust_key(world)
        done = world.runner.invoke(
            main,
            ["deploy", "--trusted", "--database-url", world.url, *_files(world)],
            env={TRUST_KEY_ENV: key},
        )
    else:
        done = world.cli("deploy", *_files(world))
    assert done.exit_code == 0, done.output
    for definition in world.client.definitions():
        assert definition.trust == ("trusted" if trusted else "untrusted")
        assert definition.deployed_by  # who deployed it is recorded


def _files(world: World) -> list[str]:
    return world.files


def _outcome(world: World, instance_id: str) -> str:
    info = world.client.instance(instance_id)
    if info.status == "completed":
        assert info.variables["doubled"] == 42
        return "ran"
    assert info.status == "incident", info.status
    (incident,) = world.client.incidents(instance_id=instance_id)
    assert UNTRUSTED in incident.message and incident.element_id == "py"
    return "refused"


def _run_node(world: World) -> None:
    node = Node(world.client.shell, Workers(), node_id="security-node")
    try:
        node.run_until_idle()
    finally:
        node.close()


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_every_command_and_node_runs_python_exactly_when_the_deployment_is_trusted(
    world: World, trusted: bool
) -> None:
    _deploy(world, trusted)
    expected = "ran" if trusted else "refused"
    outcomes: dict[str, str] = {}

    started = world.cli("start", "on_start", "--var", "price=21")
    assert started.exit_code == 0, started.output
    (on_start,) = world.client.instances(process_id="on_start")
    outcomes["start"] = _outcome(world, on_start.id)

    task_instance = world.client.start("after_task", {"price": 21})
    (task,) = world.client.tasks(instance_id=task_instance)
    done = world.cli("tasks", "complete", task.id)
    assert done.exit_code == 0, done.output
    outcomes["tasks complete"] = _outcome(world, task_instance)

    paid = world.client.start("after_message", {"price": 21, "orderId": "o-1"})
    hit = world.cli("correlate", "paid", "--key", "o-1")
    assert hit.exit_code == 0, hit.output
    outcomes["correlate"] = _outcome(world, paid)

    go = world.client.start("after_signal", {"price": 21})
    sent = world.cli("signal", "go")
    assert sent.exit_code == 0, sent.output
    outcomes["signal"] = _outcome(world, go)

    on_node = world.client.start("on_node", {"price": 21})
    _run_node(world)
    outcomes["engine node"] = _outcome(world, on_node)

    assert outcomes == dict.fromkeys(outcomes, expected)


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
def test_incidents_resolve_runs_the_script_again_under_the_deployment_trust(
    world: World, trusted: bool
) -> None:
    _deploy(world, trusted)
    instance = world.client.start("on_start", {})  # no price: the script fails
    (incident,) = world.client.incidents(instance_id=instance)
    world.client.set_variables(instance, {"price": 21})
    resolved = world.cli("incidents", "resolve", incident.id)
    assert resolved.exit_code == 0, resolved.output
    assert _outcome(world, instance) == ("ran" if trusted else "refused")


def test_a_trusted_deployment_needs_the_database_key(world: World) -> None:
    refused = world.cli("deploy", "--trusted", *_files(world))
    assert refused.exit_code == 1
    assert "no trusted-deploy key" in refused.output
    key = _trust_key(world)
    wrong = world.runner.invoke(
        main,
        ["deploy", "--trusted", "--database-url", world.url, *_files(world)],
        env={TRUST_KEY_ENV: "rgt_" + "x" * 43},
    )
    assert wrong.exit_code == 1 and "is not this database's" in wrong.output
    missing = world.runner.invoke(
        main,
        ["deploy", "--trusted", "--database-url", world.url, *_files(world)],
        env={TRUST_KEY_ENV: ""},
    )
    assert missing.exit_code == 1 and f"set {TRUST_KEY_ENV}" in missing.output
    assert world.client.definitions() == []  # nothing half deployed
    with pytest.raises(TrustRefused):
        world.client.deploy(MODELS[0], trusted=True)
    world.client.deploy(MODELS[0], trusted=True, trust_key=key, deployed_by="ops")
    (definition,) = world.client.definitions()
    assert definition.trust == "trusted" and definition.deployed_by == "ops"


def test_redeploying_with_another_trust_is_a_new_version(world: World) -> None:
    key = _trust_key(world)
    (first,) = world.client.deploy(MODELS[0])
    (same,) = world.client.deploy(MODELS[0])
    (trusted,) = world.client.deploy(MODELS[0], trusted=True, trust_key=key)
    assert not same.created and same.version == first.version == 1
    assert trusted.created and trusted.version == 2 and trusted.trust == "trusted"
    old = world.client.start("on_start", {"price": 21}, version=1)
    new = world.client.start("on_start", {"price": 21})
    assert _outcome(world, old) == "refused"  # instances keep their version's trust
    assert _outcome(world, new) == "ran"


def test_a_node_option_cannot_make_a_model_trusted(world: World) -> None:
    for command in (["engine"], ["start", "on_start"], ["server"]):
        result = world.cli(*command, "--trusted")
        assert result.exit_code == 2
        assert "trust is recorded with each deployment" in result.output


def test_repeating_a_completion_or_a_resolution_says_so_and_fails(world: World) -> None:
    _deploy(world, trusted=False)
    task_instance = world.client.start("after_task", {"price": 21})
    (task,) = world.client.tasks(instance_id=task_instance)
    assert world.cli("tasks", "complete", task.id).exit_code == 0
    again = world.cli("tasks", "complete", task.id)
    assert again.exit_code == 1
    assert "was already completed (nothing done)" in again.output
    (incident,) = world.client.incidents(instance_id=task_instance)
    assert world.cli("incidents", "resolve", incident.id).exit_code == 0
    twice = world.cli("incidents", "resolve", incident.id)
    assert twice.exit_code == 1
    assert f"{incident.id}: was already resolved (nothing done)" in twice.output
