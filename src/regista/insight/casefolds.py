"""Variants and directly-follows folded in one pass over the steps streamed case by case.

On SQLite, whose aggregates take no ORDER BY, a path needs a window function over each
case, and its window machinery costs about twice a plain read of the same rows; the
steps are kept in the order of their cases (`scope.CASE_ORDER`), so reading them in it
sorts nothing and a fold in Python does in one pass what the windows did. The results
are those of the SQL that PostgreSQL runs (`paths.py`). `compare` folds each activity's
executions in the same pass as the variants (`Activity`), where SQL would read the steps
twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

__all__ = ["Activity", "Edge", "Variant", "follows", "variants"]


@dataclass(slots=True)
class Variant:
    """One distinct path: its cases, and the spans (first arrival to last end) of those
    whose steps all ended."""

    cases: int = 0
    spans: int = 0
    total_span: float = 0.0
    max_span: float | None = None

    @property
    def mean_span(self) -> float | None:
        return self.total_span / self.spans if self.spans else None


@dataclass(slots=True)
class Activity:
    """One activity's executions: its element type (the greatest, as SQL's MAX), how many,
    and their waiting (started - scheduled) and service (ended - started, of those that
    ended) times."""

    element_type: str | None = None
    count: int = 0
    waiting: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)


@dataclass(slots=True)
class Edge:
    """One directly-follows edge: how often, and the gaps (next start - this end) of
    those where this step ended."""

    count: int = 0
    gaps: int = 0
    total: float = 0.0
    min: float | None = None
    max: float | None = None


_CASE = itemgetter(0)


def variants(
    rows: Iterable[tuple[Any, ...]],
    separator: str,
    activities: dict[str, Activity] | None = None,
) -> dict[str, Variant]:
    """The paths of `rows` (case_id, activity, scheduled, ended), ordered case by case and
    each case by its path, joined by `separator`, with their cases and spans. With
    `activities`, the rows also carry (started, element_type) and each step is added to
    its activity's executions there."""
    found: dict[str, Variant] = {}
    for _, steps in groupby(rows, _CASE):
        case = list(steps)
        if activities is not None:
            _executions(activities, case)
        path = separator.join([s[1] for s in case])
        variant = found.get(path)
        if variant is None:
            variant = found[path] = Variant()
        variant.cases += 1
        ends = [s[3] for s in case]
        if None in ends:
            continue
        span = float(max(ends) - min(s[2] for s in case))
        variant.spans += 1
        variant.total_span += span
        if variant.max_span is None or span > variant.max_span:
            variant.max_span = span
    return found


def _executions(activities: dict[str, Activity], case: list[tuple[Any, ...]]) -> None:
    for _, activity, scheduled, ended, started, element_type in case:
        found = activities.get(activity)
        if found is None:
            found = activities[activity] = Activity()
        found.count += 1
        if element_type is not None and (
            found.element_type is None or element_type > found.element_type
        ):
            found.element_type = element_type
        found.waiting.append(started - scheduled)
        if ended is not None:
            found.service.append(ended - started)


def follows(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[str | None, str | None], Edge]:
    """The directly-follows edges of `rows` (case_id, activity, started, ended), ordered
    case by case and each case by its path; (None, a): a case began with a, (a, None): it
    ended there."""
    edges: dict[tuple[str | None, str | None], Edge] = {}

    def edge(key: tuple[str | None, str | None]) -> Edge:
        found = edges.get(key)
        if found is None:
            found = edges[key] = Edge()
        return found

    for _, steps in groupby(rows, _CASE):
        before: tuple[Any, ...] | None = None
        for step in steps:
            if before is None:
                edge((None, step[1])).count += 1
            else:
                _follow(edge((before[1], step[1])), before[3], step[2])
            before = step
        if before is not None:
            edge((before[1], None)).count += 1
    return edges


def _follow(found: Edge, ended: float | None, started: float) -> None:
    found.count += 1
    if ended is None:
        return
    gap = float(started - ended)
    found.gaps += 1
    found.total += gap
    found.min = gap if found.min is None or gap < found.min else found.min
    found.max = gap if found.max is None or gap > found.max else found.max
