"""SLA targets and breaches, alert subscriptions and the outbox of alert deliveries, as the
store keeps them (the runtime's `regista.runtime.sla` and `regista.runtime.alerts` decide
what they mean). SLA deadlines themselves are timers whose id starts with `sla:`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from regista.store.records import Timer

__all__ = [
    "AlertDelivery",
    "AlertSubscription",
    "AlertTransaction",
    "Keyset",
    "SlaBreach",
]

#: A keyset page's start: the (time, id) of the last row of the previous page.
Keyset = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class SlaBreach:
    """A target missed: `kind` is `instance` (the instance's duration), `element` (a
    step's) or `task_due` (a user task's due date); the element is the process for an
    instance."""

    id: str
    instance_id: str
    process_id: str
    definition_id: str
    element_id: str
    element_instance_id: str
    kind: str
    started_at: datetime
    due_at: datetime
    breached_at: datetime


@dataclass(frozen=True, slots=True)
class AlertSubscription:
    """Whom to tell of events of `event_kind`: a webhook URL (signed with `secret`) or an
    e-mail address."""

    id: str
    event_kind: str
    channel: Literal["webhook", "email"]
    target: str
    secret: str | None
    created_at: datetime
    created_by: str | None


@dataclass(frozen=True, slots=True)
class AlertDelivery:
    """One alert to send to one subscriber, kept until delivered; `attempts` counts the
    claims (and fences a sender whose lease ran out), `due_at` is when to try next."""

    id: str
    subscription_id: str
    event_kind: str
    channel: str
    target: str
    secret: str | None
    payload: dict[str, Any]
    status: Literal["pending", "delivered"]
    attempts: int
    due_at: datetime
    lease_owner: str | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class AlertTransaction(Protocol):
    """The SLA and alert operations of a transaction (a part of `Transaction`)."""

    def sla_targets(self, definition_id: str) -> dict[str, float]:
        """The targets set through the API for a definition version: element id (the
        process id for the instance) -> seconds."""
        ...

    def set_sla_targets(self, definition_id: str, targets: dict[str, float]) -> None:
        """Replace the targets set through the API for a definition version."""
        ...

    def insert_sla_breach(self, breach: SlaBreach) -> None: ...

    def sla_breaches(
        self,
        *,
        process_id: str | None = None,
        instance_id: str | None = None,
        after: Keyset | None = None,
        limit: int = 100,
    ) -> list[SlaBreach]:
        """Breaches in the order they happened, after the keyset `after`."""
        ...

    def open_sla_timers(self, *, after: Keyset, limit: int) -> list[Timer]:
        """The SLA deadlines (timers `sla:...`) due after `after`, earliest first."""
        ...

    def insert_alert_subscription(self, subscription: AlertSubscription) -> None: ...

    def alert_subscriptions(self, event_kind: str | None = None) -> list[AlertSubscription]:
        """The subscriptions (of one event kind), by kind and id (they are few)."""
        ...

    def delete_alert_subscription(self, subscription_id: str) -> bool: ...

    def insert_alert_delivery(self, delivery: AlertDelivery) -> None:
        """Queue a delivery (pending, no attempt yet, due at `due_at`)."""
        ...

    def claim_alert_deliveries(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[AlertDelivery]:
        """Lease due pending deliveries: each counts an attempt and is due again when the
        lease runs out, so one whose sender died is sent again."""
        ...

    def alert_delivered(self, delivery_id: str, *, attempt: int, now: datetime) -> bool:
        """Mark a delivery done; False if `attempt` is no longer its latest claim."""
        ...

    def alert_failed(self, delivery_id: str, *, attempt: int, error: str, due_at: datetime) -> bool:
        """Record a failed attempt and when to try again (the delivery stays pending)."""
        ...

    def alert_deliveries(
        self, *, after: Keyset | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        """Deliveries in the order they were queued."""
        ...

    def next_alert_due(self) -> datetime | None:
        """When the earliest pending delivery is due."""
        ...

    def purge_alert_deliveries(self, *, delivered_before: datetime) -> int:
        """Remove the deliveries delivered before then; returns how many."""
        ...
