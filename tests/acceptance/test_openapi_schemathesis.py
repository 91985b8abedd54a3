"""schemathesis against the server's own /openapi.json, over real HTTP, as an
administrator: every operation gets generated requests (valid and not), and no answer may
be a 5xx, nor break the status codes, content types and schemas the API declares.

The server runs over the memory store with an order, a quick and a review process
deployed and instances of them started, so searches find things and keys exist. The run
is bounded (a few examples an operation, derandomized) to stay a CI test, not a fuzzing
campaign."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apikit import DMN, FORM, Roles, as_role, bpmn, files, order, quick, review
from regista.api import ServerOptions, create_app
from regista.client import Client
from regista.store.memory import MemoryStore
from serving import serve

ADMIN = as_role("admin")
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]


#: Long polls (job activation, awaitCompletion) end after this, not after a minute.
OPTIONS = ServerOptions(auth="basic", max_long_poll=0.2)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """The API's base URL, with models deployed and instances waiting."""
    with Client(MemoryStore()) as client:
        app = create_app(client, OPTIONS, authenticator=Roles())
        with serve(app) as url, httpx.Client(base_url=url, headers=ADMIN, timeout=30) as http:
            http.post(
                "/v2/deployments",
                files=files(
                    ("order.bpmn", bpmn(order())),
                    ("quick.bpmn", bpmn(quick())),
                    ("review.bpmn", bpmn(review())),
                    ("discount.dmn", DMN),
                    ("review-form.form", FORM),
                ),
            ).raise_for_status()
            for body in (
                {"processDefinitionId": "order", "variables": {"orderId": "A-1"}},
                {"processDefinitionId": "review"},
                {"processDefinitionId": "quick", "variables": {"n": 2}},
            ):
                http.post("/v2/process-instances", json=body).raise_for_status()
            yield url


def the_document() -> dict[str, Any]:
    """The OpenAPI document of the application as the code generates it: the same for any
    store (test_the_live_document_is_the_tested_one), so the tests can be made from it
    when they are collected, before the server runs. (schemathesis's fixture-backed lazy
    schema does not work with pytest 9.)"""
    with Client(MemoryStore()) as client:
        app = create_app(client, OPTIONS, authenticator=Roles())
        return app.openapi()


DOCUMENT = the_document()
schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_the_live_document_is_the_tested_one(served: str) -> None:
    live = httpx.get(f"{served}/openapi.json", headers=ADMIN, timeout=30)
    assert live.status_code == 200 and live.json() == DOCUMENT


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_own_schema(case: Case[Any], served: str) -> None:
    case.call_and_validate(base_url=served, headers=ADMIN, checks=CHECKS)
