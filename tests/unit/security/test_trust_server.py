"""Deploying trusted through the server: an administrator may, a modeler may not (403), and
the deployment answer and the stored row say the trust; the Python of a model the server
deployed untrusted never runs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from apikit import api, as_role, bpmn, files
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store.memory import MemoryStore


def python_model() -> ProcessBuilder:
    return (
        ProcessBuilder("py")
        .start("s")
        .script_task("double", script="doubled = n * 2", format="python")
        .end("e")
    )


@pytest.fixture
def client() -> Iterator[Client]:
    with Client(MemoryStore()) as made:
        yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client, roles=True) as made:
        yield made


def _deploy(http: httpx.Client, role: str, **data: str) -> httpx.Response:
    return http.post(
        "/v2/deployments",
        files=files(("py.bpmn", bpmn(python_model()))),
        data=data,
        headers=as_role(role),
    )


def test_only_an_administrator_deploys_trusted(http: httpx.Client, client: Client) -> None:
    refused = _deploy(http, "modeler", trusted="true")
    assert refused.status_code == 403, refused.text
    assert "only an administrator may deploy trusted" in refused.json()["detail"]
    assert client.definitions() == []

    plain = _deploy(http, "modeler")
    assert plain.status_code == 200, plain.text
    process = plain.json()["deployments"][0]["processDefinition"]
    assert process["trust"] == "untrusted"
    untrusted = client.start("py", {"n": 21})
    assert client.instance(untrusted).status == "incident"

    trusted = _deploy(http, "admin", trusted="true")
    assert trusted.status_code == 200, trusted.text
    process = trusted.json()["deployments"][0]["processDefinition"]
    assert process["trust"] == "trusted" and process["processDefinitionVersion"] == 2
    rows = client.definitions("py")
    assert [(d.trust, d.deployed_by) for d in rows] == [
        ("untrusted", "tester"),
        ("trusted", "tester"),
    ]
    done = client.start("py", {"n": 21})
    assert client.instance(done).status == "completed"
    assert client.instance(done).variables["doubled"] == 42


def test_full_builtins_need_trusted_and_an_administrator(http: httpx.Client) -> None:
    assert _deploy(http, "modeler", fullBuiltins="true").status_code == 403
    bad = _deploy(http, "admin", fullBuiltins="true")
    assert bad.status_code == 400 and "fullBuiltins needs trusted" in bad.json()["detail"]
    full = _deploy(http, "admin", trusted="true", fullBuiltins="true")
    assert full.status_code == 200
    assert full.json()["deployments"][0]["processDefinition"]["trust"] == "full"
