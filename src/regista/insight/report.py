"""The result of an analysis: a titled table whose rows are plain values, ready for the
terminal, for JSON and for tests."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["PERCENTILES", "Report", "nearest_ranks", "ranks", "seconds"]

PERCENTILES = (50, 90, 99)
"""Nearest-rank percentiles: the p-th is the smallest value with at least p% of the values
at or below it (the value of rank ceil(p/100 * n))."""


def ranks(value: Any) -> list[float | None]:
    """The p50/p90/p99 of `SqlDialect.percentiles` as floats (Nones for no values): a
    JSON array from SQLite, an array from PostgreSQL."""
    if value is None:
        return [None] * len(PERCENTILES)
    found = json.loads(value) if isinstance(value, str) else value
    return [None if v is None else float(v) for v in found]


def nearest_ranks(ordered: Sequence[float]) -> list[float | None]:
    """The p50/p90/p99 of values sorted ascending, nearest-rank (Nones for no values): the
    value of rank ceil(p/100 * n), as PostgreSQL's `percentile_disc` picks it."""
    n = len(ordered)
    if not n:
        return [None] * len(PERCENTILES)
    return [ordered[max(math.ceil(p / 100 * n), 1) - 1] for p in PERCENTILES]


def seconds(value: Any) -> float | None:
    """A duration from the database, rounded to the millisecond (the timestamps' epoch
    arithmetic leaves noise below that)."""
    return None if value is None else round(float(value), 3)


@dataclass(frozen=True, slots=True)
class Report:
    """One analysis: `rows` are dicts keyed by `columns`; `notes` explain what the table
    means (definitions used, the model compared against, ...)."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    notes: Sequence[str] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "analysis": self.name,
            "title": self.title,
            "columns": list(self.columns),
            "rows": self.rows,
            "notes": list(self.notes),
            **self.extra,
        }

    def column(self, name: str) -> list[Any]:
        """The values of one column, in row order."""
        return [row.get(name) for row in self.rows]

    def row(self, **match: Any) -> dict[str, Any]:
        """The one row whose columns equal `match` (KeyError when none or several)."""
        found = [r for r in self.rows if all(r.get(k) == v for k, v in match.items())]
        if len(found) != 1:
            raise KeyError(f"{len(found)} rows of {self.name} match {match}")
        return found[0]
