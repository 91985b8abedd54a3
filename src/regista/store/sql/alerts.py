"""The SLA and alert operations of the SQL stores (`AlertTransaction`), a part of
`SqlTransaction`: named statements of `alerts.sql`, rows mapped to records here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from regista.store.alerts import (
    AlertDelivery,
    AlertSubscription,
    AlertTransaction,
    Keyset,
    SlaBreach,
)
from regista.store.records import Timer
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession
from regista.store.values import aware

__all__ = ["SqlAlerts"]

#: The keyset before every row.
_START: Keyset = (datetime(1970, 1, 1, tzinfo=UTC), "")


class SqlAlerts(AlertTransaction):
    """SLA targets, breaches, alert subscriptions and deliveries over the `SqlSession`."""

    session: SqlSession

    def _keyset(self, after: Keyset | None) -> dict[str, Any]:
        at, key = after or _START
        return {"after_at": self.session.codec.ts(aware(at)), "after_id": key}

    def sla_targets(self, definition_id: str) -> dict[str, float]:
        rows = self.session.all("sla_targets_of", definition_id=definition_id)
        return {r["element_id"]: float(r["seconds"]) for r in rows}

    def set_sla_targets(self, definition_id: str, targets: dict[str, float]) -> None:
        s = self.session
        s.write("sla_targets_clear", definition_id=definition_id)
        for element_id, seconds in sorted(targets.items()):
            s.write(
                "sla_target_insert",
                definition_id=definition_id,
                element_id=element_id,
                seconds=float(seconds),
            )

    def insert_sla_breach(self, breach: SlaBreach) -> None:
        c = self.session.codec
        self.session.write(
            "sla_breach_insert",
            id=breach.id,
            instance_id=breach.instance_id,
            process_id=breach.process_id,
            definition_id=breach.definition_id,
            element_id=breach.element_id,
            element_instance_id=breach.element_instance_id,
            kind=breach.kind,
            started_at=c.ts(breach.started_at),
            due_at=c.ts(breach.due_at),
            breached_at=c.ts(breach.breached_at),
        )

    def _breach(self, r: Row) -> SlaBreach:
        c = self.session.codec
        return SlaBreach(
            id=r["id"],
            instance_id=r["instance_id"],
            process_id=r["process_id"],
            definition_id=r["definition_id"],
            element_id=r["element_id"],
            element_instance_id=r["element_instance_id"],
            kind=r["kind"],
            started_at=c.ts_out(r["started_at"]),
            due_at=c.ts_out(r["due_at"]),
            breached_at=c.ts_out(r["breached_at"]),
        )

    def sla_breaches(
        self,
        *,
        process_id: str | None = None,
        instance_id: str | None = None,
        after: Keyset | None = None,
        limit: int = 100,
    ) -> list[SlaBreach]:
        page = {**self._keyset(after), "limit": limit}
        if instance_id is not None:
            rows = self.session.all("sla_breaches_of_instance", instance_id=instance_id, **page)
        elif process_id is not None:
            rows = self.session.all("sla_breaches_of_process", process_id=process_id, **page)
        else:
            rows = self.session.all("sla_breaches_page", **page)
        found = [self._breach(r) for r in rows]
        if instance_id is not None and process_id is not None:
            found = [b for b in found if b.process_id == process_id]
        return found

    def open_sla_timers(self, *, after: Keyset, limit: int) -> list[Timer]:
        rows = self.session.all("sla_timers_open", limit=limit, **self._keyset(after))
        return [self.session.rows.timer(r) for r in rows]

    def insert_alert_subscription(self, subscription: AlertSubscription) -> None:
        self.session.write(
            "alert_subscription_insert",
            id=subscription.id,
            event_kind=subscription.event_kind,
            channel=subscription.channel,
            target=subscription.target,
            secret=subscription.secret,
            created_at=self.session.codec.ts(subscription.created_at),
            created_by=subscription.created_by,
        )

    def alert_subscriptions(self, event_kind: str | None = None) -> list[AlertSubscription]:
        s = self.session
        if event_kind is None:
            rows = s.all("alert_subscriptions_all")
        else:
            rows = s.all("alert_subscriptions_of", event_kind=event_kind)
        return [
            AlertSubscription(
                id=r["id"],
                event_kind=r["event_kind"],
                channel=r["channel"],
                target=r["target"],
                secret=r["secret"],
                created_at=s.codec.ts_out(r["created_at"]),
                created_by=r["created_by"],
            )
            for r in rows
        ]

    def delete_alert_subscription(self, subscription_id: str) -> bool:
        return self.session.change("alert_subscription_delete", id=subscription_id) > 0

    def insert_alert_delivery(self, delivery: AlertDelivery) -> None:
        c = self.session.codec
        self.session.write(
            "alert_delivery_insert",
            id=delivery.id,
            subscription_id=delivery.subscription_id,
            event_kind=delivery.event_kind,
            channel=delivery.channel,
            target=delivery.target,
            secret=delivery.secret,
            payload=c.json(delivery.payload, "alert payload"),
            due_at=c.ts(delivery.due_at),
            created_at=c.ts(delivery.created_at),
        )

    def _delivery(self, r: Row) -> AlertDelivery:
        c = self.session.codec
        return AlertDelivery(
            id=r["id"],
            subscription_id=r["subscription_id"],
            event_kind=r["event_kind"],
            channel=r["channel"],
            target=r["target"],
            secret=r["secret"],
            payload=c.json_out(r["payload"]),
            status=r["status"],
            attempts=int(r["attempts"]),
            due_at=c.ts_out(r["due_at"]),
            lease_owner=r["lease_owner"],
            last_error=r["last_error"],
            created_at=c.ts_out(r["created_at"]),
            delivered_at=c.ts_opt(r["delivered_at"]),
        )

    def claim_alert_deliveries(
        self, worker_id: str, *, now: datetime, limit: int, lease_seconds: float
    ) -> list[AlertDelivery]:
        c = self.session.codec
        rows = self.session.all(
            "alert_delivery_claim",
            write=True,
            worker_id=worker_id,
            now=c.ts(aware(now)),
            lease_until=c.ts(aware(now) + timedelta(seconds=lease_seconds)),
            limit=limit,
        )
        found = [self._delivery(r) for r in rows]
        found.sort(key=lambda d: (d.created_at, d.id))
        return found

    def alert_delivered(self, delivery_id: str, *, attempt: int, now: datetime) -> bool:
        s = self.session
        return (
            s.change("alert_delivery_done", id=delivery_id, attempt=attempt, now=s.codec.ts(now))
            > 0
        )

    def alert_failed(self, delivery_id: str, *, attempt: int, error: str, due_at: datetime) -> bool:
        s = self.session
        changed = s.change(
            "alert_delivery_failed",
            id=delivery_id,
            attempt=attempt,
            error=error[:2000],
            due_at=s.codec.ts(due_at),
        )
        return changed > 0

    def alert_deliveries(
        self, *, after: Keyset | None = None, limit: int = 100
    ) -> list[AlertDelivery]:
        rows = self.session.all("alert_deliveries_page", limit=limit, **self._keyset(after))
        return [self._delivery(r) for r in rows]

    def next_alert_due(self) -> datetime | None:
        row = self.session.one("alert_delivery_next_due")
        if row is None or row["due_at"] is None:
            return None
        return self.session.codec.ts_out(row["due_at"])

    def purge_alert_deliveries(self, *, delivered_before: datetime) -> int:
        s = self.session
        return s.change("alert_deliveries_purge", before=s.codec.ts(aware(delivered_before)))
