"""SLA targets read from a model's extensions: how long an instance, or one step, may take.

A process or flow node carries its target as the attribute `regista:sla` (namespace
`http://regista.dev/schema/bpmn/1.0`) or as the extension property `regista.sla` (the
Camunda Modeler's "Extension properties": `zeebe:property` or `camunda:property`), an ISO
8601 days-and-time duration such as `PT4H` or `P2DT12H`. On the process it bounds the
instance's duration, on a flow node each of its element instances' durations. Years and
months are refused: they have no fixed length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from regista.feel.errors import FeelEvalError
from regista.feel.temporal import parse_duration
from regista.feel.values import DaysTimeDuration
from regista.model.bpmn import BaseElement

__all__ = ["SLA_ATTRIBUTE", "SLA_PROPERTY", "SlaError", "parse_target", "sla_text", "targets"]

#: The name of the extension property, and (in the `regista:` namespace) of the attribute.
SLA_PROPERTY = "regista.sla"
SLA_ATTRIBUTE = "sla"


class SlaError(ValueError):
    """An SLA target that is not a positive days-and-time duration; says how to write it."""


def sla_text(element: BaseElement) -> str | None:
    """The SLA target text of `element` (the property wins over the attribute), if any."""
    text = element.properties.get(SLA_PROPERTY) or element.extensions.get(SLA_ATTRIBUTE)
    return text.strip() if text and text.strip() else None


def parse_target(text: str) -> dt.timedelta:
    """A target duration from ISO 8601 text (`PT4H`); raises `SlaError` otherwise."""
    try:
        value = parse_duration(text.strip())
    except (FeelEvalError, ValueError):
        raise SlaError(
            f"the SLA target {text!r} is not an ISO 8601 duration; write e.g. PT4H (4 hours) "
            "or P2DT12H (2 days 12 hours)"
        ) from None
    if not isinstance(value, DaysTimeDuration):
        raise SlaError(
            f"the SLA target {text!r} counts years or months, which have no fixed length; "
            "write it in days instead (e.g. P30D)"
        )
    target = value.to_timedelta()
    if target <= dt.timedelta(0):
        raise SlaError(f"the SLA target {text!r} must be longer than zero")
    return target


def _targets(elements: Iterable[BaseElement]) -> Iterator[tuple[str, dt.timedelta]]:
    for element in elements:
        text = sla_text(element)
        if text is None:
            continue
        try:
            yield element.id, parse_target(text)
        except SlaError:
            continue  # validation reports it, naming the element and line


def targets(elements: Iterable[BaseElement]) -> dict[str, dt.timedelta]:
    """Element id -> SLA target of the elements that carry a valid one."""
    return dict(_targets(elements))
