"""Inbound webhooks: a message start event, intermediate message catch event, message
boundary event or receive task configured with Camunda's webhook connector properties
(`zeebe:property`, as the Modeler's webhook template writes them) is reached by an HTTP
request to `/inbound/<inbound.context>` of the server.

Properties read: `inbound.type` (`io.camunda:webhook:1`), `inbound.context`,
`inbound.method` (any, get, post, put, patch, delete); HMAC verification
(`inbound.shouldValidateHmac` enabled, `inbound.hmacSecret`, `inbound.hmacHeader`,
`inbound.hmacAlgorithm` sha_1, sha_256 or sha_512, over the raw body; a `sha256=` style
prefix in the header is accepted); authorisation `inbound.auth.type` NONE, BASIC
(`inbound.auth.username`, `inbound.auth.password`) or APIKEY (`inbound.auth.apiKey`,
found by the FEEL `inbound.auth.apiKeyLocator`); `activationCondition`,
`correlationKeyExpression`, `resultVariable`, `resultExpression`, `messageIdExpression`
and `messageTtl`. Expressions are FEEL over `request` — `{body, headers, params, method}`,
headers by lower-case name, a JSON body parsed. Secrets (`{{secrets.NAME}}`) are resolved
in every property.

This module decides; the server's `/inbound` endpoint publishes the message it returns.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from regista.connectors.declarations import declarations
from regista.connectors.deliveries import Delivery, EventRefused, deliver, evaluate
from regista.connectors.secrets import SecretError, Secrets
from regista.model.bpmn import Definitions

__all__ = [
    "WEBHOOK",
    "Delivery",
    "Webhook",
    "WebhookRefused",
    "WebhookRequest",
    "find_webhooks",
    "receive",
]

WEBHOOK = "io.camunda:webhook:1"

_ALGORITHMS = {"sha_1": "sha1", "sha_256": "sha256", "sha_512": "sha512"}


WebhookRefused = EventRefused
"""A request the webhook does not take: `status` and a `reason` for the caller."""


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook the deployed models declare."""

    context: str
    process_id: str
    element_id: str
    message_name: str
    starts: bool
    properties: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """What the caller sent."""

    method: str
    headers: Mapping[str, str]
    params: Mapping[str, str]
    body: bytes


def find_webhooks(models: Iterable[tuple[str, Definitions]]) -> dict[str, Webhook]:
    """The webhooks of the latest version of each process, by context path; `models` are
    (process id, definitions) pairs. The first declaration of a context wins."""
    found: dict[str, Webhook] = {}
    for declared in declarations(models, [WEBHOOK]):
        context = declared.properties.get("inbound.context", "").strip("/")
        if context:
            found.setdefault(
                context,
                Webhook(
                    context,
                    declared.process_id,
                    declared.element_id,
                    declared.message_name,
                    declared.starts,
                    declared.properties,
                ),
            )
    return found


def _request_context(request: WebhookRequest) -> dict[str, Any]:
    text = request.body.decode("utf-8", "replace")
    body: Any = text or None
    if text.strip()[:1] in ("{", "["):
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    return {
        "request": {
            "method": request.method.upper(),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "params": dict(request.params),
            "body": body,
        }
    }


def _check_hmac(props: Mapping[str, str], request: WebhookRequest, secrets: Secrets) -> None:
    if props.get("inbound.shouldValidateHmac", "disabled") != "enabled":
        return
    secret = secrets.resolve(props.get("inbound.hmacSecret") or "", "inbound.hmacSecret")
    header = (props.get("inbound.hmacHeader") or "").lower()
    algorithm = _ALGORITHMS.get(props.get("inbound.hmacAlgorithm") or "sha_256")
    if not secret or not header or algorithm is None:
        raise WebhookRefused(500, "the webhook's HMAC settings are incomplete")
    sent = {k.lower(): v for k, v in request.headers.items()}.get(header)
    if not sent:
        raise WebhookRefused(401, f"the HMAC signature header {header!r} is missing")
    digest = hmac.new(str(secret).encode(), request.body, algorithm)
    signature = sent.split("=", 1)[1] if "=" in sent and not sent.endswith("=") else sent
    candidates = (digest.hexdigest(), base64.b64encode(digest.digest()).decode())
    if not any(hmac.compare_digest(signature.strip(), c) for c in candidates):
        raise WebhookRefused(401, "the HMAC signature does not match the body")


def _check_auth(
    props: Mapping[str, str], request: WebhookRequest, context: Mapping[str, Any], secrets: Secrets
) -> None:
    kind = (props.get("inbound.auth.type") or "NONE").upper()
    if kind == "NONE":
        return
    headers = {k.lower(): v for k, v in request.headers.items()}
    if kind == "BASIC":
        username = secrets.resolve(
            props.get("inbound.auth.username") or "", "inbound.auth.username"
        )
        password = secrets.resolve(
            props.get("inbound.auth.password") or "", "inbound.auth.password"
        )
        expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        if not hmac.compare_digest(headers.get("authorization", ""), expected):
            raise WebhookRefused(401, "basic credentials are missing or wrong")
        return
    if kind == "APIKEY":
        key = str(secrets.resolve(props.get("inbound.auth.apiKey") or "", "inbound.auth.apiKey"))
        locator = props.get("inbound.auth.apiKeyLocator")
        given = evaluate(locator, context, "inbound.auth.apiKeyLocator") if locator else None
        if given is None:
            given = headers.get("x-api-key")
        if not key or not hmac.compare_digest(str(given or ""), key):
            raise WebhookRefused(401, "the API key is missing or wrong")
        return
    raise WebhookRefused(500, f"the webhook's authorisation type {kind!r} is not supported")


def receive(webhook: Webhook, request: WebhookRequest, secrets: Secrets) -> Delivery:
    """Check `request` against the webhook and make the message it becomes, or raise
    `WebhookRefused`."""
    props = webhook.properties
    method = (props.get("inbound.method") or "any").lower()
    if method != "any" and method != request.method.lower():
        raise WebhookRefused(405, f"this webhook takes {method.upper()} requests")
    try:
        _check_hmac(props, request, secrets)
        context = _request_context(request)
        _check_auth(props, request, context, secrets)
    except SecretError as exc:
        raise WebhookRefused(500, str(exc)) from None
    return deliver(
        props, context, message_name=webhook.message_name, starts=webhook.starts, event="request"
    )
