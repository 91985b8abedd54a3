"""Inbound webhooks (`/inbound/{context}`) over real HTTP: a request starts an instance at
a message start event or reaches one waiting at a catch event, as the model's Camunda
webhook properties say — HMAC, basic credentials, API keys, an activation condition, the
correlation key and variables from the request, a message id that deduplicates."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator

import httpx
import pytest

from regista.api import ServerOptions, create_app
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.connectors import Secrets
from regista.store.memory import MemoryStore
from serving import serve

HOOK_SECRET = "whsec-0123456789"


def orders() -> ProcessBuilder:
    """Started by the shop's webhook, signed with HMAC-SHA256."""
    return (
        ProcessBuilder("orders")
        .start("placed", message="order-placed")
        .property("inbound.type", "io.camunda:webhook:1")
        .property("inbound.context", "shop/orders")
        .property("inbound.method", "post")
        .property("inbound.shouldValidateHmac", "enabled")
        .property("inbound.hmacSecret", "{{secrets.SHOP_HOOK}}")
        .property("inbound.hmacHeader", "X-Shop-Signature")
        .property("inbound.hmacAlgorithm", "sha_256")
        .property("activationCondition", '=request.body.kind = "order"')
        .property("resultExpression", "={orderId: request.body.id, total: request.body.total}")
        .property("messageIdExpression", "=request.body.id")
        .property("messageTtl", "PT1H")
        .catch("paid", message="payment-received", correlation_key="=orderId")
        .property("inbound.type", "io.camunda:webhook:1")
        .property("inbound.context", "payments")
        .property("inbound.auth.type", "BASIC")
        .property("inbound.auth.username", "psp")
        .property("inbound.auth.password", "{{secrets.PSP_PASSWORD}}")
        .property("correlationKeyExpression", "=request.body.reference")
        .property("resultVariable", "payment")
        .catch("shipped", message="shipped", correlation_key="=orderId")
        .property("inbound.type", "io.camunda:webhook:1")
        .property("inbound.context", "carrier")
        .property("inbound.auth.type", "APIKEY")
        .property("inbound.auth.apiKey", "carrier-key")
        .property("inbound.auth.apiKeyLocator", "=request.params.key")
        .property("correlationKeyExpression", "=request.params.order")
        .end("done")
    )


@pytest.fixture
def setup() -> Iterator[tuple[httpx.Client, Client]]:
    secrets = Secrets({"SHOP_HOOK": HOOK_SECRET, "PSP_PASSWORD": "psp-pw"})
    with Client(MemoryStore()) as client:
        client.deploy(orders())
        app = create_app(client, ServerOptions(auth="none"), secrets=secrets)
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield http, client


def signed(body: dict[str, object]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = hmac.new(HOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Shop-Signature": f"sha256={signature}", "Content-Type": "application/json"}


def test_a_signed_request_starts_an_instance_once_per_message_id(
    setup: tuple[httpx.Client, Client],
) -> None:
    http, client = setup
    raw, headers = signed({"kind": "order", "id": "o-1", "total": 40})
    answer = http.post("/inbound/shop/orders", content=raw, headers=headers)
    assert answer.status_code == 200, answer.text
    (key,) = answer.json()["processInstanceKeys"]
    info = client.instance(key)
    assert info.variables == {"orderId": "o-1", "total": 40}
    assert info.active == ["paid"]
    again = http.post("/inbound/shop/orders", content=raw, headers=headers)
    assert again.status_code == 409  # the same message id while the first one lives
    assert len(client.instances(process_id="orders")) == 1


def test_a_bad_signature_method_or_condition_is_refused(
    setup: tuple[httpx.Client, Client],
) -> None:
    http, client = setup
    raw, headers = signed({"kind": "order", "id": "o-2", "total": 1})
    tampered = raw.replace(b'"total": 1', b'"total": 1000')
    assert http.post("/inbound/shop/orders", content=tampered, headers=headers).status_code == 401
    assert http.post("/inbound/shop/orders", content=raw).status_code == 401
    assert http.put("/inbound/shop/orders", content=raw, headers=headers).status_code == 405
    other, other_headers = signed({"kind": "refund", "id": "r-1"})
    refused = http.post("/inbound/shop/orders", content=other, headers=other_headers)
    assert refused.status_code == 422 and "activation condition" in refused.json()["detail"]
    missing = http.post("/inbound/nobody-here", json={})
    assert missing.status_code == 404
    assert client.instances(process_id="orders") == []


def test_catch_events_are_reached_by_basic_and_api_key_webhooks(
    setup: tuple[httpx.Client, Client],
) -> None:
    http, client = setup
    raw, headers = signed({"kind": "order", "id": "o-3", "total": 9})
    (key,) = http.post("/inbound/shop/orders", content=raw, headers=headers).json()[
        "processInstanceKeys"
    ]
    psp = {"Authorization": "Basic " + base64.b64encode(b"psp:psp-pw").decode()}
    wrong = {"Authorization": "Basic " + base64.b64encode(b"psp:nope").decode()}
    payment = {"reference": "o-3", "amount": 9}
    assert http.post("/inbound/payments", json=payment, headers=wrong).status_code == 401
    paid = http.post("/inbound/payments", json=payment, headers=psp)
    assert paid.status_code == 200 and paid.json()["processInstanceKeys"] == [key]
    assert client.instance(key).variables["payment"]["body"] == payment
    assert client.instance(key).active == ["shipped"]
    assert http.get("/inbound/carrier", params={"order": "o-3", "key": "bad"}).status_code == 401
    nobody = http.get("/inbound/carrier", params={"order": "o-404", "key": "carrier-key"})
    assert nobody.status_code == 404
    shipped = http.get("/inbound/carrier", params={"order": "o-3", "key": "carrier-key"})
    assert shipped.status_code == 200
    assert client.instance(key).status == "completed"
