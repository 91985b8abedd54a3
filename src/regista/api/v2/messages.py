"""Messages and signals: `POST /v2/messages/publication` (kept for its time to live when
nobody waits yet; a `messageId` published again while the first lives is a 409),
`POST /v2/messages/correlation` (correlated now or 404, never kept) and
`POST /v2/signals/broadcast`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Messenger, client_of
from regista.api.v2.search import Model
from regista.runtime.errors import DuplicateMessage

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Messages", "Signals"])


class MessagePublication(Model):
    name: str = Field(min_length=1)
    correlationKey: str | None = None
    # at most ten years: a longer one would overflow the clock (a 500 instead of a 400)
    timeToLive: int = Field(
        default=0, ge=0, le=10 * 366 * 24 * 3600 * 1000, description="ms to keep the message"
    )
    messageId: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    tenantId: str | None = None


class PublishedMessage(BaseModel):
    messageKey: str
    tenantId: str = TENANT


@router.post(
    "/messages/publication",
    response_model=PublishedMessage,
    summary="Publish a message",
    responses={409: {"description": "A message with this messageId still lives"}},
)
def publish(request: Request, body: MessagePublication, principal: Messenger) -> PublishedMessage:
    client = client_of(request)
    try:
        found = client.shell.correlate(
            body.name,
            body.correlationKey or None,
            body.variables,
            ttl=dt.timedelta(milliseconds=body.timeToLive),
            message_id=body.messageId or None,
            actor=principal.username,
        )
    except DuplicateMessage as exc:
        raise ApiError(409, str(exc)) from exc
    return PublishedMessage(messageKey=found.key)


class MessageCorrelation(Model):
    name: str = Field(min_length=1)
    correlationKey: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    tenantId: str | None = None


class CorrelatedMessage(BaseModel):
    messageKey: str
    processInstanceKey: str
    tenantId: str = TENANT


@router.post(
    "/messages/correlation",
    response_model=CorrelatedMessage,
    summary="Correlate a message now (not kept when nobody takes it)",
    responses={404: {"description": "No instance waits for it and no start event takes it"}},
)
def correlate(
    request: Request, body: MessageCorrelation, principal: Messenger
) -> CorrelatedMessage:
    found = client_of(request).shell.correlate(
        body.name,
        body.correlationKey or None,
        body.variables,
        ttl=dt.timedelta(0),
        actor=principal.username,
    )
    if not found.instance_ids:
        key = f" and correlation key {body.correlationKey!r}" if body.correlationKey else ""
        raise ApiError(
            404,
            f"no process instance waits for the message {body.name!r}{key}, and no process "
            "starts with it",
        )
    return CorrelatedMessage(messageKey=found.key, processInstanceKey=found.instance_ids[0])


class SignalBroadcast(Model):
    signalName: str = Field(min_length=1)
    variables: dict[str, Any] = Field(default_factory=dict)
    tenantId: str | None = None


class BroadcastSignal(BaseModel):
    signalKey: str
    tenantId: str = TENANT


@router.post("/signals/broadcast", response_model=BroadcastSignal, summary="Broadcast a signal")
def broadcast(request: Request, body: SignalBroadcast, principal: Messenger) -> BroadcastSignal:
    client = client_of(request)
    client.shell.signal(body.signalName, body.variables, actor=principal.username)
    return BroadcastSignal(signalKey=client.shell.ids())
