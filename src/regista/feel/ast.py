"""The FEEL abstract syntax tree: frozen dataclasses the parser builds and the compiler reads."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class Node:
    """Base of all FEEL syntax nodes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any  # Decimal, str, bool or None


@dataclass(frozen=True, slots=True)
class Temporal(Node):
    text: str  # the string of an @"..." literal


@dataclass(frozen=True, slots=True)
class Name(Node):
    name: str


@dataclass(frozen=True, slots=True)
class InputValue(Node):
    """`?`: the input value of a unary test."""


@dataclass(frozen=True, slots=True)
class Negation(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    op: str  # + - * / **
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    op: str  # = != < <= > >=
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Between(Node):
    value: Node
    low: Node
    high: Node


@dataclass(frozen=True, slots=True)
class In(Node):
    value: Node
    tests: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class And(Node):
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Or(Node):
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class If(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Iteration(Node):
    name: str
    source: Node
    end: Node | None  # `for i in 1..3`: source is the start, end the end


@dataclass(frozen=True, slots=True)
class For(Node):
    iterations: tuple[Iteration, ...]
    body: Node


@dataclass(frozen=True, slots=True)
class Quantified(Node):
    every: bool
    iterations: tuple[Iteration, ...]
    condition: Node


@dataclass(frozen=True, slots=True)
class TypeRef(Node):
    """A type as written: a name, `list<T>`, `context<a: T>`, `function<T>->T`."""

    name: str
    args: tuple[TypeRef, ...] = ()
    entries: tuple[tuple[str, TypeRef], ...] = ()
    result: TypeRef | None = None


@dataclass(frozen=True, slots=True)
class InstanceOf(Node):
    value: Node
    type: TypeRef


@dataclass(frozen=True, slots=True)
class Filter(Node):
    base: Node
    condition: Node


@dataclass(frozen=True, slots=True)
class Path(Node):
    base: Node
    name: str


@dataclass(frozen=True, slots=True)
class Call(Node):
    function: Node
    args: tuple[Node, ...]
    named: tuple[tuple[str, Node], ...] | None = None


@dataclass(frozen=True, slots=True)
class ListLiteral(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ContextLiteral(Node):
    entries: tuple[tuple[str, Node], ...]


@dataclass(frozen=True, slots=True)
class RangeLiteral(Node):
    start_included: bool
    start: Node | None
    end: Node | None
    end_included: bool


@dataclass(frozen=True, slots=True)
class UnaryComparison(Node):
    """`< 5`, `= x`, `!= x` used as a unary test (a range, or an equality test)."""

    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class FunctionDefinition(Node):
    params: tuple[tuple[str, TypeRef | None], ...]
    body: Node
    external: bool = False


# Left-deep chains of one binary operator kind at least this long (`1 + 2 + ... + n`) are
# compiled to one loop: compiling and evaluating them link by link would recurse once per
# operand (so such chains do not count as nesting).
LONG_CHAIN = 32


def uses_input(node: Node) -> bool:
    """Whether `?` occurs in the node (outside nested function bodies)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, InputValue):
            return True
        if not isinstance(n, FunctionDefinition):
            stack.extend(_children(n))
    return False


def mentions(node: Node, name: str) -> bool:
    """Whether the name `name` occurs in the node (nested function bodies included)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Name) and n.name == name:
            return True
        stack.extend(_children(n))
    return False


def _children(node: Node) -> list[Node]:
    out: list[Node] = []
    for slot in getattr(node, "__slots__", ()):
        v = getattr(node, slot)
        if isinstance(v, Node):
            out.append(v)
        elif isinstance(v, tuple):
            for x in v:
                if isinstance(x, Node):
                    out.append(x)
                elif isinstance(x, tuple):
                    out.extend(y for y in x if isinstance(y, Node))
    return out


ZERO = Decimal(0)


def children(node: Node) -> list[Node]:
    """The direct sub-nodes of `node` (operands, arguments, entries)."""
    return _children(node)
