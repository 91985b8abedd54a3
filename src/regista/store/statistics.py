"""Counts the cockpit shows, as the store computes them with GROUP BY over indexed columns:
instances per definition and status, and element instances per element of a definition
(from the history's element events, with the open incidents; over every instance, the SQL
stores read running totals kept with the history)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "ELEMENT_EVENTS",
    "INSTANCE_STATUSES",
    "ElementCount",
    "InstanceCount",
    "StatisticsTransaction",
]

#: The history kinds an element count reads: an element instance begins with the first and
#: ends with one of the other two, so the active ones are those begun and not ended.
ELEMENT_EVENTS = ("element_activated", "element_completed", "element_terminated")

#: Every status an instance can have (`engine.state.Status`): element counts over all of
#: them are counts over every instance of a definition, which the SQL stores keep as totals.
INSTANCE_STATUSES = frozenset(("active", "incident", "completed", "terminated", "cancelled"))


@dataclass(frozen=True, slots=True)
class InstanceCount:
    """How many instances of the definition `definition_id` have the status `status`."""

    definition_id: str
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class ElementCount:
    """The element instances of one element over many process instances: begun, completed,
    terminated (their history events) and open incidents on it."""

    element_id: str
    activated: int = 0
    completed: int = 0
    terminated: int = 0
    incidents: int = 0

    @property
    def active(self) -> int:
        """Begun and not yet ended."""
        return max(0, self.activated - self.completed - self.terminated)


class StatisticsTransaction(Protocol):
    """The statistics of a transaction (a part of `Transaction`)."""

    def count_instances_by_definition(
        self, definition_ids: Sequence[str] | None = None
    ) -> list[InstanceCount]:
        """Instances per definition and status, of `definition_ids` (None: of every
        definition); a pair with no instance is left out."""
        ...

    def count_elements(self, definition_id: str, statuses: Sequence[str]) -> list[ElementCount]:
        """Per element of the definition `definition_id`, its element instances within the
        process instances whose status is one of `statuses`, as far as the history is kept
        (retention removes ended instances whole, and they leave the counts), ordered by
        element id. Over every status (`INSTANCE_STATUSES`) this costs the same whatever
        the number of instances."""
        ...
