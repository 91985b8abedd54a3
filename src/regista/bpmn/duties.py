"""Separation of duties on user tasks ("four eyes"), read from a model's extensions.

A user task requires that whoever completes it did not complete other named user tasks of
the same instance when it carries the extension property `regista.fourEyes` (the Camunda
Modeler's "Extension properties": `zeebe:property` or `camunda:property`) or the attribute
`regista:fourEyes`, each a comma-separated list of user task ids.
"""

from __future__ import annotations

from regista.model.bpmn import FlowNode

__all__ = ["FOUR_EYES_PROPERTY", "four_eyes"]

#: The name of the extension property (and, without the prefix, of the attribute).
FOUR_EYES_PROPERTY = "regista.fourEyes"


def four_eyes(node: FlowNode) -> tuple[str, ...]:
    """The ids of the user tasks whose completer may not complete `node`."""
    text = node.properties.get(FOUR_EYES_PROPERTY) or node.extensions.get("fourEyes") or ""
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
