"""The searches that reach across instances, over real HTTP on the memory store and on
SQLite: incidents by type (`/v2` `errorType`, Camunda 7's `incidentType`), process
instances by variable values, variables of every instance, the instance itself among its
element instances, and the decisions the engine evaluated. The same checks run on
PostgreSQL in `tests/integration/api/test_api_searches.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import searchkit
from apikit import api
from regista.client import Client
from regista.store.memory import MemoryStore


@pytest.fixture(params=["memory", "sqlite"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    if request.param == "memory":
        with Client(MemoryStore()) as made:
            yield made
    else:
        with Client(f"sqlite:///{tmp_path / 'searches.db'}") as made:
            yield made


@pytest.fixture
def http(client: Client) -> Iterator[httpx.Client]:
    with api(client) as made:
        yield made


def test_incidents_by_type(http: httpx.Client, client: Client) -> None:
    searchkit.incidents_by_type(http, client)


def test_the_instance_is_an_element_instance(http: httpx.Client, client: Client) -> None:
    searchkit.instance_element(http, client)


def test_variables_across_instances(http: httpx.Client, client: Client) -> None:
    searchkit.variables_across_instances(http, client)


def test_instances_by_variables(http: httpx.Client, client: Client) -> None:
    searchkit.instances_by_variables(http, client)
