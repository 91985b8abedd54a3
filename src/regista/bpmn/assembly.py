"""Assembly of a `Process` from its flow nodes and flows: the precomputed relations.

Parser and builder both end here, so a process read from XML and the same process built
in code get identical `incoming`/`outgoing`, children, boundary events and defaults.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from regista.bpmn.sla import targets
from regista.model.bpmn import (
    Activity,
    Association,
    BaseElement,
    BoundaryEvent,
    CompensateEventDefinition,
    DataObject,
    FlowNode,
    Gateway,
    Lane,
    Process,
    SequenceFlow,
    StartEvent,
    SubProcess,
)
from regista.model.frozen import FrozenDict

__all__ = ["assemble_process"]


def assemble_process(
    fields: dict[str, Any],
    nodes: Iterable[FlowNode],
    flows: Iterable[SequenceFlow],
    *,
    associations: Iterable[Association] = (),
    data_objects: Iterable[DataObject] = (),
    lanes: tuple[Lane, ...] = (),
) -> Process:
    """Build a `Process` from `fields` (id, name, ...) and its elements, deriving every
    relation the engine follows. The first of several nodes with one id wins."""
    fields = {key: value for key, value in fields.items() if key != "sla_targets"}
    process_id: str = fields["id"]
    elements: dict[str, FlowNode] = {}
    for node in nodes:
        elements.setdefault(node.id, node)
    flow_list = list(flows)

    incoming: dict[str, list[str]] = defaultdict(list)
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow in flow_list:
        outgoing[flow.source].append(flow.id)
        incoming[flow.target].append(flow.id)

    boundaries: dict[str, list[str]] = defaultdict(list)
    kids: dict[str, list[str]] = defaultdict(list)
    starts: dict[str, list[str]] = defaultdict(list)
    event_subs: dict[str, list[str]] = defaultdict(list)
    for node in elements.values():
        kids[node.parent].append(node.id)
        if isinstance(node, BoundaryEvent):
            boundaries[node.attached_to].append(node.id)
        elif isinstance(node, StartEvent):
            starts[node.parent].append(node.id)
        elif isinstance(node, SubProcess) and node.triggered_by_event:
            event_subs[node.parent].append(node.id)

    kept_associations = [a for a in associations if a.source in elements and a.target in elements]
    handlers = _compensation_handlers(elements, kept_associations)

    built: dict[str, FlowNode] = {}
    for node_id, node in elements.items():
        changes: dict[str, Any] = {
            "incoming": tuple(incoming.get(node_id, ())),
            "outgoing": tuple(outgoing.get(node_id, ())),
        }
        if isinstance(node, Activity):
            changes["boundary_events"] = tuple(boundaries.get(node_id, ()))
        if isinstance(node, SubProcess):
            changes["children"] = tuple(kids.get(node_id, ()))
            changes["start_events"] = tuple(starts.get(node_id, ()))
            changes["event_subprocesses"] = tuple(event_subs.get(node_id, ()))
        if isinstance(node, BoundaryEvent):
            changes["compensation_handler"] = handlers.get(node_id)
        built[node_id] = dataclasses.replace(node, **changes)

    defaults = {
        node.default
        for node in built.values()
        if isinstance(node, Activity | Gateway) and node.default is not None
    }
    final_flows: dict[str, SequenceFlow] = {}
    for flow in flow_list:
        source = built.get(flow.source)
        is_default = flow.id in defaults and getattr(source, "default", None) == flow.id
        final_flows.setdefault(flow.id, dataclasses.replace(flow, is_default=is_default))

    objects: dict[str, DataObject] = {}
    for data in data_objects:
        objects.setdefault(data.id, data)

    return Process(
        **fields,
        elements=FrozenDict(built),
        flows=FrozenDict(final_flows),
        associations=FrozenDict({a.id: a for a in kept_associations}),
        data_objects=FrozenDict(objects),
        lanes=lanes,
        children=tuple(kids.get(process_id, ())),
        start_events=tuple(starts.get(process_id, ())),
        event_subprocesses=tuple(event_subs.get(process_id, ())),
        sla_targets=FrozenDict(targets(_with_process(fields, built.values()))),
    )


def _with_process(fields: dict[str, Any], nodes: Iterable[FlowNode]) -> list[BaseElement]:
    """The process (as far as its SLA target goes) and its nodes."""
    own = BaseElement(
        id=fields["id"],
        properties=fields.get("properties", FrozenDict()),
        extensions=fields.get("extensions", FrozenDict()),
    )
    return [own, *nodes]


def _compensation_handlers(
    elements: dict[str, FlowNode], associations: list[Association]
) -> dict[str, str]:
    """Compensation boundary event id -> the handler activity it is associated with."""
    found: dict[str, str] = {}
    for association in associations:
        for event_id, handler_id in (
            (association.source, association.target),
            (association.target, association.source),
        ):
            event = elements.get(event_id)
            handler = elements.get(handler_id)
            if (
                isinstance(event, BoundaryEvent)
                and any(isinstance(d, CompensateEventDefinition) for d in event.event_definitions)
                and isinstance(handler, Activity)
            ):
                found.setdefault(event_id, handler_id)
    return found
