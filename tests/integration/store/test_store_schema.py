"""Migrations, schema versions, the one-node rule, faults, and `regista db`."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from storekit import T0, Backend, PostgresBackend, SqlBackend, SqliteBackend, at

from regista.cli.database import db
from regista.store import (
    NodeLockError,
    SchemaOutdated,
    SchemaTooNew,
    StoreBusy,
    StoreCorrupt,
    StoreFull,
    StoreUnavailable,
)
from regista.store.sql import sqlfiles
from regista.store.sql.postgres import PostgresStore
from regista.store.sql.sqlite import SqliteStore

pytest_plugins = ["storefixtures"]


def test_migrations_produce_the_fresh_schema(sql_backend: SqlBackend, tmp_path: Path) -> None:
    fresh = sql_backend.open(schema="ignore")
    assert fresh.upgrade() == list(range(1, sqlfiles.latest_version("sqlite") + 1))
    fresh_dump = sql_backend.schema_dump()
    assert fresh_dump, "nothing was dumped"

    if isinstance(sql_backend, SqliteBackend):
        stepwise: SqlBackend = SqliteBackend(tmp_path / "stepwise.db")
    else:
        assert isinstance(sql_backend, PostgresBackend)
        stepwise = PostgresBackend(sql_backend.database_url)
    try:
        migrated = stepwise.open(schema="ignore")
        assert migrated.schema_version() == 0
        assert migrated.upgrade(fresh_schema=False) == [m.version for m in _migrations(stepwise)]
        assert stepwise.schema_dump() == fresh_dump
        assert migrated.schema_version() == fresh.schema_version()
        assert migrated.upgrade() == []
    finally:
        stepwise.close_all()
        if isinstance(stepwise, PostgresBackend):
            stepwise.drop()


def _migrations(backend: SqlBackend) -> tuple[sqlfiles.Migration, ...]:
    return sqlfiles.migrations("sqlite" if backend.name == "sqlite" else "postgres")


def test_refuses_a_schema_newer_than_it_knows(sql_backend: SqlBackend) -> None:
    sql_backend.open()
    known = sqlfiles.latest_version("sqlite")
    p = sql_backend.p
    sql_backend.execute(
        f"INSERT INTO schema_version (version, name, applied_at) VALUES ({p}, {p}, {p})",
        [
            known + 1,
            "from_the_future",
            "2031-01-01T00:00:00Z" if sql_backend.name == "sqlite" else T0,
        ],
    )
    message = (
        f"database schema version {known + 1} is newer than this Regista (knows up to {known}); "
        "upgrade Regista"
    )
    for mode in ("migrate", "check"):
        with pytest.raises(SchemaTooNew) as info:
            sql_backend.open(schema=mode)
        assert str(info.value) == message
    ignoring = sql_backend.open(schema="ignore")
    with pytest.raises(SchemaTooNew):
        ignoring.upgrade()


def test_check_mode_refuses_missing_migrations(sql_backend: SqlBackend) -> None:
    with pytest.raises(SchemaOutdated, match=r"version 0 is older .* run `regista db upgrade`"):
        sql_backend.open(schema="check")
    sql_backend.open(schema="migrate")
    assert sql_backend.open(schema="check").schema_version() == sqlfiles.latest_version("sqlite")


def test_one_node_per_sqlite_file(tmp_path: Path) -> None:
    backend = SqliteBackend(tmp_path / "one.db")
    first, second = backend.open(), backend.open()
    try:
        first.register_node("node-a", now=T0)
        first.register_node("node-a", now=at(1))  # re-registering is a heartbeat
        with pytest.raises(NodeLockError, match=r"another Regista node \(node node-a, pid \d+"):
            second.register_node("node-b", now=T0)
        assert [n.id for n in second.nodes()] == ["node-a"]
        first.heartbeat_node("node-a", now=at(5))
        assert second.nodes()[0].heartbeat_at == at(5)
        first.unregister_node("node-a")
        second.register_node("node-b", now=at(6))
        assert [n.id for n in first.nodes()] == ["node-b"]
    finally:
        backend.close_all()
    third = backend.open()  # closing released the lock
    third.register_node("node-c", now=at(7))
    third.close()


def test_many_nodes_share_postgres_and_one_serves_memory(backend: Backend) -> None:
    first, second = backend.open(), backend.open()
    first.register_node("node-a", now=T0)
    if backend.name == "postgres":
        second.register_node("node-b", now=T0)
        assert sorted(n.id for n in first.nodes()) == ["node-a", "node-b"]
        second.unregister_node("node-b")
        assert [n.id for n in first.nodes()] == ["node-a"]
    elif backend.name == "memory":
        with pytest.raises(NodeLockError):
            first.register_node("node-b", now=T0)


def test_locked_sqlite_file_beyond_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    store = SqliteStore(path, busy_timeout_ms=100)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        # the holder lets go only after the store gave up: a store that kept waiting hangs
        with pytest.raises(StoreBusy, match=r"busy timeout \(100 ms\)"), store.transaction() as tx:
            tx.deploy_definition("p", "<a/>", now=T0)
        with store.transaction(write=False) as tx:  # WAL: readers are not blocked
            assert tx.list_definitions() == []
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with store.transaction() as tx:
        tx.deploy_definition("p", "<a/>", now=T0)
    store.close()


def test_sqlite_waits_for_a_short_lock(tmp_path: Path) -> None:
    path = tmp_path / "wait.db"
    # a busy timeout far beyond the holder's 0.2 s, so that a slow machine cannot fail it
    store = SqliteStore(path, busy_timeout_ms=60_000)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    timer = threading.Timer(0.2, lambda: holder.execute("COMMIT"))
    timer.start()
    with store.transaction() as tx:
        tx.deploy_definition("p", "<a/>", now=T0)
    timer.join()
    holder.close()
    store.close()


def test_full_sqlite_database_rolls_back_and_keeps_what_was_committed(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "full.db", max_connections=1)
    with store.transaction() as tx:
        tx.deploy_definition("kept", "<a/>", now=T0)
    conn = store._acquire()  # the pool's only connection: cap the file at its current size
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")
    store._release(conn)
    full = pytest.raises(StoreFull, match="full; the transaction was rolled back")
    with full, store.transaction() as tx:
        tx.deploy_definition("big", "x" * 200_000, now=at(1))
    with store.transaction(write=False) as tx:
        assert [d.process_id for d in tx.list_definitions()] == ["kept"]
    store.close()
    reopened = SqliteStore(tmp_path / "full.db")
    with reopened.transaction(write=False) as tx:
        assert [d.process_id for d in tx.list_definitions()] == ["kept"]
    reopened.close()


def test_not_a_database_and_unreachable_paths(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreCorrupt, match="not a SQLite database or is damaged"):
        SqliteStore(junk)
    with pytest.raises(StoreUnavailable, match="directory exists"):
        SqliteStore(tmp_path / "missing" / "dir" / "x.db")


def test_postgres_down_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot connect to PostgreSQL at .*127\.0\.0\.1"):
        PostgresStore("postgresql://postgres:secret@127.0.0.1:1/none", connect_timeout=2)


def test_password_is_not_shown(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable) as info:
        PostgresStore("postgresql://postgres:hunter2@127.0.0.1:1/none", connect_timeout=1)
    assert "hunter2" not in str(info.value) and ":***@" in str(info.value)


def test_cli_db_upgrade_and_status(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    nothing = runner.invoke(db, ["status", "--database-url", url])
    assert nothing.exit_code == 1 and "no database at" in nothing.output
    assert not (tmp_path / "cli.db").exists()
    SqliteStore(tmp_path / "cli.db", schema="ignore").close()
    before = runner.invoke(db, ["status", "--database-url", url])
    assert before.exit_code == 1, before.output
    assert "schema version: 0" in before.output and "run `regista db upgrade`" in before.output
    up = runner.invoke(db, ["upgrade", "--database-url", url])
    assert up.exit_code == 0, up.output
    assert f"schema version 0 -> {sqlfiles.latest_version('sqlite')}" in up.output
    again = runner.invoke(db, ["upgrade"], env={"REGISTA_DATABASE_URL": url})
    assert again.exit_code == 0 and "up to date" in again.output
    after = runner.invoke(db, ["status", "--database-url", url])
    assert after.exit_code == 0 and "up to date" in after.output
    bad = runner.invoke(db, ["status", "--database-url", "mysql://x"])
    assert bad.exit_code == 1 and "names no database Regista supports" in bad.output
    down = runner.invoke(db, ["upgrade", "--database-url", "postgresql://postgres@127.0.0.1:1/x"])
    assert down.exit_code == 2 and "cannot connect to PostgreSQL" in down.output


def test_cli_db_upgrade_postgres(sql_backend: SqlBackend) -> None:
    if not isinstance(sql_backend, PostgresBackend):
        pytest.skip("the SQLite case is above")
    runner = CliRunner()
    up = runner.invoke(db, ["upgrade", "--database-url", sql_backend.url])
    latest = sqlfiles.latest_version("postgres")
    assert up.exit_code == 0 and f"-> {latest}" in up.output, up.output
    status = runner.invoke(db, ["status", "--database-url", sql_backend.url])
    assert status.exit_code == 0 and "(postgres)" in status.output
