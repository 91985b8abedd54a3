"""Alerts: who is told of what, queued in the transaction of the event that causes them.

Subscriptions (`alert_subscriptions`) name an event kind and a channel: a webhook URL
(a JSON POST signed with HMAC-SHA256) or an e-mail address. When an event of that kind
commits, one delivery row per subscription is written in the same transaction (the alert
outbox, `alert_deliveries`), so an alert is never lost and never sent for something that
rolled back; `regista.runtime.dispatcher` sends the deliveries, retrying with exponential
back-off until they are delivered.

Event kinds: `sla_breach` (every SLA target missed), `task_overdue` (a user task's due
date passed), `incident_raised` (every incident) and `instance_failed` (an instance
stopped by its first incident: its status turned to incident).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from regista.engine.state import InstanceState, Status
from regista.runtime.errors import RequestError
from regista.runtime.ids import IdSource
from regista.store import AlertDelivery, AlertSubscription, NewEvent, Transaction

__all__ = [
    "CHANNELS",
    "INCIDENT_RAISED",
    "INSTANCE_FAILED",
    "KINDS",
    "SLA_BREACH",
    "TASK_OVERDUE",
    "check_subscription",
    "enqueue",
    "observe",
]

SLA_BREACH = "sla_breach"
TASK_OVERDUE = "task_overdue"
INCIDENT_RAISED = "incident_raised"
INSTANCE_FAILED = "instance_failed"
KINDS = (SLA_BREACH, TASK_OVERDUE, INCIDENT_RAISED, INSTANCE_FAILED)
CHANNELS = ("webhook", "email")


def check_subscription(event_kind: str, channel: str, target: str) -> None:
    """Refuse (`RequestError`) a subscription that could never be delivered."""
    if event_kind not in KINDS:
        raise RequestError(
            f"unknown alert event kind {event_kind!r}; use one of: {', '.join(KINDS)}"
        )
    if channel == "webhook":
        if not target.startswith(("http://", "https://")):
            raise RequestError(f"the webhook target {target!r} is not an http:// or https:// URL")
    elif channel == "email":
        if "@" not in target or any(c.isspace() for c in target.strip()):
            raise RequestError(f"the e-mail target {target!r} is not an e-mail address")
    else:
        raise RequestError(f"unknown alert channel {channel!r}; use webhook or email")


def enqueue(
    tx: Transaction,
    ids: IdSource,
    now: dt.datetime,
    event_kind: str,
    payload: Mapping[str, Any],
    subscriptions: Iterable[AlertSubscription] | None = None,
) -> int:
    """Queue one delivery of `payload` per subscription of `event_kind`; returns how many."""
    found = tx.alert_subscriptions(event_kind) if subscriptions is None else subscriptions
    count = 0
    for subscription in found:
        delivery_id = ids()
        body = {"id": delivery_id, "kind": event_kind, "at": now.isoformat(), **payload}
        tx.insert_alert_delivery(
            AlertDelivery(
                id=delivery_id,
                subscription_id=subscription.id,
                event_kind=event_kind,
                channel=subscription.channel,
                target=subscription.target,
                secret=subscription.secret,
                payload=body,
                status="pending",
                attempts=0,
                due_at=now,
                lease_owner=None,
                last_error=None,
                created_at=now,
                delivered_at=None,
            )
        )
        count += 1
    return count


def observe(
    tx: Transaction,
    ids: IdSource,
    now: dt.datetime,
    *,
    definition_id: str,
    state: InstanceState,
    events: Iterable[NewEvent],
) -> int:
    """Queue the alerts the events of one instance's command call for (incidents raised,
    the instance failed); returns how many deliveries were queued."""
    raised = [event for event in events if event.kind == "incident_raised"]
    if not raised:
        return 0
    base = {
        "instance_id": state.id,
        "process_id": state.process_id,
        "definition_id": definition_id,
    }
    count = 0
    for event in raised:
        count += enqueue(
            tx,
            ids,
            now,
            INCIDENT_RAISED,
            {
                **base,
                "element_id": event.element_id,
                "element_instance_id": event.element_instance_id,
                "incident_id": event.data.get("incident_id"),
                "message": event.data.get("message"),
                "error_type": event.data.get("error_type"),
            },
        )
    # the instance failed when every incident it has was raised by this command
    if state.status == Status.INCIDENT and len(state.incidents) <= len(raised):
        first = raised[0]
        count += enqueue(
            tx,
            ids,
            now,
            INSTANCE_FAILED,
            {
                **base,
                "element_id": first.element_id,
                "incident_id": first.data.get("incident_id"),
                "message": first.data.get("message"),
            },
        )
    return count
