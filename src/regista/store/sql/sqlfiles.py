"""Named SQL queries and migrations, read from the `.sql` files in `queries/<dialect>`.

A query file holds blocks introduced by `-- name: some_name` (the aiosql convention); the
block runs up to the next such line. Parameters are written `:name` in every dialect; for
PostgreSQL they are rewritten to psycopg's `%(name)s` (and a literal `%` to `%%`).
Migrations are the files `NNNN_title.sql`; `schema.sql` is the current schema in one piece,
used for fresh installs (a test proves both give the same schema). Every other file holds
named queries, grouped by topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

SqlDialect = Literal["sqlite", "postgres"]

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$", re.MULTILINE)
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_][A-Za-z0-9_]*)")
_MIGRATION = re.compile(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered schema change."""

    version: int
    name: str
    sql: str


def _folder(dialect: SqlDialect) -> Traversable:
    """The folder of a dialect's `.sql` files (`queries/<dialect>` beside this module)."""
    return resources.files("regista.store.sql").joinpath("queries", dialect)


def _read(dialect: SqlDialect, filename: str) -> str:
    return _folder(dialect).joinpath(filename).read_text("utf-8")


def parse_queries(text: str, dialect: SqlDialect) -> dict[str, str]:
    """Split a query file into {name: sql}; duplicate or empty blocks are errors."""
    queries: dict[str, str] = {}
    matches = list(_NAME.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        body = _strip_comments(text[match.end() : end]).strip().rstrip(";").strip()
        name = match.group(1)
        if not body:
            raise ValueError(f"query {name!r} has no SQL")
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = _to_psycopg(body) if dialect == "postgres" else body
    return queries


def _strip_comments(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))


def _to_psycopg(sql: str) -> str:
    return _PARAM.sub(r"%(\1)s", sql.replace("%", "%%"))


def placeholder(dialect: str, name: str) -> str:
    """How a parameter `name` is written in a dialect's statements once read."""
    return f"%({name})s" if dialect == "postgres" else f":{name}"


@cache
def queries(dialect: SqlDialect) -> dict[str, str]:
    """The named queries of a dialect (read once): those of every `.sql` file of its folder
    but the migrations and `schema.sql` (`queries.sql`, `correlation.sql`, ...). A name may
    be used once across the files."""
    found: dict[str, str] = {}
    for entry in sorted(_folder(dialect).iterdir(), key=lambda e: e.name):
        name = entry.name
        if not name.endswith(".sql") or name == "schema.sql" or _MIGRATION.match(name):
            continue
        for query, sql in parse_queries(entry.read_text("utf-8"), dialect).items():
            if query in found:
                raise ValueError(f"query {query!r} is defined twice ({name})")
            found[query] = sql
    return found


@cache
def migrations(dialect: SqlDialect) -> tuple[Migration, ...]:
    """The numbered migrations of a dialect, in order; numbering must have no gaps."""
    found: list[Migration] = []
    for entry in _folder(dialect).iterdir():
        if match := _MIGRATION.match(entry.name):
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise ValueError(
                f"{dialect} migrations skip from {expected - 1} to {migration.version}"
            )
    return tuple(found)


def latest_version(dialect: SqlDialect) -> int:
    """The schema version this Regista knows up to."""
    found = migrations(dialect)
    return found[-1].version if found else 0


@cache
def fresh_schema(dialect: SqlDialect) -> str:
    """The whole current schema, for installing into an empty database."""
    return _read(dialect, "schema.sql")
