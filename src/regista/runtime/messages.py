"""Messages and signals over the store: correlation, buffering, start events, broadcast.

A message has a name and a correlation key (text, or none). Publishing it correlates it
with the oldest subscription that waits for it (the rule and the locks that keep publisher
and subscriber from missing each other: `regista.runtime.keys`) — at most one instance
consumes a message — else starts the processes with a message start event of that name,
else keeps it for its time to live. A subscription opened later takes a kept message it
matches by the same rule, in the transaction that opens it (`UnitOfWork`).

A signal reaches every subscription waiting for it when it is broadcast (locked in instance
id order, so two broadcasts never wait on each other) and starts the processes with a
signal start event of that name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regista.engine import (
    RUNNING,
    CorrelateMessage,
    TriggerSignal,
    encode_value,
)
from regista.runtime.errors import DuplicateMessage, NotFoundError, RequestError
from regista.runtime.keys import lock_correlation, matching_keys
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import NewMessage, NotFound

__all__ = ["Correlation", "broadcast", "deliver", "publish"]


@dataclass(frozen=True, slots=True)
class Correlation:
    """What publishing a message did: the instances it reached (correlated or started),
    and the id of the buffered message when nobody took it yet."""

    instance_ids: tuple[str, ...]
    started: bool = False
    buffered_id: str | None = None
    key: str = ""
    """The message's key: the id of the kept message, else one of its own."""


def publish(
    uow: UnitOfWork,
    name: str,
    key: str | None,
    variables: Mapping[str, Any],
    *,
    ttl: dt.timedelta | None = None,
    unique: bool | None = None,
    message_id: str | None = None,
    dedupe: dt.timedelta | None = None,
) -> Correlation:
    """Correlate, start or buffer the message (see the module docstring). A message with
    a `message_id` is refused (`DuplicateMessage`) while one of the same name, key and id
    published before lives (its time to live), or for `dedupe` after it, whichever is
    longer: a broker that redelivers what was committed but not acknowledged is told so."""
    tx = uow.tx
    lock_correlation(tx, name, key)
    ttl = uow.options.message_ttl if ttl is None else ttl
    remembered = max(ttl, dedupe or dt.timedelta(0))
    message_key = uow.ids()
    if (
        message_id is not None
        and remembered > dt.timedelta(0)
        and not tx.claim_message_id(
            name,
            key,
            message_id,
            message_key=message_key,
            expires_at=uow.now + remembered,
            now=uow.now,
        )
    ):
        raise DuplicateMessage(
            f"a message {name!r} with the id {message_id!r} and this correlation key was "
            "already published and lives until its time to live runs out"
        )
    keys = matching_keys(key)
    subscription = tx.find_subscription(name, keys)
    while subscription is not None:
        try:
            loaded = uow.load(subscription.instance_id)
        except NotFound:
            loaded = None
        if loaded is None or subscription.id not in loaded.state.waits:
            tx.delete_subscription(subscription.id)  # left behind: its wait is gone
            subscription = tx.find_subscription(name, keys)
            continue
        uow.record(
            loaded,
            "message_correlated",
            command="CorrelateMessage",
            element_id=subscription.element_id,
            element_instance_id=subscription.element_instance_id,
            data={"name": name, "correlation_key": key, "subscription_id": subscription.id},
        )
        uow.apply(loaded, CorrelateMessage(subscription.id, dict(variables)))
        return Correlation((loaded.id,), key=message_key)
    unique = uow.options.unique_message_start if unique is None else unique
    started: list[str] = []
    for model, start_event_id in uow.models.starts(tx, "message", name):
        if unique and key is not None:
            tx.lock_key("message-start", f"{model.process_id}\x1f{key}")
            if _has_live_instance(uow, model.process_id, key):
                continue
        loaded = uow.start(model, dict(variables), business_key=key, start_event_id=start_event_id)
        uow.record(
            loaded,
            "message_correlated",
            command="StartInstance",
            element_id=start_event_id,
            data={"name": name, "correlation_key": key, "start_event": start_event_id},
        )
        started.append(loaded.id)
    if started:
        return Correlation(tuple(started), started=True, key=message_key)
    if ttl <= dt.timedelta(0):
        return Correlation((), key=message_key)
    kept = NewMessage(
        id=message_key,
        name=name,
        correlation_key=key,
        variables=encode_value(dict(variables)),
        expires_at=uow.now + ttl,
    )
    message = tx.buffer_message(kept, now=uow.now)
    return Correlation((), buffered_id=message.id, key=message.id)


def _has_live_instance(uow: UnitOfWork, process_id: str, key: str) -> bool:
    for status in RUNNING:
        found = uow.tx.list_instances(
            process_id=process_id, business_key=key, status=status, limit=1
        )
        if found:
            return True
    return any(
        loaded.state.process_id == process_id
        and loaded.state.business_key == key
        and loaded.state.status in RUNNING
        for loaded in uow.instances.values()
    )


def broadcast(uow: UnitOfWork, name: str, variables: Mapping[str, Any]) -> list[str]:
    """Deliver the signal to every subscription and start the signal start events;
    returns the instances reached."""
    reached: list[str] = []
    subscriptions = sorted(uow.tx.signal_subscriptions(name), key=lambda s: (s.instance_id, s.id))
    for subscription in subscriptions:
        try:
            loaded = uow.load(subscription.instance_id)
        except NotFound:
            continue
        if subscription.id not in loaded.state.waits:
            continue  # an earlier delivery closed it
        uow.record(
            loaded,
            "signal_received",
            command="TriggerSignal",
            element_id=subscription.element_id,
            element_instance_id=subscription.element_instance_id,
            data={"name": name, "subscription_id": subscription.id},
        )
        if uow.apply(loaded, TriggerSignal(subscription.id, dict(variables)), strict=False):
            reached.append(loaded.id)
    for model, start_event_id in uow.models.starts(uow.tx, "signal", name):
        loaded = uow.start(model, dict(variables), start_event_id=start_event_id)
        uow.record(
            loaded,
            "signal_received",
            command="StartInstance",
            element_id=start_event_id,
            data={"name": name, "start_event": start_event_id},
        )
        reached.append(loaded.id)
    return reached


def deliver(uow: UnitOfWork, subscription_id: str, variables: Mapping[str, Any]) -> str:
    """Deliver a message or signal to one subscription, whatever else waits for the same
    name (a test runtime completing the wait at an element); returns its instance id."""
    subscription = uow.tx.get_subscription(subscription_id)
    if subscription is None:
        raise NotFoundError(f"no message or signal subscription {subscription_id!r} is open")
    loaded = uow.load(subscription.instance_id)
    if subscription.id not in loaded.state.waits:
        raise RequestError(f"instance {loaded.id} no longer waits at {subscription.element_id!r}")
    signal = subscription.kind == "signal"
    uow.record(
        loaded,
        "signal_received" if signal else "message_correlated",
        command="TriggerSignal" if signal else "CorrelateMessage",
        element_id=subscription.element_id,
        element_instance_id=subscription.element_instance_id,
        data={"name": subscription.name, "subscription_id": subscription.id},
    )
    command = (
        TriggerSignal(subscription.id, dict(variables))
        if signal
        else CorrelateMessage(subscription.id, dict(variables))
    )
    uow.apply(loaded, command)
    return loaded.id
