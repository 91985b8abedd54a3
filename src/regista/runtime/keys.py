"""Correlation keys and which of them match: the runtime's one place for the rule by which
a message reaches a subscription (the store only filters by the keys it is given).

Keys are text as the store keeps them, so that a key given as a number and the same key
given as text meet. A message reaches the subscriptions of its name waiting for its key or
for no key, and a message without a key reaches any subscription of its name; a
subscription takes a kept message by the same rule (`matching_keys`). The oldest wins.

Publisher and subscriber lock the name and key (`lock_correlation`) before looking at the
other side, so on PostgreSQL neither can commit without the other seeing it: both lock the
message name — shared when they have a key, exclusive when they have none — and then the
name and key. Exactly those that can match each other are serialized: two parties with
different keys only share the name lock and never wait on each other.
"""

from __future__ import annotations

from typing import Any

from regista.feel.values import to_python
from regista.store import Keys, Transaction

__all__ = ["correlation_key", "lock_correlation", "matching_keys"]

_LOCKS = "correlation"


def correlation_key(value: Any) -> str | None:
    """A correlation key as text (`1` and `"1"` match; booleans as `true`/`false`)."""
    if value is None:
        return None
    plain = to_python(value)
    return str(plain).lower() if isinstance(plain, bool) else str(plain)


def matching_keys(key: str | None) -> Keys:
    """The correlation keys that match `key` (a message's or a subscription's): the same
    key or none; any at all when `key` is none."""
    key = key or None
    return None if key is None else (key, None)


def lock_correlation(tx: Transaction, name: str, key: str | None) -> None:
    """Hold the locks of a message name and key until commit (see the module docstring)."""
    key = key or None
    if key is None:
        tx.lock_key(_LOCKS, name)
        return
    tx.lock_key(_LOCKS, name, shared=True)
    tx.lock_key(_LOCKS, f"{name}\x1f{key}")
