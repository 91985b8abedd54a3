"""Store pieces that need no database: settings, the .sql loader, the hash chain, URLs."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from regista.settings import Settings, SettingsError, redact_url
from regista.store import StoreError, open_store
from regista.store.chain import canonical_json, check_chain, event_hash
from regista.store.memory import MemoryStore
from regista.store.records import HistoryEvent
from regista.store.sql import sqlfiles
from regista.store.sql.sqlite import SqliteCodec, path_from_url, split_statements

# -- settings ---------------------------------------------------------------------------------


def test_settings_defaults_without_environment() -> None:
    s = Settings.from_env({})
    assert s.database_url == "sqlite:///regista.db"
    assert s.sqlite_synchronous == "FULL"
    assert s.auto_migrate is True


def test_settings_from_environment_and_overrides() -> None:
    env = {
        "REGISTA_DATABASE_URL": "postgresql://u@h/db",
        "REGISTA_SQLITE_SYNCHRONOUS": "normal",
        "REGISTA_SQLITE_BUSY_TIMEOUT_MS": "250",
        "REGISTA_DB_POOL_MAX": "20",
        "REGISTA_DB_CONNECT_TIMEOUT": "1.5",
        "REGISTA_DB_AUTO_MIGRATE": "no",
    }
    s = Settings.from_env(env)
    assert (s.database_url, s.sqlite_synchronous, s.sqlite_busy_timeout_ms) == (
        "postgresql://u@h/db",
        "NORMAL",
        250,
    )
    assert (s.pool_max_size, s.connect_timeout_s, s.auto_migrate) == (20, 1.5, False)
    o = Settings.from_env(
        env, database_url="memory://", sqlite_synchronous="full", pool_max_size=None
    )
    assert (o.database_url, o.sqlite_synchronous, o.pool_max_size) == ("memory://", "FULL", 20)
    assert s.with_(pool_min_size=3).pool_min_size == 3


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("REGISTA_SQLITE_SYNCHRONOUS", "OFF", "must be FULL or NORMAL"),
        ("REGISTA_SQLITE_BUSY_TIMEOUT_MS", "soon", "whole number"),
        ("REGISTA_DB_CONNECT_TIMEOUT", "x", "number of seconds"),
        ("REGISTA_DB_AUTO_MIGRATE", "maybe", "true or false"),
    ],
)
def test_bad_settings_name_the_variable(var: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{var}.*{message}"):
        Settings.from_env({var: value})


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(TypeError, match="unknown setting"):
        Settings.from_env({}, databse_url="x")


def test_redact_url() -> None:
    assert redact_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert redact_url("sqlite:///regista.db") == "sqlite:///regista.db"


# -- open_store and URLs ----------------------------------------------------------------------


def test_sqlite_urls() -> None:
    assert path_from_url("sqlite:///regista.db") == Path("regista.db")
    assert path_from_url("sqlite:////var/lib/regista.db") == Path("/var/lib/regista.db")
    for bad in ("sqlite://regista.db", "sqlite:///", "sqlite:///:memory:"):
        with pytest.raises(ValueError):
            path_from_url(bad)


def test_open_store_dispatches_on_the_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(open_store(Settings(database_url="memory://")), MemoryStore)
    monkeypatch.chdir(tmp_path)
    store = open_store(Settings())  # the default: regista.db in the working directory
    assert store.dialect == "sqlite" and (tmp_path / "regista.db").exists()
    store.close()
    with pytest.raises(SettingsError, match="names no database Regista supports"):
        open_store(Settings(database_url="mysql://x"))
    with pytest.raises(SettingsError, match="in-memory SQLite"):
        open_store(Settings(database_url="sqlite:///:memory:"))
    with pytest.raises(StoreError, match="closed"), store.transaction():
        pass


def test_sqlite_synchronous_setting_is_applied(tmp_path: Path) -> None:
    for mode, expected in (("FULL", 2), ("NORMAL", 1)):
        url = f"sqlite:///{tmp_path / mode}.db"
        store = open_store(Settings.from_env({}, database_url=url, sqlite_synchronous=mode))
        conn = store._acquire()  # type: ignore[attr-defined]
        try:
            assert conn.execute("PRAGMA synchronous").fetchone()[0] == expected
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            store._release(conn)  # type: ignore[attr-defined]
            store.close()


# -- .sql files -------------------------------------------------------------------------------


def test_parse_named_queries() -> None:
    text = """
-- name: first
-- a comment about it
SELECT * FROM t WHERE a = :a AND b::text = :b_2 AND c LIKE '50%';

-- name: second
DELETE FROM t
"""
    sqlite = sqlfiles.parse_queries(text, "sqlite")
    assert sqlite == {
        "first": "SELECT * FROM t WHERE a = :a AND b::text = :b_2 AND c LIKE '50%'",
        "second": "DELETE FROM t",
    }
    pg = sqlfiles.parse_queries(text, "postgres")
    assert pg["first"] == (
        "SELECT * FROM t WHERE a = %(a)s AND b::text = %(b_2)s AND c LIKE '50%%'"
    )
    with pytest.raises(ValueError, match="defined twice"):
        sqlfiles.parse_queries("-- name: a\nSELECT 1;\n-- name: a\nSELECT 2;", "sqlite")
    with pytest.raises(ValueError, match="has no SQL"):
        sqlfiles.parse_queries("-- name: a\n-- only a comment\n", "sqlite")


def test_both_dialects_define_the_same_queries() -> None:
    sqlite, pg = sqlfiles.queries("sqlite"), sqlfiles.queries("postgres")
    # PostgreSQL serializes with advisory locks; each opens connections and transactions
    # its own way
    assert set(pg) - set(sqlite) == {
        "lock_key",
        "lock_key_shared",
        "session_setup",
        "begin",
        "schema_lock",
        # the steps of an append as one JSON array (SQLite: executemany of the row forms)
        "steps_insert_rows",
        "steps_update_rows",
        # a prune batch in one statement of data-modifying CTEs (SQLite: one per table)
        "prune_batch",
    }
    assert set(sqlite) - set(pg) == {
        "pragma_busy_timeout",
        "pragma_wal",
        "pragma_synchronous",
        "pragma_journal_size_limit",
        "pragma_auto_vacuum_incremental",  # space given back (PostgreSQL: autovacuum)
        "pragma_auto_vacuum",
        "pragma_freelist_count",
        "pragma_incremental_vacuum",
        "pragma_wal_checkpoint",  # retention checkpoints between batches (PostgreSQL: none)
        "vacuum",
        "begin_read",
        "begin_write",
        "rollback",
        # one step row each, run by executemany (PostgreSQL: one JSON array, above)
        "steps_insert",
        "steps_update",
    }


def test_migrations_are_numbered_and_sqlite_statements_split() -> None:
    for dialect in ("sqlite", "postgres"):
        migrations = sqlfiles.migrations(dialect)
        assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
        assert migrations[0].name == "initial"
    statements = split_statements(sqlfiles.fresh_schema("sqlite"))
    assert all(sqlite3.complete_statement(s) for s in statements)
    # the tables the migrations create (schema 19 creates history again) are the fresh ones
    created = {
        name
        for m in sqlfiles.migrations("sqlite")
        for name in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", m.sql)
    }
    fresh = {n for s in statements for n in re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", s)}
    assert len(created) >= 11 and fresh == created
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("CREATE TABLE x (a int)")


def test_sqlite_timestamps_sort_as_text() -> None:
    codec = SqliteCodec()
    a = datetime(2030, 1, 1, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    b = datetime(2030, 1, 2, 3, 0, 0, 1, tzinfo=UTC)
    ta, tb = codec.ts(a), codec.ts(b)
    assert ta == "2030-01-02T04:00:00.000000Z" and tb == "2030-01-02T03:00:00.000001Z"
    assert (ta > tb) == (a > b)
    assert codec.ts_out(ta) == a
    with pytest.raises(ValueError, match="timezone-aware"):
        codec.ts(datetime(2030, 1, 1))


# -- the hash chain ---------------------------------------------------------------------------


def _chain(n: int) -> list[HistoryEvent]:
    events: list[HistoryEvent] = []
    prev: str | None = None
    for seq in range(1, n + 1):
        ts = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(seconds=seq)
        data = {"n": seq, "list": [1.0, "x"]}
        digest = event_hash(
            instance_id="i",
            seq=seq,
            ts=ts,
            kind="k",
            element_id=None,
            element_instance_id=None,
            actor=None,
            command=None,
            data=data,
            prev_hash=prev,
        )
        events.append(
            HistoryEvent(seq, "i", seq, ts, "k", None, None, None, None, data, prev, digest)
        )
        prev = digest
    return events


def test_check_chain_names_the_first_broken_link() -> None:
    events = _chain(5)
    assert check_chain(events) is None
    altered = [*events[:2], replace(events[2], data={"n": 99}), *events[3:]]
    broken = check_chain(altered)
    assert broken is not None and (broken.seq, broken.event_id) == (3, 3)
    assert "altered" in broken.reason
    relinked = [*events[:3], replace(events[3], prev_hash="0" * 64), *events[4:]]
    broken = check_chain(relinked)
    assert broken is not None and broken.seq == 4 and "previous-hash" in broken.reason
    broken = check_chain(events[1:])
    assert broken is not None and broken.seq == 2 and "gap" in broken.reason
    moved = [replace(e, ts=e.ts + timedelta(microseconds=1)) if e.seq == 5 else e for e in events]
    assert check_chain(moved) is not None


def test_canonical_json_is_stable() -> None:
    assert canonical_json({"b": 1, "a": [-0.0, 1.5, "é"]}) == '{"a":[0.0,1.5,"é"],"b":1}'
    assert canonical_json({"t": (1, 2)}) == canonical_json({"t": [1, 2]})
    with pytest.raises(ValueError, match="JSON-safe"):
        canonical_json({"x": float("nan")})
