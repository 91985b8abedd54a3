"""Regista store layer: persistence behind one small interface (see docs/architecture.md).

`open_store(settings)` picks the implementation from `settings.database_url`:
`sqlite:///file.db` (embedded, one node), `postgresql://...` (many nodes) or `memory://`.
"""

from __future__ import annotations

from regista.settings import Settings, SettingsError
from regista.store.alerts import AlertDelivery, AlertSubscription, SlaBreach
from regista.store.decision_instances import DecisionInstance, DecisionInstanceQuery
from regista.store.deployments import Deployment
from regista.store.errors import (
    CorruptState,
    DuplicateKey,
    NodeLockError,
    NotFound,
    RetryableError,
    SchemaError,
    SchemaOutdated,
    SchemaTooNew,
    SerializationConflict,
    StaleDefinition,
    StoreBusy,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreUnavailable,
    VersionConflict,
)
from regista.store.interface import Keys, SchemaMode, Store, Transaction
from regista.store.params import (
    IncidentQuery,
    InstanceQuery,
    InstanceUpdate,
    JobQuery,
    NewIncident,
    NewInstance,
    NewJob,
    NewMessage,
    NewSubscription,
    NewTimer,
    NewUserTask,
)
from regista.store.records import (
    BrokenLink,
    BufferedMessage,
    Definition,
    Gauges,
    HistoryEvent,
    HistoryHead,
    Incident,
    Instance,
    InstanceKeys,
    Job,
    NewEvent,
    Node,
    Outcome,
    Pruned,
    Subscription,
    Timer,
    UserTask,
)
from regista.store.statistics import ElementCount, InstanceCount
from regista.store.variables import VariableCondition, VariableQuery, VariableValue

__all__ = [
    "AlertDelivery",
    "AlertSubscription",
    "BrokenLink",
    "BufferedMessage",
    "CorruptState",
    "DecisionInstance",
    "DecisionInstanceQuery",
    "Definition",
    "Deployment",
    "DuplicateKey",
    "ElementCount",
    "Gauges",
    "HistoryEvent",
    "HistoryHead",
    "Incident",
    "IncidentQuery",
    "Instance",
    "InstanceCount",
    "InstanceKeys",
    "InstanceQuery",
    "InstanceUpdate",
    "Job",
    "JobQuery",
    "Keys",
    "NewEvent",
    "NewIncident",
    "NewInstance",
    "NewJob",
    "NewMessage",
    "NewSubscription",
    "NewTimer",
    "NewUserTask",
    "Node",
    "NodeLockError",
    "NotFound",
    "Outcome",
    "Pruned",
    "RetryableError",
    "SchemaError",
    "SchemaMode",
    "SchemaOutdated",
    "SchemaTooNew",
    "SerializationConflict",
    "SlaBreach",
    "StaleDefinition",
    "Store",
    "StoreBusy",
    "StoreCorrupt",
    "StoreError",
    "StoreFull",
    "StoreUnavailable",
    "Subscription",
    "Timer",
    "Transaction",
    "UserTask",
    "VariableCondition",
    "VariableQuery",
    "VariableValue",
    "VersionConflict",
    "open_store",
]


def open_store(settings: Settings, *, schema: SchemaMode | None = None) -> Store:
    """Open the store `settings.database_url` names.

    `schema` is "migrate" (apply missing migrations), "check" (refuse a schema that is not
    exactly the known one) or "ignore" (for `regista db status`); by default "migrate" when
    `settings.auto_migrate`, else "check". A schema newer than this Regista is always refused
    by "migrate" and "check".
    """
    mode: SchemaMode = schema or ("migrate" if settings.auto_migrate else "check")
    url = settings.database_url
    if url.startswith("sqlite:"):
        from regista.store.sql.sqlite import SqliteStore, path_from_url

        try:
            path = path_from_url(url)
        except ValueError as exc:
            raise SettingsError(f"REGISTA_DATABASE_URL: {exc}") from None
        return SqliteStore(
            path,
            synchronous=settings.sqlite_synchronous,
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            schema=mode,
        )
    if url.startswith(("postgresql:", "postgres:")):
        from regista.store.sql.postgres import PostgresStore

        return PostgresStore(
            url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            connect_timeout=settings.connect_timeout_s,
            schema=mode,
        )
    if url.startswith("memory:"):
        from regista.store.memory import MemoryStore

        return MemoryStore()
    raise SettingsError(
        f"REGISTA_DATABASE_URL {url!r} names no database Regista supports; use "
        "sqlite:///regista.db, postgresql://user@host/db or memory://"
    )
