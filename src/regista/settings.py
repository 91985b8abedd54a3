"""Runtime settings: one frozen value built from the environment plus explicit overrides.

There are no globals: whoever opens a store or starts a node builds a `Settings` and passes it
on. `Settings.from_env()` reads the `REGISTA_*` variables; keyword overrides (from CLI flags,
tests, or code) win over the environment.

Durability of the embedded SQLite store (`REGISTA_SQLITE_SYNCHRONOUS`):

- ``FULL`` (default): every commit is fsynced before it returns. A committed transaction
  survives a process crash and a power loss. Costs one fsync per commit.
- ``NORMAL``: in WAL mode the WAL is fsynced only at checkpoints. A process crash loses
  nothing, but a power loss or an OS crash may lose the last transactions committed before
  it (they roll back as if never committed). The database is never corrupted either way.
  Several times more commits per second on slow disks.

History retention (`REGISTA_HISTORY_TTL`): an ISO 8601 duration such as ``P30D`` or
``PT12H``; ended instances are removed with their history once they ended longer ago than
that (by the engine node's housekeeping, or `regista db prune`). Unset, ``off`` or
``never`` keeps them for ever.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal, cast
from urllib.parse import urlsplit, urlunsplit

SqliteSynchronous = Literal["FULL", "NORMAL"]

DEFAULT_DATABASE_URL = "sqlite:///regista.db"


LIMITS = {
    "max_multi_instance": "REGISTA_MAX_MULTI_INSTANCE",
    "feel_budget": "REGISTA_FEEL_BUDGET",
    "max_variable_bytes": "REGISTA_MAX_VARIABLE_BYTES",
    "max_history_events": "REGISTA_MAX_HISTORY_EVENTS",
}
"""The configurable limits: setting name -> environment variable."""


class SettingsError(ValueError):
    """A setting has a value Regista cannot use; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """Everything a Regista process needs to know about its environment."""

    database_url: str = DEFAULT_DATABASE_URL
    """`sqlite:///relative.db`, `sqlite:////absolute.db`, `postgresql://user@host/db`, or
    `memory://` (in-process, for tests)."""
    sqlite_synchronous: SqliteSynchronous = "FULL"
    """SQLite durability, see the module docstring for what each choice risks."""
    sqlite_busy_timeout_ms: int = 5000
    """How long a SQLite write waits for a lock held by another connection before failing."""
    pool_min_size: int = 1
    """PostgreSQL connection pool: connections kept open."""
    pool_max_size: int = 10
    """PostgreSQL connection pool: connections at most."""
    connect_timeout_s: float = 5.0
    """How long to wait for the database server before reporting it unreachable."""
    auto_migrate: bool = True
    """Apply missing schema migrations when a store opens (`regista db upgrade` does it
    explicitly). A schema newer than this Regista is always refused."""
    history_ttl: dt.timedelta | None = None
    """How long ended instances (and their history) are kept; None: for ever."""
    max_multi_instance: int = 10_000
    """Inner instances one multi-instance activity may run (`REGISTA_MAX_MULTI_INSTANCE`)."""
    feel_budget: int = 100_000
    """Evaluation steps (loop iterations, calls) of one FEEL expression
    (`REGISTA_FEEL_BUDGET`)."""
    max_variable_bytes: int = 4_000_000
    """Size of one instance's variables as JSON (`REGISTA_MAX_VARIABLE_BYTES`)."""
    max_history_events: int = 100_000
    """History events one command may write (`REGISTA_MAX_HISTORY_EVENTS`)."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, /, **overrides: Any) -> Settings:
        """Build settings from `env` (default: `os.environ`) and keyword overrides.

        Overrides whose value is None are ignored, so CLI options can be passed straight in.
        """
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        if url := source.get("REGISTA_DATABASE_URL"):
            values["database_url"] = url
        if sync := source.get("REGISTA_SQLITE_SYNCHRONOUS"):
            values["sqlite_synchronous"] = _synchronous(sync, "REGISTA_SQLITE_SYNCHRONOUS")
        for name, var in (
            ("sqlite_busy_timeout_ms", "REGISTA_SQLITE_BUSY_TIMEOUT_MS"),
            ("pool_min_size", "REGISTA_DB_POOL_MIN"),
            ("pool_max_size", "REGISTA_DB_POOL_MAX"),
        ):
            if raw := source.get(var):
                values[name] = _int(raw, var)
        for name, var in LIMITS.items():
            if raw := source.get(var):
                values[name] = _positive(raw, var)
        if raw := source.get("REGISTA_DB_CONNECT_TIMEOUT"):
            values["connect_timeout_s"] = _float(raw, "REGISTA_DB_CONNECT_TIMEOUT")
        if raw := source.get("REGISTA_DB_AUTO_MIGRATE"):
            values["auto_migrate"] = _bool(raw, "REGISTA_DB_AUTO_MIGRATE")
        if raw := source.get("REGISTA_HISTORY_TTL"):
            values["history_ttl"] = parse_ttl(raw, "REGISTA_HISTORY_TTL")
        known = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise TypeError(f"unknown setting {key!r}")
            if value is not None:
                values[key] = value
        if isinstance(values.get("history_ttl"), str):
            values["history_ttl"] = parse_ttl(values["history_ttl"], "history_ttl")
        if "sqlite_synchronous" in values:
            values["sqlite_synchronous"] = _synchronous(
                str(values["sqlite_synchronous"]), "sqlite_synchronous"
            )
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some settings changed."""
        return replace(self, **changes)


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


_TTL = re.compile(
    r"P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?"
)


def parse_ttl(raw: str, var: str) -> dt.timedelta | None:
    """A time to live as an ISO 8601 duration in weeks, days and time (`P30D`, `PT12H`,
    `P1W`); `off` or `never` is None (keep for ever)."""
    text = raw.strip().upper()
    if text in ("OFF", "NEVER", "NONE"):
        return None
    match = _TTL.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        months = text.startswith("P") and ("Y" in text or "M" in text.partition("T")[0])
        hint = "; years and months vary in length, so give days (P365D, P30D)" if months else ""
        raise SettingsError(
            f"{var} must be an ISO 8601 duration such as P30D, PT12H or P1W (or off), "
            f"not {raw!r}{hint}"
        )
    parts = {k: float(v.replace(",", ".")) for k, v in match.groupdict().items() if v}
    return dt.timedelta(**parts)


def _synchronous(raw: str, var: str) -> SqliteSynchronous:
    value = raw.strip().upper()
    if value not in ("FULL", "NORMAL"):
        raise SettingsError(f"{var} must be FULL or NORMAL, not {raw!r}")
    return cast(SqliteSynchronous, value)


def _int(raw: str, var: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{var} must be a whole number, not {raw!r}") from None


def _positive(raw: str, var: str) -> int:
    value = _int(raw, var)
    if value <= 0:
        raise SettingsError(f"{var} must be a positive whole number, not {raw!r}")
    return value


def _float(raw: str, var: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{var} must be a number of seconds, not {raw!r}") from None


def _bool(raw: str, var: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{var} must be true or false, not {raw!r}")
