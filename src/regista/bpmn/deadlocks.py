"""Joins that can never fire, found from the structure of a process alone.

Two small checks, each erring towards silence rather than a false alarm:

- A parallel join with an incoming flow that a token can reach only by passing through the
  join itself (a loop back into a parallel join) waits forever: the join fires only once
  every incoming flow has a token, and that flow gets one only after the join has fired.
  This is certain, so it is an error. Every node with no incoming flow (start events of
  any scope, boundary events, link catch events, compensation handlers, ...) counts as a
  place where tokens may appear, so the check never claims a flow unreachable that is not.
- A parallel join fed by two different branches of the same exclusive (XOR) gateway —
  every way to each of those incoming flows passes through that gateway and leaves it by
  a different outgoing flow — gets only one of them per token at the gateway: a warning,
  since the join could still fire if several tokens pass the gateway (a loop, an upstream
  parallel split).
"""

from __future__ import annotations

from collections.abc import Iterator

from regista.model.bpmn import (
    Activity,
    BoundaryEvent,
    ExclusiveGateway,
    FlowNode,
    ParallelGateway,
    Problem,
    Process,
    SubProcess,
)

__all__ = ["deadlocks"]


def deadlocks(process: Process, file: str | None = None) -> Iterator[Problem]:
    """The joins of `process` that can never fire (errors) or probably cannot (warnings)."""
    graph = _Graph(process)
    for node in process.elements.values():
        if not isinstance(node, ParallelGateway) or len(node.incoming) < 2:
            continue
        looped = [f for f in node.incoming if not graph.reachable_avoiding(f, node.id)]
        looped = [f for f in looped if graph.reachable_from(node.id, f)]
        if looped:
            flows = ", ".join(f"'{f}'" for f in looped)
            yield Problem(
                severity="error",
                message=(
                    f"the parallel join waits for a token on {flows}, which only a path "
                    "through the join itself leads to, so it can never fire; merge the flow "
                    "that loops back with an exclusive gateway placed before the join"
                ),
                element_id=node.id,
                line=node.line,
                file=file,
            )
            continue
        yield from _exclusive_feeds(process, graph, node, file)


def _exclusive_feeds(
    process: Process, graph: _Graph, join: ParallelGateway, file: str | None
) -> Iterator[Problem]:
    for split in process.elements.values():
        if not isinstance(split, ExclusiveGateway) or len(split.outgoing) < 2:
            continue
        if split.parent != join.parent or graph.reachable_from(join.id, split.id, node=True):
            continue  # a loop through the join: the gateway may well pass several tokens
        branch_of: dict[str, str] = {}
        for flow in join.incoming:
            if graph.reachable_avoiding(flow, split.id):
                continue  # a token may arrive here without choosing at the gateway
            branches = [out for out in split.outgoing if graph.branch_reaches(out, flow, split.id)]
            if len(branches) == 1:
                branch_of[flow] = branches[0]
        if len(set(branch_of.values())) >= 2:
            flows = ", ".join(f"'{f}'" for f in sorted(branch_of))
            yield Problem(
                severity="warning",
                message=(
                    f"the parallel join waits for tokens on {flows}, which come from different "
                    f"branches of the exclusive gateway '{split.id}', which takes only one of "
                    "them: the join never fires unless several tokens pass that gateway; use "
                    "an exclusive or inclusive gateway to merge them"
                ),
                element_id=join.id,
                line=join.line,
                file=file,
            )
            return


class _Graph:
    """Reachability over the sequence flows of one process (all scopes)."""

    def __init__(self, process: Process) -> None:
        self.process = process
        self.flows = process.flows
        self.nodes = process.elements
        self.roots = [n.id for n in self.nodes.values() if self._is_root(n)]

    def _is_root(self, node: FlowNode) -> bool:
        # Anywhere a token may appear without a sequence flow leading there.
        return not [f for f in node.incoming if f in self.flows] or isinstance(node, BoundaryEvent)

    def _next(self, node_id: str) -> Iterator[str]:
        node = self.nodes.get(node_id)
        if node is None:
            return
        for flow_id in node.outgoing:
            flow = self.flows.get(flow_id)
            if flow is not None:
                yield flow.target
        if isinstance(node, Activity):
            yield from node.boundary_events
        if isinstance(node, SubProcess):
            yield from node.start_events

    def _walk(self, starts: list[str], avoid: str) -> set[str]:
        seen: set[str] = set()
        todo = [s for s in starts if s != avoid]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo.extend(n for n in self._next(current) if n != avoid and n not in seen)
        return seen

    def reachable_avoiding(self, flow_id: str, avoid: str) -> bool:
        """Whether a token may reach the source of `flow_id` without passing `avoid`."""
        source = self.flows[flow_id].source
        return source in self._walk(self.roots, avoid)

    def reachable_from(self, start: str, target: str, *, node: bool = False) -> bool:
        """Whether the flow (or with `node`, the node) `target` lies downstream of `start`."""
        seen = self._walk(list(self._next(start)), "")
        if node:
            return target in seen
        return self.flows[target].source in seen or self.flows[target].source == start

    def branch_reaches(self, out_flow: str, flow_id: str, split: str) -> bool:
        """Whether leaving `split` by `out_flow` may lead to the source of `flow_id`."""
        source = self.flows[flow_id].source
        if source == split:
            return self.flows[flow_id].id == out_flow
        return source in self._walk([self.flows[out_flow].target], split)
