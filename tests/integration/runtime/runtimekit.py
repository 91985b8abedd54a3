"""Helpers of the durable runtime suite: databases, a harness over one client and one node,
and the models the tests run."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.clock import FakeClock
from regista.runtime.executor import ExecutorOptions
from regista.runtime.node import Node, NodeOptions
from regista.runtime.options import RuntimeOptions
from regista.runtime.workers import Workers
from regista.settings import Settings
from regista.store import HistoryEvent, Store, open_store

TABLES = (
    "nodes",
    "definitions",
    "instances",
    "jobs",
    "timers",
    "user_tasks",
    "subscriptions",
    "buffered_messages",
    "incidents",
    "history",
    "history_heads",
    "message_ids",
    "settings",
    "sla_targets",
    "sla_breaches",
    "alert_subscriptions",
    "alert_deliveries",
)


def uid(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@dataclass
class Database:
    """One empty database of one kind, private to one test."""

    kind: str
    url: str
    path: Path | None = None
    stores: list[Store] = field(default_factory=list)

    def open_store(self, **settings: Any) -> Store:
        store = open_store(Settings.from_env({}, database_url=self.url, **settings))
        self.stores.append(store)
        return store

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Raw SQL outside the store (`?` placeholders on SQLite, `%s` on PostgreSQL)."""
        if self.kind == "sqlite":
            assert self.path is not None
            conn = sqlite3.connect(self.path, isolation_level=None)
            try:
                return [tuple(r) for r in conn.execute(sql, tuple(params)).fetchall()]
            finally:
                conn.close()
        with psycopg.connect(self.url, autocommit=True) as pg:
            cur = pg.execute(sql.encode() if not params else sql, tuple(params) or None)
            return [tuple(r) for r in cur.fetchall()] if cur.description else []

    @property
    def p(self) -> str:
        return "?" if self.kind == "sqlite" else "%s"

    def close(self) -> None:
        for store in self.stores:
            store.close()
        self.stores.clear()


def pg_schema_url(database_url: str) -> str:
    """A new empty schema in the session's database, as a URL whose search path is it."""
    schema = uid("s_")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return f"{database_url}?options=-csearch_path%3D{schema}"


def fast_options(**changes: Any) -> RuntimeOptions:
    """Options for tests: short retry backoff."""
    values: dict[str, Any] = {
        "retry_backoff": dt.timedelta(seconds=1),
        "max_retry_backoff": dt.timedelta(seconds=10),
    }
    values.update(changes)
    return RuntimeOptions(**values)


class Harness:
    """A client and an in-process node sharing one shell (and a fake clock); `run()` does
    the node's work synchronously until nothing is left to do now."""

    def __init__(
        self,
        db: Database,
        workers: Workers | None = None,
        *,
        clock: FakeClock | None = None,
        options: RuntimeOptions | None = None,
        executor: ExecutorOptions | None = None,
        node_options: NodeOptions | None = None,
    ) -> None:
        self.db = db
        self.clock = clock or FakeClock("2030-01-01T09:00:00Z")
        self.workers = workers or Workers()
        self.store = db.open_store()
        self.client = Client(self.store, options=options or fast_options(), clock=self.clock)
        self.node = Node(
            self.client.shell,
            self.workers,
            node_id=uid("node-"),
            executor=executor,
            node=node_options,
        )

    def run(self) -> int:
        return self.node.run_until_idle()

    def advance(self, duration: str) -> int:
        """Move the clock and do what fell due."""
        self.clock.advance(duration)
        return self.run()

    def history(self, instance_id: str) -> list[HistoryEvent]:
        return self.client.history(instance_id)

    def kinds(self, instance_id: str) -> list[str]:
        return [e.kind for e in self.history(instance_id)]

    def close(self) -> None:
        self.node.close()
        self.client.close()


# -- models -------------------------------------------------------------------------------


def three_services() -> ProcessBuilder:
    return (
        ProcessBuilder("services")
        .start("start")
        .service_task("a", type="step-a")
        .service_task("b", type="step-b")
        .service_task("c", type="step-c")
        .end("end")
    )


def approval() -> ProcessBuilder:
    return (
        ProcessBuilder("approval")
        .start("start")
        .user_task("approve", candidate_groups=["managers"])
        .exclusive_gateway("ok")
        .condition("=approved")
        .end("approved")
        .move_to("ok")
        .default()
        .end("rejected")
    )
