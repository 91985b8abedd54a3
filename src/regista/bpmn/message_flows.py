"""Message flows between pools: which message a flow carries.

Modelers often draw a message flow from a send task or message throw event of one pool to a
receive task or message catch event of another without naming the message on both ends.
BPMN says the flow carries the message of either end (or its own `messageRef`); at run time
Regista matches messages by name, so each end that names none gets the flow's message — and
a flow that names none anywhere gets a message of its own, named after the flow.
"""

from __future__ import annotations

from dataclasses import replace

from regista.model.bpmn import (
    Collaboration,
    Event,
    FlowNode,
    Message,
    MessageEventDefinition,
    MessageFlow,
    Process,
    ReceiveTask,
    SendTask,
)
from regista.model.frozen import FrozenDict

__all__ = ["carry_messages"]


def _ref(node: FlowNode | None) -> tuple[bool, str | None]:
    """(whether `node` sends or receives messages, the message it names)."""
    if isinstance(node, SendTask | ReceiveTask):
        return True, node.message_ref
    if isinstance(node, Event):
        for definition in node.event_definitions:
            if isinstance(definition, MessageEventDefinition):
                return True, definition.message_ref
    return False, None


def _named(node: FlowNode, message_id: str) -> FlowNode:
    if isinstance(node, SendTask | ReceiveTask):
        return replace(node, message_ref=message_id)
    assert isinstance(node, Event)
    definitions = tuple(
        replace(d, message_ref=message_id)
        if isinstance(d, MessageEventDefinition) and d.message_ref is None
        else d
        for d in node.event_definitions
    )
    return replace(node, event_definitions=definitions)


def carry_messages(
    processes: dict[str, Process],
    collaborations: list[Collaboration],
    messages: dict[str, Message],
) -> None:
    """Give the ends of each message flow that name no message the flow's message (in
    place: `processes` and `messages` are updated)."""
    where = {
        node_id: process_id
        for process_id, process in processes.items()
        for node_id in process.elements
    }
    for flow in (f for c in collaborations for f in c.message_flows):
        ends = [_end(processes, where, flow.source), _end(processes, where, flow.target)]
        refs = [_ref(node) for _pid, node in ends if node is not None]
        if not refs or all(ref is not None for takes, ref in refs if takes):
            continue
        message_id = flow.message_ref or next((r for _t, r in refs if r), None)
        if message_id is None:
            message_id = _flow_message(flow, messages)
        for process_id, node in ends:
            if node is None or process_id is None:
                continue
            takes, ref = _ref(node)
            if takes and ref is None:
                process = processes[process_id]
                elements = dict(process.elements)
                elements[node.id] = _named(node, message_id)
                processes[process_id] = replace(process, elements=FrozenDict(elements))


def _end(
    processes: dict[str, Process], where: dict[str, str], node_id: str
) -> tuple[str | None, FlowNode | None]:
    process_id = where.get(node_id)
    if process_id is None:
        return None, None  # a pool or a black-box participant
    return process_id, processes[process_id].elements.get(node_id)


def _flow_message(flow: MessageFlow, messages: dict[str, Message]) -> str:
    """A message of its own for a flow that names none anywhere."""
    message_id = flow.id
    if message_id not in messages:
        messages[message_id] = Message(id=message_id, name=None, line=flow.line)
    return message_id
