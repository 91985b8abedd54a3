"""`/engine-rest`'s own endpoints and its error shape, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from apikit import api
from regista.client import Client
from regista.store.memory import MemoryStore


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with Client(MemoryStore()) as client, api(client, roles=True) as made:
        made.headers["Authorization"] = "Bearer user"
        yield made


def test_version_and_engines_answer_as_camunda_7_does(http: httpx.Client) -> None:
    assert http.get("/engine-rest/version").json() == {"version": "7.23.0"}
    assert http.get("/engine-rest/engine").json() == [{"name": "default"}]
    assert http.get("/engine-rest/engine/default/version").json() == {"version": "7.23.0"}


def test_errors_are_camunda_7_type_and_message(http: httpx.Client) -> None:
    missing = http.get("/engine-rest/no-such-resource")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["type"] == "InvalidRequestException"
    assert isinstance(missing.json()["message"], str)
    refused = http.get("/engine-rest/version", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert refused.status_code == 401
    assert refused.json()["type"] == "AuthenticationException"
    assert "credentials" in refused.json()["message"]


def test_v2_errors_stay_problem_details(http: httpx.Client) -> None:
    missing = http.get("/v2/no-such-resource")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404


def test_the_document_declares_engine_rest_errors_in_their_own_shape(http: httpx.Client) -> None:
    document = http.get("/openapi.json").json()
    version = document["paths"]["/engine-rest/version"]["get"]["responses"]["401"]
    assert version["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/EngineRestError"}}
    }
    assert not any(p.startswith("/engine-rest/engine/default") for p in document["paths"])
