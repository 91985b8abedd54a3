"""Facts about a process the engine looks up on every step, computed once per model.

The model already knows each node's flows, parent and boundary events; this adds what the
engine derives from them: the joining gateways, the none start event of each scope, the
event subprocess starts a scope must arm, link targets, compensation handlers, the
elements with asynchronous continuations, the elements that instantiate the process besides
its start events, and (lazily, per inclusive join) the elements from which a token can
still reach the join.
"""

from __future__ import annotations

from collections import deque

from regista.model.bpmn import (
    Activity,
    BoundaryEvent,
    CompensateEventDefinition,
    EndEvent,
    Event,
    EventBasedGateway,
    FlowNode,
    InclusiveGateway,
    IntermediateCatchEvent,
    IntermediateThrowEvent,
    LinkEventDefinition,
    ManualTask,
    ParallelGateway,
    Process,
    ReceiveTask,
    StartEvent,
    SubProcess,
    Task,
)

__all__ = ["ProcessInfo", "process_info"]

_CACHE: dict[int, ProcessInfo] = {}
_CACHE_LIMIT = 512


def _type_name(node: FlowNode) -> str:
    name = type(node).__name__
    return name[0].lower() + name[1:]


class ProcessInfo:
    """Derived facts of one process model (see the module docstring)."""

    def __init__(self, process: Process) -> None:
        self.process = process
        elements = process.elements
        self.type_names: dict[str, str] = {k: _type_name(v) for k, v in elements.items()}
        self.joins: dict[str, str] = {}
        self.none_start: dict[str, str | None] = {}
        self.event_starts: dict[str, tuple[str, ...]] = {}
        self.links: dict[tuple[str, str], str] = {}
        self.compensation: dict[str, str] = {}
        #: Scopes holding a compensation event subprocess: scope id -> (event subprocess
        #: id, its compensation start event id).
        self.compensation_esp: dict[str, tuple[str, str]] = {}
        #: Activities with loop characteristics, and those with boundary events.
        self.looping = frozenset(
            k for k, v in elements.items() if isinstance(v, Activity) and v.loop is not None
        )
        self.bounded = frozenset(
            k for k, v in elements.items() if isinstance(v, Activity) and v.boundary_events
        )
        #: Elements with an asynchronous continuation before / after them.
        self.async_before = frozenset(k for k, v in elements.items() if v.async_before)
        self.async_after = frozenset(k for k, v in elements.items() if v.async_after)
        self._reach: dict[str, frozenset[str]] = {}
        #: Elements besides start events that start an instance when their message comes:
        #: an instantiating receive task (None), or an event after an instantiating
        #: event-based gateway (the gateway and the flow to the event).
        self.instantiates: dict[str, tuple[str, str] | None] = {}
        for node in elements.values():
            if (
                not isinstance(node, ReceiveTask | EventBasedGateway)
                or not node.instantiate
                or node.incoming
                or node.parent != process.id
            ):
                continue
            if isinstance(node, ReceiveTask):
                self.instantiates[node.id] = None
                continue
            for flow_id in node.outgoing:
                flow = process.flows.get(flow_id)
                if flow is not None:
                    self.instantiates[flow.target] = (node.id, flow_id)
        for node in elements.values():
            if isinstance(node, ParallelGateway) and len(node.incoming) > 1:
                self.joins[node.id] = "parallel"
            elif isinstance(node, InclusiveGateway) and len(node.incoming) > 1:
                self.joins[node.id] = "inclusive"
            if isinstance(node, IntermediateCatchEvent):
                for definition in node.event_definitions:
                    if isinstance(definition, LinkEventDefinition) and definition.name:
                        self.links.setdefault((node.parent, definition.name), node.id)
            if (
                isinstance(node, BoundaryEvent)
                and node.compensation_handler
                and any(isinstance(d, CompensateEventDefinition) for d in node.event_definitions)
            ):
                self.compensation.setdefault(node.attached_to, node.compensation_handler)
        #: Nodes that do nothing but pass the token on (no definitions, mappings, loops,
        #: boundary events or conditions): the runner moves tokens through them directly.
        self.plain = frozenset(
            k for k, v in elements.items() if _plain(v, process) and k not in self.compensation
        )
        self._scope(process.id, process.start_events, process.event_subprocesses)
        for node in elements.values():
            if isinstance(node, SubProcess):
                self._scope(node.id, node.start_events, node.event_subprocesses)

    def _scope(self, scope_id: str, starts: tuple[str, ...], event_subs: tuple[str, ...]) -> None:
        elements = self.process.elements
        plain = [s for s in starts if not _definitions(elements[s])]
        if plain:
            self.none_start[scope_id] = plain[0]
        elif len(starts) == 1:
            self.none_start[scope_id] = starts[0]
        else:
            self.none_start[scope_id] = None
        found: list[str] = []
        for sub_id in event_subs:
            sub = elements[sub_id]
            if isinstance(sub, SubProcess):
                found.extend(sub.start_events)
                for start_id in sub.start_events:
                    definitions = _definitions(elements[start_id])
                    if any(isinstance(d, CompensateEventDefinition) for d in definitions):
                        self.compensation_esp.setdefault(scope_id, (sub_id, start_id))
        self.event_starts[scope_id] = tuple(found)

    def reach(self, join_id: str) -> frozenset[str]:
        """Elements of the join's scope from which a token can still reach `join_id`
        (an activity counts when one of its boundary events leads there)."""
        found = self._reach.get(join_id)
        if found is not None:
            return found
        elements = self.process.elements
        flows = self.process.flows
        seen: set[str] = set()
        todo = deque([join_id])
        while todo:
            node = elements[todo.popleft()]
            sources = [flows[f].source for f in node.incoming if f in flows]
            if isinstance(node, BoundaryEvent) and node.attached_to:
                sources.append(node.attached_to)
            for source in sources:
                if source not in seen and source in elements:
                    seen.add(source)
                    todo.append(source)
        found = frozenset(seen)
        self._reach[join_id] = found
        return found


_PLAIN_TYPES = (StartEvent, EndEvent, IntermediateThrowEvent, Task, ManualTask)


def _plain(node: FlowNode, process: Process) -> bool:
    if type(node) not in _PLAIN_TYPES or node.inputs or node.outputs:
        return False
    if node.async_before or node.async_after:
        return False
    if isinstance(node, Event) and (node.event_definitions or node.job is not None):
        return False
    if isinstance(node, Activity) and (
        node.loop is not None
        or node.boundary_events
        or node.is_for_compensation
        or node.default is not None
    ):
        return False
    return all(f in process.flows and process.flows[f].condition is None for f in node.outgoing)


def _definitions(node: FlowNode) -> tuple[object, ...]:
    return node.event_definitions if isinstance(node, Event) else ()


def process_info(process: Process) -> ProcessInfo:
    """The `ProcessInfo` of `process`, cached by identity of the model object."""
    info = _CACHE.get(id(process))
    if info is not None and info.process is process:
        return info
    if len(_CACHE) >= _CACHE_LIMIT:
        _CACHE.clear()
    info = ProcessInfo(process)
    _CACHE[id(process)] = info
    return info
