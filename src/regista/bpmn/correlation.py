"""BPMN's own message correlation: `correlationProperty` elements whose
`correlationPropertyRetrievalExpression` says, per message, where the property's value is
found (`messagePath`), as SpiffWorkflow and other standard-minded tools write them.

Regista correlates a message by a key that the publisher and each subscriber evaluate in
their own scope (Camunda 8's `zeebe:subscription correlationKey`). A message that has no
such key and is named by retrieval expressions gets them as its key: one expression as it
is, several as a list of their values. Both sides of a conversation hold the property under
the same path, so the sender's value meets the value the receiver waits for; a receiver
that does not know the value yet (its first message) waits for any.
"""

from __future__ import annotations

import re
from dataclasses import replace

from regista.bpmn.expressions import read_formal
from regista.bpmn.namespaces import BPMN, q
from regista.bpmn.reader import Element, Reader, children, local_name
from regista.model.bpmn import Expression, Message

__all__ = ["correlation_keys"]

#: A plain path (`order.id`), read the same in FEEL and Python: kept as FEEL.
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def correlation_keys(reader: Reader, root: Element, messages: dict[str, Message]) -> None:
    """Give each message without a correlation key the retrieval expressions of the
    correlation properties that name it (in place)."""
    found: dict[str, list[Expression]] = {}
    for prop in children(root):
        if local_name(prop) != "correlationProperty":
            continue
        for retrieval in prop.findall(q(BPMN, "correlationPropertyRetrievalExpression")):
            message_id = reader.ref(retrieval, "messageRef")
            path = retrieval.find(q(BPMN, "messagePath"))
            if path is None:
                path = retrieval.find(q(BPMN, "formalExpression"))
            text = (path.text or "").strip() if path is not None else ""
            if message_id and text:
                found.setdefault(message_id, []).append(_expression(reader, path, text))
    for message_id, expressions in found.items():
        message = messages.get(message_id)
        if message is None or message.correlation_key is not None:
            continue
        messages[message_id] = replace(message, correlation_key=_key(expressions))


def _expression(reader: Reader, el: Element | None, text: str) -> Expression:
    if _PATH.match(text):
        return Expression.feel(text)
    language = el.get("language") if el is not None else None
    return read_formal(text, language, reader.expression_language)


def _key(expressions: list[Expression]) -> Expression:
    if len(expressions) == 1:
        return expressions[0]
    language = {e.language for e in expressions}
    if language == {"feel"}:
        return Expression.feel("[" + ", ".join(f"({e.text})" for e in expressions) + "]")
    # mixed or Python: a Python list (FEEL paths read the same in Python)
    return Expression("[" + ", ".join(f"({e.text})" for e in expressions) + "]", "python")
