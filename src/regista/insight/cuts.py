"""The directly-follows graph of a log and the four cuts of the inductive miner.

Following Leemans, Fahland and van der Aalst ("Discovering block-structured process
models from event logs", 2013, and the infrequent variant IMf), a cut partitions the
activities into groups such that the graph's edges between groups match one operator:
no edges (exclusive choice), edges one way only (sequence), edges both ways between every
pair (parallel), or a body holding every start and end activity with redo parts that
leave its ends and return to its starts (loop). Each finder returns the groups, or None.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from regista.insight.process_tree import Log

__all__ = ["Dfg", "exclusive_cut", "loop_cut", "parallel_cut", "sequence_cut"]

Groups = list[set[str]]


@dataclass
class Dfg:
    """Activities, directly-follows edges, start and end activities, each with its count."""

    activities: Counter[str] = field(default_factory=Counter)
    edges: Counter[tuple[str, str]] = field(default_factory=Counter)
    starts: Counter[str] = field(default_factory=Counter)
    ends: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, log: Log) -> Dfg:
        dfg = cls()
        for trace, count in log.items():
            if not trace:
                continue
            dfg.starts[trace[0]] += count
            dfg.ends[trace[-1]] += count
            for a in trace:
                dfg.activities[a] += count
            for a, b in pairwise(trace):
                dfg.edges[(a, b)] += count
        return dfg

    def filtered(self, noise: float) -> Dfg:
        """IMf's filter: drop each edge whose count is under `noise` times the most
        frequent edge leaving the same activity, and the start and end activities under
        `noise` times the most frequent one."""
        strongest: dict[str, int] = defaultdict(int)
        for (a, _), n in self.edges.items():
            strongest[a] = max(strongest[a], n)
        edges = Counter({e: n for e, n in self.edges.items() if n >= noise * strongest[e[0]]})
        top_start = max(self.starts.values(), default=0)
        top_end = max(self.ends.values(), default=0)
        starts = Counter({a: n for a, n in self.starts.items() if n >= noise * top_start})
        ends = Counter({a: n for a, n in self.ends.items() if n >= noise * top_end})
        return Dfg(Counter(self.activities), edges, starts, ends)

    def successors(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {a: set() for a in self.activities}
        for a, b in self.edges:
            found[a].add(b)
        return found


def _components(nodes: set[str], linked: dict[str, set[str]]) -> Groups:
    """Connected components of an undirected graph, in a stable order."""
    seen: set[str] = set()
    groups: Groups = []
    for start in sorted(nodes):
        if start in seen:
            continue
        group = {start}
        todo = [start]
        while todo:
            for other in linked.get(todo.pop(), ()):
                if other in nodes and other not in group:
                    group.add(other)
                    todo.append(other)
        seen |= group
        groups.append(group)
    return groups


def _undirected(dfg: Dfg) -> dict[str, set[str]]:
    linked: dict[str, set[str]] = defaultdict(set)
    for a, b in dfg.edges:
        linked[a].add(b)
        linked[b].add(a)
    return linked


def exclusive_cut(dfg: Dfg) -> Groups | None:
    """Groups with no edge between them: the connected components of the graph."""
    groups = _components(set(dfg.activities), _undirected(dfg))
    return groups if len(groups) > 1 else None


def _reach(dfg: Dfg) -> dict[str, set[str]]:
    """Every activity reachable from each activity along one or more edges."""
    successors = dfg.successors()
    reach: dict[str, set[str]] = {}
    for start in dfg.activities:
        found: set[str] = set()
        todo = list(successors[start])
        while todo:
            node = todo.pop()
            if node not in found:
                found.add(node)
                todo.extend(successors[node])
        reach[start] = found
    return reach


def sequence_cut(dfg: Dfg) -> Groups | None:
    """Groups in order such that every activity of an earlier group reaches every later
    one and none is reached back: strongly connected components, those that cannot reach
    each other merged, ordered by reachability."""
    reach = _reach(dfg)
    groups: Groups = []
    for a in sorted(dfg.activities):
        for group in groups:
            member = next(iter(group))
            if a in reach[member] and member in reach[a]:
                group.add(a)
                break
        else:
            groups.append({a})

    def reaches(g: set[str], h: set[str]) -> bool:
        return any(reach[a] & h for a in g)

    # components that cannot reach each other either way belong together (transitively)
    unrelated: dict[str, set[str]] = defaultdict(set)
    keys = [min(g) for g in groups]
    for i, g in enumerate(groups):
        for j in range(i + 1, len(groups)):
            if not reaches(g, groups[j]) and not reaches(groups[j], g):
                unrelated[keys[i]].add(keys[j])
                unrelated[keys[j]].add(keys[i])
    by_key = dict(zip(keys, groups, strict=True))
    groups = [
        set().union(*(by_key[k] for k in component))
        for component in _components(set(keys), unrelated)
    ]
    if len(groups) < 2:
        return None
    # later groups are reached by more groups
    rank = [sum(1 for h in groups if h is not g and reaches(h, g)) for g in groups]
    groups = [g for _, g in sorted(zip(rank, groups, strict=True), key=lambda p: p[0])]
    for i, earlier in enumerate(groups):
        for later in groups[i + 1 :]:
            for a in earlier:
                if not later <= reach[a] or any(reach[b] & {a} for b in later):
                    return None
    return groups


def parallel_cut(dfg: Dfg) -> Groups | None:
    """Groups every pair of which is joined by edges both ways, each holding a start and
    an end activity: the components of the graph where two activities are linked unless
    each directly follows the other."""
    nodes = set(dfg.activities)
    linked: dict[str, set[str]] = defaultdict(set)
    for a in nodes:
        for b in nodes:
            if a != b and not ((a, b) in dfg.edges and (b, a) in dfg.edges):
                linked[a].add(b)
    groups = _components(nodes, linked)
    complete = [g for g in groups if g & set(dfg.starts) and g & set(dfg.ends)]
    partial = [g for g in groups if not (g & set(dfg.starts) and g & set(dfg.ends))]
    if not complete:
        return None
    for g in partial:
        # a group that can neither start nor end joins one that can
        complete[0] |= g
    return complete if len(complete) > 1 else None


def loop_cut(dfg: Dfg) -> Groups | None:
    """A body (first group) holding every start and end activity, and redo parts entered
    only from the body's ends, left only to its starts, each fully connected to them."""
    starts, ends = set(dfg.starts), set(dfg.ends)
    body = starts | ends
    rest = set(dfg.activities) - body
    if not rest or not starts:
        return None
    linked = _undirected(dfg)
    parts = _components(rest, {a: linked[a] - body for a in rest})
    changed = True
    while changed:
        changed = False
        for part in list(parts):
            if _belongs_to_body(dfg, part, body, starts, ends):
                body |= part
                parts.remove(part)
                changed = True
    if not parts:
        return None
    return [body, *parts]


def _belongs_to_body(
    dfg: Dfg, part: set[str], body: set[str], starts: set[str], ends: set[str]
) -> bool:
    entered_from = {a for (a, b) in dfg.edges if b in part and a in body}
    left_to = {b for (a, b) in dfg.edges if a in part and b in body}
    if entered_from - ends or left_to - starts:
        return True  # entered from the middle of the body, or back into its middle
    if not entered_from or not left_to:
        return True  # a redo part must both leave the body and come back
    for target in {b for (a, b) in dfg.edges if a in ends and b in part}:
        if any((e, target) not in dfg.edges for e in ends):
            return True
    return any(
        any((source, s) not in dfg.edges for s in starts)
        for source in {a for (a, b) in dfg.edges if a in part and b in starts}
    )
