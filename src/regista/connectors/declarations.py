"""Inbound connectors declared in models: message start events, intermediate message
catch events, message boundary events and receive tasks carrying an `inbound.type`
property (as Camunda's inbound connector templates write it), found in the latest version
of each deployed process."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from regista.model.bpmn import (
    BoundaryEvent,
    Definitions,
    Expression,
    FlowNode,
    IntermediateCatchEvent,
    MessageEventDefinition,
    ReceiveTask,
    StartEvent,
)

__all__ = ["Declaration", "declarations"]


@dataclass(frozen=True, slots=True)
class Declaration:
    """An inbound connector of a model: the message it publishes and its properties."""

    kind: str
    process_id: str
    element_id: str
    message_name: str
    starts: bool
    properties: Mapping[str, str]


def _message_name(definitions: Definitions, ref: str | None) -> str | None:
    message = definitions.messages.get(ref) if ref else None
    name: Expression | None = message.name if message is not None else None
    if name is None or name.language == "feel":
        return None  # a name computed per instance cannot be addressed from outside
    return name.text


def _message_ref(node: FlowNode) -> str | None:
    if isinstance(node, ReceiveTask):
        return node.message_ref
    if isinstance(node, StartEvent | IntermediateCatchEvent | BoundaryEvent):
        for definition in node.event_definitions:
            if isinstance(definition, MessageEventDefinition):
                return definition.message_ref
    return None


def declarations(
    models: Iterable[tuple[str, Definitions]], kinds: Iterable[str]
) -> list[Declaration]:
    """The inbound connectors of the given kinds (`inbound.type` values) in `models`,
    (process id, definitions) pairs, in document order."""
    wanted = set(kinds)
    found: list[Declaration] = []
    for process_id, definitions in models:
        process = definitions.processes.get(process_id)
        if process is None:
            continue
        for node in process.elements.values():
            kind = node.properties.get("inbound.type")
            if kind not in wanted:
                continue
            name = _message_name(definitions, _message_ref(node))
            if name is not None:
                found.append(
                    Declaration(
                        kind,
                        process_id,
                        node.id,
                        name,
                        isinstance(node, StartEvent),
                        dict(node.properties),
                    )
                )
    return found
