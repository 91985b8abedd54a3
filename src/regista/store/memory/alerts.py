"""The SLA and alert operations of the memory store (`AlertTransaction`), a part of
`MemoryTransaction`: rows in `Tables.alerts`, changed through the journal."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from regista.store.alerts import (
    AlertDelivery,
    AlertSubscription,
    AlertTransaction,
    Keyset,
    SlaBreach,
)
from regista.store.errors import DuplicateKey
from regista.store.memory.tables import AlertTables, Journal, copy_json
from regista.store.records import Timer
from regista.store.values import utc

__all__ = ["MemoryAlerts"]

_START: Keyset = (datetime(1970, 1, 1, tzinfo=UTC), "")


def _after(key: tuple[datetime, str], after: Keyset | None) -> bool:
    start = after or _START
    return key > (utc(start[0]), start[1])


class MemoryAlerts(AlertTransaction):
    """SLA targets and breaches, alert subscriptions and deliveries of the memory store."""

    journal: Journal

    @property
    def _alert_rows(self) -> AlertTables:
        return self.journal.tables.alerts

    def sla_targets(self, definition_id: str) -> dict[str, float]:
        self.journal.check()
        return {
            e: s for (d, e), s in sorted(self._alert_rows.targets.items()) if d == definition_id
        }

    def set_sla_targets(self, definition_id: str, targets: dict[str, float]) -> None:
        self.journal.check(write=True)
        for key in [k for k in self._alert_rows.targets if k[0] == definition_id]:
            self.journal.delete(self._alert_rows.targets, key)
        for element_id, seconds in targets.items():
            self.journal.set(self._alert_rows.targets, (definition_id, element_id), float(seconds))

    def insert_sla_breach(self, breach: SlaBreach) -> None:
        self.journal.check(write=True)
        if breach.id in self._alert_rows.breaches:
            raise DuplicateKey(f"a row with the same key already exists (breach {breach.id!r})")
        self.journal.set(self._alert_rows.breaches, breach.id, breach)

    def sla_breaches(
        self,
        *,
        process_id: str | None = None,
        instance_id: str | None = None,
        after: Keyset | None = None,
        limit: int = 100,
    ) -> list[SlaBreach]:
        self.journal.check()
        found = sorted(
            (
                b
                for b in self._alert_rows.breaches.values()
                if (process_id is None or b.process_id == process_id)
                and (instance_id is None or b.instance_id == instance_id)
                and _after((b.breached_at, b.id), after)
            ),
            key=lambda b: (b.breached_at, b.id),
        )
        return found[:limit]

    def open_sla_timers(self, *, after: Keyset, limit: int) -> list[Timer]:
        self.journal.check()
        found = sorted(
            (
                t
                for t in self.journal.tables.timers.values()
                if t.id.startswith("sla:") and _after((t.due_at, t.id), after)
            ),
            key=lambda t: (t.due_at, t.id),
        )
        return found[:limit]

    def insert_alert_subscription(self, subscription: AlertSubscription) -> None:
        self.journal.check(write=True)
        if subscription.id in self._alert_rows.subscriptions:
            raise DuplicateKey(f"an alert subscription {subscription.id!r} exists already")
        self.journal.set(self._alert_rows.subscriptions, subscription.id, subscription)

    def alert_subscriptions(self, event_kind: str | None = None) -> list[AlertSubscription]:
        self.journal.check()
        found = (
            s
            for s in self._alert_rows.subscriptions.values()
            if event_kind is None or s.event_kind == event_kind
        )
        return sorted(found, key=lambda s: (s.event_kind, s.id))

    def delete_alert_subscription(self, subscription_id: str) -> bool:
        self.journal.check(write=True)
        return self.journal.delete(self._alert_rows.subscriptions, subscription_id) is not None

    def insert_alert_delivery(self, delivery: AlertDelivery) -> None:
        self.journal.check(write=True)
        if delivery.id in self._alert_rows.deliveries:
            raise DuplicateKey(f"an alert delivery {delivery.id!r} exists already")
        row = replace(
            delivery,
            payload=copy_json(delivery.payload, "alert payload"),
            status="pending",
            attempts=0,
            due_at=utc(delivery.due_at),
            created_at=utc(delivery.created_at),
        )
        self.journal.set(self._alert_rows.deliveries, delivery.id, row)

    def claim_alert_deliveries(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[AlertDelivery]:
        self.journal.check(write=True)
        due = sorted(
            (
                d
                for d in self._alert_rows.deliveries.values()
                if d.status == "pending" and d.due_at <= utc(now)
            ),
            key=lambda d: (d.due_at, d.id),
        )[:limit]
        until = utc(now) + timedelta(seconds=lease_seconds)
        claimed = []
        for d in due:
            row = replace(d, attempts=d.attempts + 1, due_at=until, lease_owner=worker_id)
            self.journal.set(self._alert_rows.deliveries, d.id, row)
            claimed.append(row)
        return sorted(claimed, key=lambda d: (d.created_at, d.id))

    def _current(self, delivery_id: str, attempt: int) -> AlertDelivery | None:
        self.journal.check(write=True)
        row = self._alert_rows.deliveries.get(delivery_id)
        if row is None or row.status != "pending" or row.attempts != attempt:
            return None
        return row

    def alert_delivered(self, delivery_id: str, *, attempt: int, now: datetime) -> bool:
        row = self._current(delivery_id, attempt)
        if row is None:
            return False
        done = replace(
            row, status="delivered", delivered_at=utc(now), lease_owner=None, last_error=None
        )
        self.journal.set(self._alert_rows.deliveries, delivery_id, done)
        return True

    def alert_failed(self, delivery_id: str, *, attempt: int, error: str, due_at: datetime) -> bool:
        row = self._current(delivery_id, attempt)
        if row is None:
            return False
        again = replace(row, due_at=utc(due_at), lease_owner=None, last_error=error[:2000])
        self.journal.set(self._alert_rows.deliveries, delivery_id, again)
        return True

    def alert_deliveries(
        self, *, after: Keyset | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        self.journal.check()
        found = sorted(
            (
                d
                for d in self._alert_rows.deliveries.values()
                if _after((d.created_at, d.id), after)
            ),
            key=lambda d: (d.created_at, d.id),
        )
        return found[:limit]

    def next_alert_due(self) -> datetime | None:
        self.journal.check()
        pending = [d.due_at for d in self._alert_rows.deliveries.values() if d.status == "pending"]
        return min(pending, default=None)

    def purge_alert_deliveries(self, *, delivered_before: datetime) -> int:
        self.journal.check(write=True)
        table = self._alert_rows.deliveries
        before = utc(delivered_before)
        doomed = [
            key
            for key, row in table.items()
            if row.delivered_at is not None and row.delivered_at < before
        ]
        for key in doomed:
            self.journal.delete(table, key)
        return len(doomed)
