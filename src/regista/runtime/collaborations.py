"""Starting a collaboration: its executable pools, in an order that lets them talk.

A collaboration (pools joined by message flows) is started as a whole, as SpiffWorkflow
does: every executable pool whose process has a none start event gets an instance; pools
that only start on a message are started by the messages the others send. Pools that begin
by waiting for a message start first, so that what the others send at once finds them.
"""

from __future__ import annotations

from regista.model.bpmn import (
    Collaboration,
    Definitions,
    EventBasedGateway,
    IntermediateCatchEvent,
    MessageEventDefinition,
    Process,
    ReceiveTask,
    StartEvent,
)

__all__ = ["find_collaboration", "pools_to_start"]


def find_collaboration(
    definitions: list[Definitions], collaboration_id: str
) -> tuple[Definitions, Collaboration] | None:
    """The collaboration `collaboration_id` among deployed models, with its model."""
    for model in definitions:
        for collaboration in model.collaborations:
            if collaboration.id == collaboration_id:
                return model, collaboration
    return None


def pools_to_start(definitions: Definitions, collaboration: Collaboration) -> list[str]:
    """The process ids to start for `collaboration`: executable pools with a none start
    event, those that begin by waiting for a message first (then in pool order)."""
    found: list[tuple[int, int, str]] = []
    for index, participant in enumerate(collaboration.participants):
        process = definitions.processes.get(participant.process_ref or "")
        if process is None or not process.is_executable:
            continue
        start = _none_start(process)
        if start is None:
            continue
        found.append((0 if _waits_first(process, start) else 1, index, process.id))
    return [process_id for _first, _index, process_id in sorted(found)]


def _none_start(process: Process) -> StartEvent | None:
    for start_id in process.start_events:
        node = process.elements.get(start_id)
        if isinstance(node, StartEvent) and not node.event_definitions:
            return node
    return None


def _waits_first(process: Process, start: StartEvent) -> bool:
    """Whether the first element after `start` waits for a message."""
    for flow_id in start.outgoing:
        flow = process.flows.get(flow_id)
        node = process.elements.get(flow.target) if flow is not None else None
        if isinstance(node, ReceiveTask | EventBasedGateway):
            return True
        if isinstance(node, IntermediateCatchEvent) and any(
            isinstance(d, MessageEventDefinition) for d in node.event_definitions
        ):
            return True
    return False
