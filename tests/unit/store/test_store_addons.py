"""The query files of the SQL dialects, and the history time to live setting."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources

import pytest

from regista.settings import Settings, SettingsError, parse_ttl
from regista.store.sql import sqlfiles

FILES = ("queries.sql", "retention.sql", "correlation.sql")


def query_file(dialect: sqlfiles.SqlDialect, filename: str) -> dict[str, str]:
    folder = resources.files("regista.store.sql").joinpath("queries", dialect)
    return sqlfiles.parse_queries(folder.joinpath(filename).read_text("utf-8"), dialect)


@pytest.mark.parametrize("filename", FILES)
def test_both_dialects_define_the_same_queries(filename: str) -> None:
    sqlite = set(query_file("sqlite", filename))
    postgres = set(query_file("postgres", filename))
    assert sqlite
    # SQLite runs one writer at a time: it needs none of PostgreSQL's advisory locks; a
    # PostgreSQL prune batch is one statement of data-modifying CTEs (SQLite: one per table)
    assert postgres - sqlite <= {"lock_key", "lock_key_shared", "prune_batch"}
    assert sqlite <= postgres


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P30D", timedelta(days=30)),
        ("p1w", timedelta(weeks=1)),
        ("PT12H", timedelta(hours=12)),
        ("P1DT2H30M", timedelta(days=1, hours=2, minutes=30)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("PT0S", timedelta(0)),
        (" off ", None),
        ("never", None),
    ],
)
def test_history_ttl_values(text: str, expected: timedelta | None) -> None:
    assert parse_ttl(text, "REGISTA_HISTORY_TTL") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("P1M", "give days"),
        ("P1Y", "give days"),
        ("30 days", "ISO 8601 duration such as P30D"),
        ("P", "ISO 8601"),
        ("P1DT", "ISO 8601"),
    ],
)
def test_bad_history_ttl_names_the_variable(text: str, message: str) -> None:
    with pytest.raises(SettingsError, match="REGISTA_HISTORY_TTL") as info:
        Settings.from_env({"REGISTA_HISTORY_TTL": text})
    assert message in str(info.value)


def test_history_ttl_from_environment_and_overrides() -> None:
    assert Settings.from_env({}).history_ttl is None
    assert Settings.from_env({"REGISTA_HISTORY_TTL": "P30D"}).history_ttl == timedelta(days=30)
    assert Settings.from_env({}, history_ttl="PT1H").history_ttl == timedelta(hours=1)
    assert Settings.from_env({}, history_ttl=timedelta(days=2)).history_ttl == timedelta(days=2)
