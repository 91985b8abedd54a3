"""What an evaluation returns: the value, every decision's value, the rules that fired and
the warnings (invalid operations that evaluated to null)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evaluated:
    """One input or output of a decision table as an evaluation saw it: the clause's id,
    its name (an input's label or expression, an output's name) and the value."""

    id: str
    name: str
    value: Any


@dataclass(frozen=True)
class RuleMatch:
    """The rules of one decision table that produced its result (1-based indexes).

    `decision_id`/`decision_name` name the DRG element (decision or business knowledge
    model) whose logic holds the table; `inputs` are the table's input values, `outputs`
    the output values of each rule in `rules` (as Camunda reports an evaluation)."""

    decision_id: str
    decision_name: str
    rules: tuple[int, ...]
    rule_ids: tuple[str, ...]
    # what the rules saw and gave: detail, not identity (two matches of the same rules equal)
    inputs: tuple[Evaluated, ...] = field(default=(), compare=False)
    outputs: tuple[tuple[Evaluated, ...], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class DecisionResult:
    """The outcome of `decide` or `invoke`. Values are FEEL values (`Decimal` numbers,
    `regista.feel.values` durations, ...); `regista.feel.values.to_python` converts them."""

    value: Any
    results: Mapping[str, Any] = field(default_factory=dict)
    matches: tuple[RuleMatch, ...] = ()
    warnings: tuple[str, ...] = ()


class Run:
    """The state one evaluation shares across its boxed expressions."""

    __slots__ = ("matches", "warnings")

    def __init__(self, warnings: list[str], matches: list[RuleMatch]) -> None:
        self.warnings = warnings
        self.matches = matches
