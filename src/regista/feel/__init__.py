"""FEEL, the expression language of DMN 1.5 and of Regista's process models.

    >>> from regista.feel import evaluate, compile
    >>> evaluate("Monthly Salary * 12", {"Monthly Salary": 1000})
    Decimal('12000')
    >>> compile("x > 3").evaluate({"x": 5})
    True

Python values passed in are converted to FEEL values (`values.to_feel`): int and float
become `Decimal` (floats via their shortest repr, so 0.1 stays 0.1), str, bool and None
stay, `datetime.date`/`datetime`/`time` stay, `timedelta` becomes a days-and-time
duration, tuples and lists become lists, mappings become contexts, callables become
functions. Results are FEEL values: numbers are `Decimal` (use `values.to_python` for
int/`timedelta`), durations are `DaysTimeDuration` / `YearsMonthsDuration`, ranges are
`Range`; a date or date and time that Python's `datetime` cannot hold (a year outside
1..9999, or digits past the microsecond) is a `values.WideDate` / `values.WideDateTime`.
An invalid operation never raises: it evaluates to None and appends a message to the
`warnings` list you pass in. Syntax errors raise `FeelSyntaxError` at compile time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any, TypeVar

from regista.feel import ast
from regista.feel.compiler import Compiler, Test
from regista.feel.errors import FeelSyntaxError
from regista.feel.lexer import NameTable, special_names
from regista.feel.parser import parse
from regista.feel.scope import Scope
from regista.feel.values import FeelEvalError, to_feel

_T = TypeVar("_T")

__all__ = [
    "Expression",
    "FeelEvalError",
    "FeelSyntaxError",
    "Scope",
    "UnaryTests",
    "compile",
    "compile_unary_tests",
    "evaluate",
    "evaluate_unary_tests",
]


class Expression:
    """A compiled FEEL expression: parse once, evaluate many times."""

    __slots__ = ("_fn", "node", "source")

    def __init__(self, source: str, node: ast.Node) -> None:
        self.source = source
        self.node = node
        self._fn = _compiled(source, lambda: Compiler().compile(node))

    def evaluate(
        self,
        context: Mapping[str, Any] | Scope | None = None,
        warnings: list[str] | None = None,
    ) -> Any:
        """Evaluate against a context (Python or FEEL values) or a Scope."""
        scope = Scope.of(context, warnings)
        try:
            return self._fn(scope)
        except RecursionError:
            scope.warn("evaluation nests too deeply")
            return None

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"


class UnaryTests:
    """Compiled unary tests (a decision-table input entry): `-`, `< 5`, `"a", "b"`,
    `[1..10)`, `not(...)` or any expression, where `?` names the input value."""

    __slots__ = ("_tests", "negated", "source")

    def __init__(self, source: str, tests: tuple[ast.Node, ...] | None, negated: bool) -> None:
        self.source = source
        self.negated = negated
        compiler = Compiler()
        self._tests: list[Test] | None = (
            None if tests is None else _compiled(source, lambda: [compiler.test(t) for t in tests])
        )

    @property
    def matches_anything(self) -> bool:
        return self._tests is None

    def test(
        self,
        value: Any,
        context: Mapping[str, Any] | Scope | None = None,
        warnings: list[str] | None = None,
    ) -> bool | None:
        """Whether `value` satisfies the tests; None when they evaluate to null."""
        if self._tests is None:
            return not self.negated
        value = to_feel(value)
        scope = Scope.of(context, warnings)
        result: bool | None = False
        for t in self._tests:
            try:
                r = t(value, scope)
            except RecursionError:
                scope.warn("evaluation nests too deeply")
                r = None
            if r is True:
                result = True
                break
            if r is None:
                result = None
        if self.negated:
            return None if result is None else not result
        return result

    def __repr__(self) -> str:
        return f"UnaryTests({self.source!r})"


def _compiled(source: str, compile_: Callable[[], _T]) -> _T:
    try:
        return compile_()
    except RecursionError:
        raise FeelSyntaxError("expression nests too deeply; simplify it", source, 1, 1) from None


def _relevant(text: str, names: Iterable[str]) -> tuple[str, ...]:
    # Only names with spaces or operator characters that occur in the text change the
    # tokens, so the compile cache stays effective for different scopes.
    return tuple(n for n in special_names(names) if n in text)


@lru_cache(maxsize=4096)
def _compile(text: str, names: tuple[str, ...]) -> Expression:
    return Expression(text, parse(text, NameTable(names), "start"))


@lru_cache(maxsize=4096)
def _compile_tests(text: str, names: tuple[str, ...]) -> UnaryTests:
    table = NameTable(names)
    body, negated = _strip_not(text, table)
    tests = parse(body, table, "unary_tests") if body.strip() else None
    return UnaryTests(text, tests, negated)


def _strip_not(text: str, table: NameTable) -> tuple[str, bool]:
    """`not(tests)` negates a list of unary tests; it is not the `not` function here."""
    stripped = text.strip()
    if not stripped.startswith("not"):
        return text, False
    rest = stripped[3:].lstrip()
    if not rest.startswith("(") or not rest.endswith(")"):
        return text, False
    depth = 0
    in_string = False
    escaped = False
    for i, ch in enumerate(rest):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(rest) - 1:
                return text, False
    return rest[1:-1], True


def compile(text: str, names: Iterable[str] = ()) -> Expression:
    """Compile a FEEL expression. `names` are the names in scope, so that names with
    spaces or operator characters (`Monthly Salary`, `a-b`) are read as one name."""
    return _compile(text, _relevant(text, names))


def compile_unary_tests(text: str, names: Iterable[str] = ()) -> UnaryTests:
    """Compile FEEL unary tests (a decision-table input entry)."""
    return _compile_tests(text, _relevant(text, names))


def evaluate(
    text: str,
    context: Mapping[str, Any] | Scope | None = None,
    warnings: list[str] | None = None,
) -> Any:
    """Compile (cached) and evaluate a FEEL expression against a context."""
    names = context.names() if isinstance(context, Scope) else (context or {}).keys()
    return compile(text, names).evaluate(context, warnings)


def evaluate_unary_tests(
    text: str,
    value: Any,
    context: Mapping[str, Any] | Scope | None = None,
    warnings: list[str] | None = None,
) -> bool | None:
    """Whether `value` satisfies the unary tests `text`."""
    names = context.names() if isinstance(context, Scope) else (context or {}).keys()
    return compile_unary_tests(text, names).test(value, context, warnings)
