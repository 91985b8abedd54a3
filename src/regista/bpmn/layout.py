"""Diagram interchange for models that have none: a simple left-to-right layered layout.

Each scope (process, subprocess) is laid out as a grid: the column of a node is its
longest distance from the scope's start (back edges of loops ignored), its row follows
its first predecessor so the main path stays straight. Subprocesses are expanded and
sized to their content, event subprocesses go below, boundary events sit on the bottom
border of their activity, lanes become horizontal bands and participants pools.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from regista.model.bpmn import (
    Activity,
    BoundaryEvent,
    Bounds,
    Collaboration,
    Definitions,
    Diagram,
    Edge,
    Event,
    FlowNode,
    Gateway,
    Lane,
    Point,
    Process,
    Shape,
    StartEvent,
    SubProcess,
)
from regista.model.frozen import FrozenDict

__all__ = ["diagrams_for"]

_GAP_X = 50.0
_GAP_Y = 60.0
_PAD = 30.0
_POOL_HEADER = 30.0


def diagrams_for(definitions: Definitions) -> tuple[Diagram, ...]:
    """The diagrams to write: the parsed ones if they still show every element, else a
    generated layout."""
    if definitions.diagrams and _covers(definitions):
        return definitions.diagrams
    diagrams: list[Diagram] = []
    pooled: set[str] = set()
    for index, collaboration in enumerate(definitions.collaborations, start=1):
        diagrams.append(_collaboration_diagram(definitions, collaboration, index))
        pooled.update(p.process_ref for p in collaboration.participants if p.process_ref)
    for process in definitions.processes.values():
        if process.id not in pooled:
            canvas = _Canvas()
            width, height = canvas.process(process, 150.0 + _POOL_HEADER + _PAD, 80.0 + _PAD)
            if process.lanes:
                frame = Bounds(150.0, 80.0, width + _POOL_HEADER + 2 * _PAD, height + 2 * _PAD)
                canvas.lanes(process, frame)
            diagrams.append(canvas.diagram(f"BPMNDiagram_{process.id}", process.id))
    return tuple(diagrams)


def _covers(definitions: Definitions) -> bool:
    shapes = {key for d in definitions.diagrams for key in d.shapes}
    edges = {key for d in definitions.diagrams for key in d.edges}
    for process in definitions.processes.values():
        if not set(process.elements) <= shapes or not set(process.flows) <= edges:
            return False
    for collaboration in definitions.collaborations:
        if not {p.id for p in collaboration.participants} <= shapes:
            return False
        if not {f.id for f in collaboration.message_flows} <= edges:
            return False
    return True


def _collaboration_diagram(
    definitions: Definitions, collaboration: Collaboration, index: int
) -> Diagram:
    canvas = _Canvas()
    y = 80.0
    placed: list[tuple[Bounds, Process | None]] = []
    for participant in collaboration.participants:
        process = definitions.processes.get(participant.process_ref or "")
        if process is None:
            bounds = Bounds(150.0, y, 600.0, 60.0)
        else:
            left = 150.0 + _POOL_HEADER + _PAD
            width, height = canvas.process(process, left, y + _PAD)
            bounds = Bounds(
                150.0, y, max(width + _POOL_HEADER + 2 * _PAD, 600.0), height + 2 * _PAD
            )
        placed.append((bounds, process))
        canvas.shapes[participant.id] = Shape(
            element_id=participant.id, bounds=bounds, is_horizontal=True
        )
        y += bounds.height + 40.0
    for bounds, process in placed:
        if process is not None and process.lanes:
            canvas.lanes(process, bounds)
    for flow in collaboration.message_flows:
        source = canvas.shapes.get(flow.source)
        target = canvas.shapes.get(flow.target)
        if source is None or target is None:
            continue
        s, t = source.bounds, target.bounds
        down = s.y + s.height <= t.y
        start = Point(s.x + s.width / 2, s.y + s.height if down else s.y)
        end = Point(
            start.x if t.x <= start.x <= t.x + t.width else t.x + t.width / 2,
            t.y if down else t.y + t.height,
        )
        canvas.edges[flow.id] = Edge(element_id=flow.id, waypoints=(start, end))
    return canvas.diagram(f"BPMNDiagram_{index}", collaboration.id)


@dataclass
class _Block:
    """The laid-out content of one scope, in coordinates relative to its top-left."""

    width: float = 0.0
    height: float = 0.0
    positions: dict[str, Bounds] = field(default_factory=dict)
    inner: dict[str, _Block] = field(default_factory=dict)
    bands: list[tuple[float, float]] = field(default_factory=list)


def _size(node: FlowNode) -> tuple[float, float]:
    if isinstance(node, Event):
        return 36.0, 36.0
    if isinstance(node, Gateway):
        return 50.0, 50.0
    return 100.0, 80.0


class _Canvas:
    """Collects the shapes and edges of one diagram."""

    def __init__(self) -> None:
        self.shapes: dict[str, Shape] = {}
        self.edges: dict[str, Edge] = {}
        self.process_blocks: dict[str, tuple[_Block, float, float]] = {}

    def diagram(self, diagram_id: str, plane_element: str) -> Diagram:
        return Diagram(
            id=diagram_id,
            plane_element=plane_element,
            shapes=FrozenDict(self.shapes),
            edges=FrozenDict(self.edges),
        )

    def process(self, process: Process, x: float, y: float) -> tuple[float, float]:
        """Lay out `process` with its top-left content corner at (x, y); returns its size."""
        block = self._arrange(process, process.id)
        self.process_blocks[process.id] = (block, x, y)
        self._place(process, process.id, block, x, y)
        self._edges(process)
        return block.width, block.height

    # -- arranging ------------------------------------------------------------------------

    def _arrange(self, process: Process, scope_id: str) -> _Block:
        members = [
            process.elements[i]
            for i in _children(process, scope_id)
            if not isinstance(process.elements[i], BoundaryEvent)
            and not _is_event_subprocess(process.elements[i])
        ]
        block = _Block()
        sizes: dict[str, tuple[float, float]] = {}
        for node in members:
            if isinstance(node, SubProcess):
                inner = self._arrange(process, node.id)
                block.inner[node.id] = inner
                sizes[node.id] = (
                    max(inner.width + 2 * _PAD, 200.0),
                    max(inner.height + 2 * _PAD, 120.0),
                )
            else:
                sizes[node.id] = _size(node)
        ids = [n.id for n in members]
        successors = _successors(process, ids)
        rank = _ranks(ids, successors, process)
        band, band_count = _bands(process, scope_id, ids)
        row = _rows(ids, successors, rank, band, _priority(process, ids))
        columns = max(rank.values(), default=-1) + 1
        col_width = [0.0] * columns
        for node_id in ids:
            col_width[rank[node_id]] = max(col_width[rank[node_id]], sizes[node_id][0])
        col_x = [0.0] * columns
        for c in range(1, columns):
            col_x[c] = col_x[c - 1] + col_width[c - 1] + _GAP_X
        row_height: dict[tuple[int, int], float] = defaultdict(float)
        for node_id in ids:
            row_height[row[node_id]] = max(row_height[row[node_id]], sizes[node_id][1])
        row_y: dict[tuple[int, int], float] = {}
        y = 0.0
        for b in range(band_count):
            start = y
            band_rows = sorted(r for r in row_height if r[0] == b)
            if not band_rows:
                y += 100.0 + _GAP_Y
            for r in band_rows:
                row_y[r] = y
                y += row_height[r] + _GAP_Y
            block.bands.append((start - _GAP_Y / 2, y - _GAP_Y / 2))
        for node_id in ids:
            w, h = sizes[node_id]
            c, r = rank[node_id], row[node_id]
            block.positions[node_id] = Bounds(
                col_x[c] + (col_width[c] - w) / 2, row_y[r] + (row_height[r] - h) / 2, w, h
            )
        block.width = (col_x[-1] + col_width[-1]) if columns else 100.0
        block.height = max(y - _GAP_Y, 80.0)
        x = 0.0
        event_subs = [
            i for i in _children(process, scope_id) if _is_event_subprocess(process.elements[i])
        ]
        if event_subs:
            top = block.height + _GAP_Y
            tallest = 0.0
            for sub_id in event_subs:
                inner = self._arrange(process, sub_id)
                block.inner[sub_id] = inner
                w, h = max(inner.width + 2 * _PAD, 200.0), max(inner.height + 2 * _PAD, 120.0)
                block.positions[sub_id] = Bounds(x, top, w, h)
                x += w + _GAP_X
                tallest = max(tallest, h)
            block.width = max(block.width, x - _GAP_X)
            block.height = top + tallest
        data = [
            d for d in process.data_objects.values() if d.parent == scope_id and d.kind != "object"
        ]
        if data:
            top = block.height + _GAP_Y
            for i, item in enumerate(data):
                block.positions[item.id] = Bounds(i * 86.0, top, 36.0, 50.0)
            block.width = max(block.width, len(data) * 86.0)
            block.height = top + 50.0
        return block

    def _place(self, process: Process, scope_id: str, block: _Block, x: float, y: float) -> None:
        for element_id, rel in block.positions.items():
            bounds = Bounds(x + rel.x, y + rel.y, rel.width, rel.height)
            node = process.elements.get(element_id)
            expanded = True if isinstance(node, SubProcess) else None
            self.shapes[element_id] = Shape(
                element_id=element_id, bounds=bounds, is_expanded=expanded
            )
            if element_id in block.inner:
                self._place(
                    process, element_id, block.inner[element_id], bounds.x + _PAD, bounds.y + _PAD
                )
        for element_id in _children(process, scope_id):
            node = process.elements[element_id]
            if isinstance(node, BoundaryEvent):
                host = self.shapes.get(node.attached_to)
                base = host.bounds if host else Bounds(x, y, 100.0, 80.0)
                host_node = process.elements.get(node.attached_to)
                siblings = host_node.boundary_events if isinstance(host_node, Activity) else ()
                k = siblings.index(element_id) if element_id in siblings else 0
                cx = base.x + base.width - 18.0 - k * 44.0
                if cx < base.x + 18.0:
                    cx = base.x + 18.0
                self.shapes[element_id] = Shape(
                    element_id=element_id,
                    bounds=Bounds(cx - 18.0, base.y + base.height - 18.0, 36.0, 36.0),
                )

    # -- edges and lanes ------------------------------------------------------------------

    def _edges(self, process: Process) -> None:
        for flow in process.flows.values():
            s = self.shapes.get(flow.source)
            t = self.shapes.get(flow.target)
            if s is None or t is None:
                continue
            source = process.elements.get(flow.source)
            self.edges[flow.id] = Edge(
                element_id=flow.id,
                waypoints=_route(s.bounds, t.bounds, isinstance(source, BoundaryEvent)),
            )
        for association in process.associations.values():
            s = self.shapes.get(association.source)
            t = self.shapes.get(association.target)
            if s is None or t is None:
                continue
            sb, tb = s.bounds, t.bounds
            start = Point(sb.x + sb.width / 2, sb.y + sb.height)
            points: tuple[Point, ...]
            if tb.x > start.x:
                points = (
                    start,
                    Point(start.x, tb.y + tb.height / 2),
                    Point(tb.x, tb.y + tb.height / 2),
                )
            else:
                points = (start, Point(tb.x + tb.width / 2, tb.y))
            self.edges[association.id] = Edge(element_id=association.id, waypoints=points)

    def lanes(self, process: Process, pool: Bounds) -> None:
        """Shapes for the lanes of `process` inside `pool`, one band per leaf lane."""
        block, _, y = self.process_blocks[process.id]
        leaves = _leaf_lanes(process.lanes)
        bands = block.bands
        left = pool.x + _POOL_HEADER
        width = pool.width - _POOL_HEADER

        def place(lane: Lane) -> tuple[float, float]:
            if lane.child_lanes:
                spans = [place(child) for child in lane.child_lanes]
                top, bottom = spans[0][0], spans[-1][1]
            else:
                i = leaves.index(lane)
                top, bottom = y + bands[i][0], y + bands[i][1]
                if i == 0:
                    top = pool.y
                if i == len(leaves) - 1:
                    bottom = max(bottom, pool.y + pool.height)
            self.shapes[lane.id] = Shape(
                element_id=lane.id,
                bounds=Bounds(left, top, width, bottom - top),
                is_horizontal=True,
            )
            return top, bottom

        for lane in process.lanes:
            place(lane)


def _route(s: Bounds, t: Bounds, from_boundary: bool) -> tuple[Point, ...]:
    scx, scy = s.x + s.width / 2, s.y + s.height / 2
    tcx, tcy = t.x + t.width / 2, t.y + t.height / 2
    if from_boundary:
        start = Point(scx, s.y + s.height)
        if t.x > scx:
            return (start, Point(scx, tcy), Point(t.x, tcy))
        return (start, Point(tcx, t.y))
    if t.x >= s.x + s.width:
        right = s.x + s.width
        if abs(scy - tcy) < 1:
            return (Point(right, scy), Point(t.x, tcy))
        mid = (right + t.x) / 2
        return (Point(right, scy), Point(mid, scy), Point(mid, tcy), Point(t.x, tcy))
    below = max(s.y + s.height, t.y + t.height) + 25.0
    return (
        Point(scx, s.y + s.height),
        Point(scx, below),
        Point(tcx, below),
        Point(tcx, t.y + t.height),
    )


def _children(process: Process, scope_id: str) -> tuple[str, ...]:
    if scope_id == process.id:
        return process.children
    node = process.elements[scope_id]
    return node.children if isinstance(node, SubProcess) else ()


def _is_event_subprocess(node: FlowNode) -> bool:
    return isinstance(node, SubProcess) and node.triggered_by_event


def _host_of(process: Process, node_id: str) -> str:
    node = process.elements.get(node_id)
    return node.attached_to if isinstance(node, BoundaryEvent) else node_id


def _successors(process: Process, ids: list[str]) -> dict[str, list[str]]:
    """Edges between the laid-out nodes; a boundary event's flows leave from its host."""
    members = set(ids)
    successors: dict[str, list[str]] = defaultdict(list)
    links = [(f.source, f.target) for f in process.flows.values()]
    links += [(a.source, a.target) for a in process.associations.values()]
    for source_id, target in links:
        source = _host_of(process, source_id)
        if source in members and target in members:
            successors[source].append(target)
    return successors


def _ranks(ids: list[str], successors: dict[str, list[str]], process: Process) -> dict[str, int]:
    """Longest-path layering with the back edges of loops found by depth-first search."""
    predecessors_count = {i: 0 for i in ids}
    for targets in successors.values():
        for target in targets:
            predecessors_count[target] += 1
    roots = [i for i in ids if isinstance(process.elements[i], StartEvent)]
    roots += [i for i in ids if predecessors_count[i] == 0 and i not in roots]
    order = roots + [i for i in ids if i not in roots]
    state: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in order:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            targets = successors.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    back.add((node, target))
                elif target not in state:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
    indegree = {i: 0 for i in ids}
    for source, targets in successors.items():
        for target in targets:
            if (source, target) not in back:
                indegree[target] += 1
    rank = {i: 0 for i in ids}
    ready = [i for i in order if indegree[i] == 0]
    while ready:
        node = ready.pop(0)
        for target in successors.get(node, []):
            if (node, target) in back:
                continue
            rank[target] = max(rank[target], rank[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return rank


def _leaf_lanes(lanes: tuple[Lane, ...]) -> list[Lane]:
    leaves: list[Lane] = []
    for lane in lanes:
        leaves.extend(_leaf_lanes(lane.child_lanes) if lane.child_lanes else [lane])
    return leaves


def _bands(process: Process, scope_id: str, ids: list[str]) -> tuple[dict[str, int], int]:
    """The lane band of each node and the number of bands (one per leaf lane, or one)."""
    if scope_id != process.id or not process.lanes:
        return dict.fromkeys(ids, 0), 1
    leaves = _leaf_lanes(process.lanes)
    lane_of: dict[str, int] = {}
    for index, lane in enumerate(leaves):
        for ref in lane.flow_node_refs:
            lane_of.setdefault(ref, index)
    return {i: lane_of.get(i, 0) for i in ids}, len(leaves)


def _priority(process: Process, ids: list[str]) -> dict[str, int]:
    """Depth-first order along normal flows first, so the main path claims the top rows
    and the paths leaving boundary events go below it."""
    members = set(ids)
    main: dict[str, list[str]] = defaultdict(list)
    detours: list[str] = []
    links = [(f.source, f.target) for f in process.flows.values()]
    links += [(a.source, a.target) for a in process.associations.values()]
    for source, target in links:
        if target not in members:
            continue
        if isinstance(process.elements.get(source), BoundaryEvent):
            detours.append(target)
        elif source in members:
            main[source].append(target)
    roots = [i for i in ids if isinstance(process.elements[i], StartEvent)]
    order: dict[str, int] = {}
    for root in [*roots, *detours, *ids]:
        stack = [root]
        while stack:
            node = stack.pop()
            if node in order:
                continue
            order[node] = len(order)
            stack.extend(reversed(main.get(node, [])))
    return order


def _rows(
    ids: list[str],
    successors: dict[str, list[str]],
    rank: dict[str, int],
    band: dict[str, int],
    priority: dict[str, int],
) -> dict[str, tuple[int, int]]:
    """Grid rows as (band, row in band): a node takes its first predecessor's row when that
    cell is free, so straight paths stay straight."""
    first_pred: dict[str, str] = {}
    for source in ids:
        for target in successors.get(source, []):
            first_pred.setdefault(target, source)
    taken: set[tuple[int, int, int]] = set()
    row: dict[str, tuple[int, int]] = {}
    for node_id in sorted(ids, key=lambda i: (rank[i], priority[i])):
        pred = first_pred.get(node_id)
        b = band[node_id]
        wanted = row[pred][1] if pred in row and row[pred][0] == b else 0
        while (rank[node_id], b, wanted) in taken:
            wanted += 1
        taken.add((rank[node_id], b, wanted))
        row[node_id] = (b, wanted)
    return row
