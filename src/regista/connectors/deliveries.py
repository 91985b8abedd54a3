"""What an inbound event becomes: the properties Camunda's inbound connectors share —
`activationCondition`, `correlationKeyExpression`, `resultVariable`, `resultExpression`,
`messageIdExpression`, `messageTtl` — evaluated as FEEL over the event (`request` for a
webhook, `message` for a broker), giving the message to publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regista import feel
from regista.connectors.outcome import ConnectorError, parse_backoff
from regista.feel.errors import FeelEvalError, FeelSyntaxError
from regista.feel.values import to_python

__all__ = ["Delivery", "EventRefused", "deliver", "evaluate"]


class EventRefused(Exception):
    """An event the connector does not take: `status` (as HTTP would say it) and why."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The message an event becomes."""

    message_name: str
    correlation_key: Any
    variables: Mapping[str, Any]
    message_id: str | None
    ttl: dt.timedelta


def evaluate(text: str | None, context: Mapping[str, Any], name: str) -> Any:
    """A property's value: FEEL when it starts with `=`, else the text itself."""
    if text is None or not text.strip():
        return None
    source = text.strip()
    if not source.startswith("="):
        return source
    try:
        return to_python(feel.evaluate(source[1:], dict(context)))
    except (FeelSyntaxError, FeelEvalError) as exc:
        raise EventRefused(422, f"the property {name} does not evaluate: {exc}") from None


def deliver(
    properties: Mapping[str, str],
    context: Mapping[str, Any],
    *,
    message_name: str,
    starts: bool,
    event: str,
    default_id: str | None = None,
) -> Delivery:
    """The message the event (`context`, whose one entry is named `event`) becomes."""
    condition = properties.get("activationCondition") or properties.get(
        "inbound.activationCondition"
    )
    if condition and evaluate(condition, context, "activationCondition") is not True:
        raise EventRefused(422, "the event does not meet the activation condition")
    variables: dict[str, Any] = {}
    if properties.get("resultVariable"):
        variables[properties["resultVariable"]] = context[event]
    expression = properties.get("resultExpression") or properties.get("inbound.variableMapping")
    if expression:
        mapped = evaluate(expression, context, "resultExpression")
        if mapped is not None and not isinstance(mapped, dict):
            raise EventRefused(422, "the resultExpression must give a context")
        variables.update(mapped or {})
    key = None
    if not starts:
        key = evaluate(
            properties.get("correlationKeyExpression"), context, "correlationKeyExpression"
        )
        if key is None:
            raise EventRefused(422, "the event gives no correlation key")
    message_id = evaluate(properties.get("messageIdExpression"), context, "messageIdExpression")
    if message_id is None:
        message_id = default_id
    try:
        ttl = parse_backoff(properties.get("messageTtl"), "messageTtl") or dt.timedelta(0)
    except ConnectorError as exc:
        raise EventRefused(500, str(exc)) from None
    return Delivery(
        message_name, key, variables, None if message_id is None else str(message_id), ttl
    )
