"""The heatmaps of the Insight page: each element's figure (how often it ran, its median
or p90 service time) put on a scale of five levels, and the legend of that scale with its
numbers as text, so that the colours are never the only way to read it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from regista.insight.charts import duration_label

__all__ = ["LEVELS", "METRICS", "Heat", "heatmaps"]

LEVELS = 5


@dataclass(frozen=True, slots=True)
class Metric:
    """A heatmap: the `elements` report's column it shows, and how its figures read."""

    name: str
    title: str
    column: str
    duration: bool


METRICS = (
    Metric("frequency", "Frequency (executions)", "count", False),
    Metric("median", "Median service time", "service_p50", True),
    Metric("p90", "90th percentile service time", "service_p90", True),
)


@dataclass(frozen=True, slots=True)
class Heat:
    """One heatmap: its legend (level, figures from, to, as text) and per element its
    level and figure as text."""

    name: str
    title: str
    legend: list[dict[str, Any]]
    elements: dict[str, dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "legend": self.legend,
            "elements": self.elements,
        }


def _text(value: float, duration: bool) -> str:
    return duration_label(value) if duration else f"{value:,.0f}"


def _heat(metric: Metric, rows: Sequence[dict[str, Any]]) -> Heat:
    values = {
        str(r["activity"]): float(r[metric.column])
        for r in rows
        if r.get(metric.column) is not None
    }
    if not values:
        return Heat(metric.name, metric.title, [], {})
    low, high = min(values.values()), max(values.values())
    width = (high - low) / LEVELS
    legend = []
    for level in range(LEVELS if high > low else 1):
        start = low + level * width
        end = high if level == LEVELS - 1 or high == low else low + (level + 1) * width
        legend.append(
            {
                "level": level,
                "from": start,
                "to": end,
                "text": f"{_text(start, metric.duration)} – {_text(end, metric.duration)}",
            }
        )
    elements = {}
    for activity, value in values.items():
        level = 0 if high == low else min(int((value - low) / width), LEVELS - 1)
        elements[activity] = {"level": level, "value": value, "text": _text(value, metric.duration)}
    return Heat(metric.name, metric.title, legend, elements)


def heatmaps(rows: Sequence[dict[str, Any]]) -> list[Heat]:
    """The heatmaps of every metric over the `elements` report's rows."""
    return [_heat(metric, rows) for metric in METRICS]
