"""Which subscription a message reaches, and which kept message a subscription takes.

The same rule as the in-memory runtime: a message reaches the subscriptions of its name
waiting for its correlation key *or for no key*, and a message without a key reaches any
subscription of its name; the oldest such subscription (or kept message) wins. Keys are
text, and None is "no key".

`lock` serializes a publisher and a subscriber that could match each other (PostgreSQL
advisory locks; SQLite and memory run one writer at a time): both lock the message name —
shared when they have a key, exclusive when they have none — and then the name and key.
Two parties with different keys only share the name lock and never wait on each other.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Transaction
from regista.store.records import BufferedMessage, Subscription
from regista.store.sql.base import key_in
from regista.store.values import aware

__all__ = ["find_subscription", "lock", "take_message"]

_FILE = "correlation.sql"


def lock(tx: Transaction, name: str, key: str | None) -> None:
    """Hold the locks of a message name and key until commit (see the module docstring)."""
    key = key or None
    sql = sql_access(tx, _FILE)
    if sql is None or not sql.has("lock_shared"):
        return  # one writer at a time already
    name_lock = f"correlation\x1f{name}"
    if key is None:
        sql.all("lock_exclusive", lock=name_lock)
        return
    sql.all("lock_shared", lock=name_lock)
    sql.all("lock_exclusive", lock=f"{name_lock}\x1f{key}")


def find_subscription(tx: Transaction, name: str, key: str | None) -> Subscription | None:
    """The oldest message subscription a message `name` with `key` reaches."""
    key = key or None
    sql = sql_access(tx, _FILE)
    if sql is not None:
        if key is None:
            row = sql.one("subscription_match_any", name=name)
        else:
            row = sql.one("subscription_match_key", name=name, correlation_key=key_in(key))
        return None if row is None else sql.rows.subscription(row)
    mtx, tables = memory_tables(tx)
    mtx._check()
    found = sorted(
        (
            s
            for s in tables.subscriptions.values()
            if s.kind == "message" and s.name == name and _matches(s.correlation_key, key)
        ),
        key=lambda s: (s.created_at, s.id),
    )
    return found[0] if found else None


def take_message(
    tx: Transaction, name: str, key: str | None, *, consumer: str, now: datetime
) -> BufferedMessage | None:
    """Consume the oldest unexpired kept message `name` that a subscription with `key`
    takes; at most one consumer ever gets a given message."""
    key = key or None
    sql = sql_access(tx, _FILE)
    if sql is not None:
        ts = sql.codec.ts(aware(now))
        if key is None:
            row = sql.one("message_take_any", write=True, name=name, consumer=consumer, now=ts)
        else:
            row = sql.one(
                "message_take_key",
                write=True,
                name=name,
                correlation_key=key_in(key),
                consumer=consumer,
                now=ts,
            )
        return None if row is None else sql.rows.message(row)
    mtx, tables = memory_tables(tx)
    mtx._check(write=True)
    now = aware(now).astimezone(UTC)
    candidates = sorted(
        (
            m
            for m in tables.messages.values()
            if m.name == name
            and _matches(m.correlation_key, key)
            and m.consumed_by is None
            and m.expires_at > now
        ),
        key=lambda m: (m.published_at, m.id),
    )
    if not candidates:
        return None
    taken = replace(candidates[0], consumed_by=consumer, consumed_at=now)
    mtx._set(tables.messages, taken.id, taken)
    return taken


def _matches(one: str | None, other: str | None) -> bool:
    return not one or not other or one == other
