"""Process trees: the block-structured models the inductive miner discovers.

A tree is an activity (a leaf), a silent step (tau), or an operator over subtrees:
sequence, exclusive choice, parallel (and), or loop (do-body first, then redo parts that
each lead back to the body). Every tree is sound by construction, which is why discovery
works on trees and only turns the result into BPMN at the end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Log", "Operator", "ProcessTree", "activity", "operator", "tau"]

Log = Counter[tuple[str, ...]]
"""A log as the miner sees it: each distinct trace (its activities in order) and how many
cases followed it."""


class Operator(StrEnum):
    """What a tree node is."""

    ACTIVITY = "activity"
    TAU = "tau"
    SEQUENCE = "seq"
    XOR = "xor"
    AND = "and"
    LOOP = "loop"


@dataclass(frozen=True, slots=True)
class ProcessTree:
    """One node of a process tree; `label` names an activity, `children` an operator's
    subtrees in order (a loop's first child is its body, the others its redo parts)."""

    op: Operator
    label: str | None = None
    children: tuple[ProcessTree, ...] = ()

    def __str__(self) -> str:
        if self.op is Operator.ACTIVITY:
            return repr(self.label)
        if self.op is Operator.TAU:
            return "tau"
        return f"{self.op.value}({', '.join(str(c) for c in self.children)})"

    def activities(self) -> set[str]:
        """The activity labels of the tree."""
        if self.op is Operator.ACTIVITY:
            return {str(self.label)}
        found: set[str] = set()
        for child in self.children:
            found |= child.activities()
        return found


def activity(label: str) -> ProcessTree:
    return ProcessTree(Operator.ACTIVITY, label)


def tau() -> ProcessTree:
    return ProcessTree(Operator.TAU)


def operator(op: Operator, children: list[ProcessTree]) -> ProcessTree:
    """An operator node, flattened where the same associative operator nests (a sequence
    in a sequence, a choice in a choice, a parallel in a parallel)."""
    flat: list[ProcessTree] = []
    for child in children:
        if child.op is op and op in (Operator.SEQUENCE, Operator.XOR, Operator.AND):
            flat.extend(child.children)
        else:
            flat.append(child)
    if op is Operator.SEQUENCE:
        flat = [c for c in flat if c.op is not Operator.TAU] or [tau()]
    if len(flat) == 1 and op is not Operator.LOOP:
        return flat[0]
    return ProcessTree(op, None, tuple(flat))
