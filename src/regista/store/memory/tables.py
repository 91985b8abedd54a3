"""The tables of the in-memory store, and the journal through which a transaction changes
them: every change records how to undo itself, so a transaction that raises is undone."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from regista.store.alerts import AlertDelivery, AlertSubscription, SlaBreach
from regista.store.decision_instances import DecisionInstance
from regista.store.deployments import Deployment
from regista.store.errors import StoreError
from regista.store.identity import ApiKey, Group, User
from regista.store.records import (
    BufferedMessage,
    Definition,
    HistoryEvent,
    HistoryHead,
    Incident,
    Instance,
    Job,
    Node,
    Subscription,
    Timer,
    UserTask,
)
from regista.store.values import dumps
from regista.store.variables import VariableValue

__all__ = ["AlertTables", "IdentityTables", "Journal", "Tables", "copy_json"]

_K = TypeVar("_K")
_V = TypeVar("_V")
_MISSING: Any = object()


def copy_json(value: Any, what: str) -> Any:
    """`value` through JSON, as a database would keep it: what is not JSON-safe fails here,
    and the store never shares a mutable value with its caller."""
    return json.loads(dumps(value, what))


@dataclass
class IdentityTables:
    """Users by username, groups by id, memberships as (group id, username), keys by id."""

    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    members: dict[tuple[str, str], bool] = field(default_factory=dict)
    api_keys: dict[str, ApiKey] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)


@dataclass
class AlertTables:
    """SLA targets by (definition id, element id), breaches, subscriptions and deliveries
    by id."""

    targets: dict[tuple[str, str], float] = field(default_factory=dict)
    breaches: dict[str, SlaBreach] = field(default_factory=dict)
    subscriptions: dict[str, AlertSubscription] = field(default_factory=dict)
    deliveries: dict[str, AlertDelivery] = field(default_factory=dict)


@dataclass
class Tables:
    """The rows of the store by id (instance states as JSON text beside their rows)."""

    definitions: dict[str, Definition] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    timers: dict[str, Timer] = field(default_factory=dict)
    user_tasks: dict[str, UserTask] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    messages: dict[str, BufferedMessage] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    history: dict[str, list[HistoryEvent]] = field(default_factory=dict)
    history_heads: dict[str, HistoryHead] = field(default_factory=dict)
    """The head of each instance's chain, moved with every append (what `verify` compares)."""
    nodes: dict[str, Node] = field(default_factory=dict)
    message_ids: dict[tuple[str, str, str], tuple[str, datetime]] = field(default_factory=dict)
    """(name, correlation key or "", messageId) -> (message key, expires at)."""
    counters: dict[str, int] = field(default_factory=lambda: {"history_id": 0})
    identity: IdentityTables = field(default_factory=IdentityTables)
    deployments: dict[str, Deployment] = field(default_factory=dict)
    variables: dict[str, VariableValue] = field(default_factory=dict)
    """The current variables by scope and name (`memory/variables.py` `row_key`)."""
    decision_instances: dict[str, DecisionInstance] = field(default_factory=dict)
    alerts: AlertTables = field(default_factory=AlertTables)


class Journal:
    """The changes one transaction makes to `tables`, with how to undo each."""

    def __init__(self, tables: Tables, *, write: bool) -> None:
        self.tables = tables
        self._write = write
        self._open = True
        self._undo: list[Callable[[], None]] = []

    def check(self, write: bool = False) -> None:
        """Refuse anything once the transaction ended, and writes when it is read-only."""
        if not self._open:
            raise StoreError(
                "this transaction has already ended; open a new one with store.transaction()"
            )
        if write and not self._write:
            raise StoreError("cannot write in a read-only transaction (write=False)")

    def set(self, table: dict[_K, _V], key: _K, value: _V) -> None:
        self.check(write=True)
        old = table.get(key, _MISSING)
        table[key] = value

        def undo() -> None:
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old

        self._undo.append(undo)

    def delete(self, table: dict[_K, _V], key: _K) -> _V | None:
        """Remove a row; the row removed, or None if there was none."""
        self.check(write=True)
        old = table.pop(key, _MISSING)
        if old is _MISSING:
            return None
        self._undo.append(lambda: table.__setitem__(key, old))
        return old  # type: ignore[no-any-return]

    def rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()
        self._open = False

    def commit(self) -> None:
        self._undo.clear()
        self._open = False
