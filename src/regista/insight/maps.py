"""The process map as a picture: the directly-follows graph (the `dfg` report) drawn as an
SVG in layers from left to right — each activity in the column of its distance from the
start, arcs labelled with how often they were taken and the mean time between the two
steps, arcs going back (loops, rework) drawn as curves below. Every name is escaped."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from regista.insight.charts import duration_label

__all__ = ["process_map_svg"]

START, END = "\x00start", "\x00end"
"""The map's two ends: a source of None (a case began) and a target of None (it ended)."""

_W, _H = 150, 40  # an activity's box
_COLUMN, _ROW, _MARGIN = 210, 70, 30


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def _short(text: str, size: int = 20) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Box:
    x: float
    y: float


def _layers(nodes: list[str], edges: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Each node's column: its distance from the start along the arcs (breadth first, so
    a loop does not push its nodes right); nodes the start does not reach go last."""
    after: dict[str, list[str]] = {}
    for edge in edges:
        after.setdefault(edge["_source"], []).append(edge["_target"])
    layer = {START: 0}
    queue = deque([START])
    while queue:
        node = queue.popleft()
        for nxt in sorted(after.get(node, ())):
            if nxt not in layer:
                layer[nxt] = layer[node] + 1
                queue.append(nxt)
    deepest = max((v for k, v in layer.items() if k != END), default=0)
    for node in nodes:
        layer.setdefault(node, deepest + 1)
    # the end is always the last column
    layer[END] = max(max(v for k, v in layer.items() if k != END) + 1, layer.get(END, 0))
    return layer


def process_map_svg(rows: Sequence[dict[str, Any]], *, title: str = "Process map") -> str:
    """The map of the `dfg` report's rows (source, target, their names, count,
    mean_gap) as a standalone SVG document; an empty history gives an empty map."""
    edges = [{**r, "_source": r["source"] or START, "_target": r["target"] or END} for r in rows]
    names: dict[str, str] = {START: "start", END: "end"}
    for r in rows:
        if r["source"] is not None:
            names[r["source"]] = str(r.get("source_name") or r["source"])
        if r["target"] is not None:
            names[r["target"]] = str(r.get("target_name") or r["target"])
    nodes = sorted(names)
    layer = _layers(nodes, edges)
    columns: dict[int, list[str]] = {}
    for node in sorted(nodes, key=lambda n: (layer[n], names[n].lower(), n)):
        columns.setdefault(layer[node], []).append(node)
    tallest = max((len(c) for c in columns.values()), default=1)
    boxes: dict[str, _Box] = {}
    for index, members in columns.items():
        # a column centred on the tallest one
        top = _MARGIN + (tallest - len(members)) * _ROW / 2
        for row, node in enumerate(members):
            boxes[node] = _Box(_MARGIN + index * _COLUMN, top + row * _ROW)
    width = int(_MARGIN * 2 + (max(columns, default=0)) * _COLUMN + _W)
    height = int(_MARGIN * 2 + tallest * _ROW + 40)
    heaviest = max((int(e["count"]) for e in edges), default=1) or 1
    label = _attr(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" '
        f'role="img" aria-label="{label}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="map-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#44505c"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for edge in sorted(edges, key=lambda e: int(e["count"])):
        parts.append(_arc(edge, boxes, layer, names, heaviest))
    for node in nodes:
        box = boxes[node]
        name = names[node]
        if node in (START, END):
            parts.append(
                f'<g class="map-end"><circle cx="{box.x + _W / 2}" cy="{box.y + _H / 2}" r="16" '
                f'fill="#eef2f6" stroke="#44505c" stroke-width="{1 if node == START else 3}"/>'
                f'<text x="{box.x + _W / 2}" y="{box.y + _H / 2 + 4}" text-anchor="middle">'
                f"{escape(name)}</text></g>"
            )
            continue
        parts.append(
            f'<g class="map-node" data-element="{_attr(node)}"><title>{escape(name)} '
            f"({escape(node)})</title>"
            f'<rect x="{box.x}" y="{box.y}" width="{_W}" height="{_H}" rx="6" '
            f'fill="#eef4fb" stroke="#0b5cad"/>'
            f'<text x="{box.x + _W / 2}" y="{box.y + _H / 2 + 4}" text-anchor="middle">'
            f"{escape(_short(name))}</text></g>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _arc(
    edge: dict[str, Any],
    boxes: dict[str, _Box],
    layer: dict[str, int],
    names: dict[str, str],
    heaviest: int,
) -> str:
    """One arc: a curve from the right of its source to the left of its target (below the
    boxes when it goes back), its width by its frequency, labelled count · mean gap."""
    source, target = boxes[edge["_source"]], boxes[edge["_target"]]
    # the ends are circles of radius 16 in the middle of their box
    left_in = _W / 2 - 16 if edge["_target"] in (START, END) else 0
    right_out = _W / 2 + 16 if edge["_source"] in (START, END) else _W
    count = int(edge["count"])
    gap = edge.get("mean_gap")
    text = f"{count}" + (f" · {duration_label(gap)}" if gap is not None else "")
    stroke = 1 + 5 * count / heaviest
    forward = layer[edge["_target"]] > layer[edge["_source"]]
    if forward:
        x1, y1 = source.x + right_out, source.y + _H / 2
        x2, y2 = target.x + left_in, target.y + _H / 2
        bend = (x2 - x1) / 2
        path = (
            f"M{x1:.1f},{y1:.1f} "
            f"C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        )
        lx, ly = (x1 + x2) / 2, (y1 + y2) / 2 - 8
    else:
        # back (or to itself): leave from the bottom of the source, come in at the bottom
        # of the target, dipping below both
        x1, y1 = source.x + _W * 0.65, source.y + _H
        x2, y2 = target.x + _W * 0.35, target.y + _H
        dip = max(y1, y2) + 30 + abs(x1 - x2) * 0.05
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{dip:.1f} {x2:.1f},{dip:.1f} {x2:.1f},{y2:.1f}"
        lx, ly = (x1 + x2) / 2, dip - 4
    whole = f"{names[edge['_source']]} → {names[edge['_target']]}: {count} times" + (
        f", mean {duration_label(gap)} between" if gap is not None else ""
    )
    return (
        f'<g class="map-arc"><title>{escape(whole)}</title>'
        f'<path d="{path}" fill="none" stroke="#44505c" stroke-opacity="0.7" '
        f'stroke-width="{stroke:.1f}" marker-end="url(#map-arrow)"/>'
        f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="middle" fill="#1b2530" '
        f'paint-order="stroke" stroke="white" stroke-width="3">{escape(text)}</text></g>'
    )
