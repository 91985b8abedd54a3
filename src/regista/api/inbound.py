"""Inbound webhooks: `/inbound/{context}` turns a request into the message the deployed
model's webhook declares (`regista.connectors.webhooks`): it starts an instance at a
message start event or reaches one waiting at a catch event, receive task or boundary
event. The caller is verified as the model says (HMAC over the body, basic credentials or
an API key), not by Regista's own users: third parties call webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from regista.api.context import services
from regista.api.problems import ApiError
from regista.connectors import Secrets
from regista.connectors.webhooks import WebhookRefused, WebhookRequest, find_webhooks, receive
from regista.runtime.errors import DuplicateMessage

__all__ = ["router"]

router = APIRouter(tags=["Inbound webhooks"])


class WebhookAnswer(BaseModel):
    messageKey: str
    processInstanceKeys: list[str]
    buffered: bool


async def _receive(request: Request, context: str) -> WebhookAnswer:
    found = services(request)
    client = found.client
    secrets: Secrets = getattr(request.app.state, "secrets", None) or Secrets()
    with client.store.transaction(write=False) as tx:
        models = client.shell.models.latest_models(tx)
    webhooks = find_webhooks((m.process_id, m.definitions) for m in models)
    webhook = webhooks.get(context.strip("/"))
    if webhook is None:
        raise ApiError(404, f"no deployed process has a webhook with the context {context!r}")
    body = await request.body()
    incoming = WebhookRequest(
        request.method, dict(request.headers), dict(request.query_params), body
    )
    try:
        delivery = receive(webhook, incoming, secrets)
    except WebhookRefused as exc:
        raise ApiError(exc.status, secrets.redact(exc.reason)) from None
    try:
        done = client.shell.correlate(
            delivery.message_name,
            delivery.correlation_key,
            delivery.variables,
            ttl=delivery.ttl,
            message_id=delivery.message_id,
            actor=f"webhook {webhook.context}",
        )
    except DuplicateMessage as exc:
        raise ApiError(409, str(exc)) from None
    if not done.instance_ids and done.buffered_id is None:
        raise ApiError(
            404,
            f"no process instance waits for the message {delivery.message_name!r} with the "
            f"key {delivery.correlation_key!r}",
        )
    return WebhookAnswer(
        messageKey=done.key,
        processInstanceKeys=list(done.instance_ids),
        buffered=done.buffered_id is not None,
    )


def _endpoint(method: str) -> Any:
    async def endpoint(request: Request, context: str) -> WebhookAnswer:
        return await _receive(request, context)

    endpoint.__name__ = f"webhook_{method.lower()}"
    return endpoint


for _method in ("POST", "PUT", "PATCH", "GET", "DELETE"):
    router.add_api_route(
        "/inbound/{context:path}",
        _endpoint(_method),
        methods=[_method],
        response_model=WebhookAnswer,
        summary=f"Call a webhook a deployed model declares ({_method})",
        operation_id=f"webhook_{_method.lower()}",
        responses={
            401: {"description": "The signature or credentials the webhook asks for are wrong"},
            405: {"description": "The webhook takes another method"},
            422: {"description": "The request does not meet the webhook's condition"},
        },
    )
