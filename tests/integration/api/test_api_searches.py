"""The cross-instance searches of `tests/searchkit.py` over PostgreSQL (the memory store
and SQLite run them in `tests/unit/api/test_v2_searches.py`): the SQL of the variable
conditions, the incident types and the variable pages differs by dialect."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import psycopg
import pytest

import searchkit
from apikit import api
from regista.client import Client


@pytest.fixture
def client(pg_database: str) -> Iterator[Client]:
    schema = f"searches_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_database, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    with Client(f"{pg_database}?options=-csearch_path%3D{schema}") as made:
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
