"""Timer leases handed back by an engine node that stops.

A node leases due timers before firing them (`Store.claim_timers`) so that nodes sharing a
database never fire the same one. A node that stops gracefully hands back the leases of
the timers it did not fire, so another node fires them at once instead of after the lease
runs out. (Job leases are handed back by `Store.release_leases`.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Store
from regista.store.values import aware

__all__ = ["release_timer_leases"]


def release_timer_leases(store: Store, worker_id: str, *, now: datetime) -> int:
    """Hand back every timer lease `worker_id` holds; returns how many."""
    now = aware(now).astimezone(UTC)
    with store.transaction() as tx:
        sql = sql_access(tx, "leases.sql")
        if sql is not None:
            return sql.change("timer_release_leases", worker_id=worker_id, now=sql.codec.ts(now))
        mtx, tables = memory_tables(tx)
        held = [t for t in tables.timers.values() if t.lease_owner == worker_id and t.due_at <= now]
        for timer in held:
            mtx._set(tables.timers, timer.id, replace(timer, lease_owner=None, lease_until=None))
        return len(held)
