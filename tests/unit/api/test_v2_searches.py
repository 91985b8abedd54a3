"""The searches that reach across instances, over real HTTP on the memory store and on
SQLite: incidents by type (`/v2` `errorType`, Camunda 7's `incidentType`), process
instances by variable values, variables of every instance, the instance itself among its
element instances, and the decisions the engine evaluated. The same checks run on
PostgreSQL in `tests/integration/api/test_api_searches.py`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def test_decision_instances(http: httpx.Client, client: Client) -> None:
    searchkit.decision_instances(http, client)


def test_the_document_shows_the_new_filters_with_examples(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    schemas = document["components"]["schemas"]

    def prop(schema: str, name: str) -> dict[str, Any]:
        found = next(v for k, v in schemas.items() if k.startswith(schema))
        described: dict[str, Any] = found["properties"][name]
        return described

    assert prop("IncidentFilter", "errorType")["examples"][0] == "JOB_NO_RETRIES"
    assert prop("VariableFilter", "value")["examples"]
    assert prop("VariableValueFilter", "value")["examples"]
    assert "VariableValueFilter" in str(prop("ProcessInstanceFilter", "variables"))
    listed = document["paths"]["/engine-rest/variable-instance"]["get"]["parameters"]
    assert {p["name"] for p in listed} >= {"variableName", "variableValues", "processInstanceIdIn"}
    incidents = document["paths"]["/engine-rest/incident"]["get"]["parameters"]
    (kind,) = [p for p in incidents if p["name"] == "incidentType"]
    assert "IO_MAPPING_ERROR" in str(kind)
