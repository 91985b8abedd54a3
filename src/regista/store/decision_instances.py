"""The decisions the engine evaluated: one row per decision of each evaluation (a business
rule task's, or one asked for through the API), with what it saw and gave, in the shapes
Camunda 8 answers them, so that `/v2/decision-instances` searches them by index."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

__all__ = ["DecisionInstance", "DecisionInstanceQuery", "DecisionInstanceTransaction"]


@dataclass(frozen=True, slots=True)
class DecisionInstance:
    """One decision of an evaluation: `key` is `<evaluation_key>-<n>`; `result` the output
    as JSON text; `inputs` and `rules` the evaluated inputs and matched rules as Camunda
    answers them; `instance_id` and `element_instance_id` the business rule task's, when a
    process evaluated it."""

    key: str
    evaluation_key: str
    decision_id: str
    decision_name: str
    decision_type: str
    evaluated_at: datetime
    result: str
    definition_key: str | None = None
    version: int | None = None
    instance_id: str | None = None
    element_instance_id: str | None = None
    process_definition_key: str | None = None
    state: str = "EVALUATED"
    failure: str | None = None
    inputs: Sequence[Any] = field(default_factory=tuple)
    rules: Sequence[Any] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class DecisionInstanceQuery:
    """Which decision instances a page holds, by key (`descending`: newest first); keyset
    paging after `after_key`, or `offset` rows in."""

    key: str | None = None
    decision_id: str | None = None
    definition_key: str | None = None
    instance_id: str | None = None
    descending: bool = False
    after_key: str | None = None
    offset: int = 0
    limit: int = 100


class DecisionInstanceTransaction(Protocol):
    """The decision instance operations of a transaction (a part of `Transaction`)."""

    def insert_decision_instances(self, rows: Sequence[DecisionInstance]) -> None:
        """Record the decisions of an evaluation."""
        ...

    def page_decision_instances(self, query: DecisionInstanceQuery) -> list[DecisionInstance]:
        """A page of decision instances (see `DecisionInstanceQuery`)."""
        ...

    def count_decision_instances(self, query: DecisionInstanceQuery, *, cap: int) -> int:
        """How many decision instances `query` selects, counting up to `cap`."""
        ...
