"""Compiles FEEL syntax trees into Python closures `(Scope) -> value`.

Compiling once and calling the closure many times avoids re-walking the tree per
evaluation. Every invalid operation yields null and records a warning in the scope, so
evaluation never raises (DMN 1.5 §10.3.2.9: errors are null).
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from regista.feel import ast, temporal
from regista.feel import types as ft
from regista.feel.errors import FeelBudgetExceeded
from regista.feel.paths import path_of
from regista.feel.scope import MISSING, Scope
from regista.feel.values import (
    DECIMAL,
    DaysTimeDuration,
    FeelEvalError,
    FeelFunction,
    PointRange,
    Range,
    YearsMonthsDuration,
    compare,
    date_from_ordinal,
    equal,
    is_date,
    kind,
)

Fn = Callable[[Scope], Any]
Test = Callable[[Any, Scope], bool | None]

_ONE = Decimal(1)


# ---------------------------------------------------------------- arithmetic


def _arith(op: str, a: Any, b: Any, s: Scope) -> Any:
    if a is None or b is None:
        return None
    try:
        if type(a) is Decimal and type(b) is Decimal:
            if op == "+":
                return DECIMAL.add(a, b)
            if op == "-":
                return DECIMAL.subtract(a, b)
            if op == "*":
                return DECIMAL.multiply(a, b)
            if op == "/":
                if b.is_zero():
                    s.warn(f"division by zero: {a} / {b}")
                    return None
                return DECIMAL.divide(a, b)
            return _power(a, b, s)
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        if op == "**":
            raise FeelEvalError(f"cannot raise {kind(a)} to the power of {kind(b)}")
        fn = {
            "+": temporal.add,
            "-": temporal.subtract,
            "*": temporal.multiply,
            "/": temporal.divide,
        }[op]
        return fn(a, b)
    except FeelEvalError as e:
        s.warn(str(e))
    except (decimal.DecimalException, OverflowError, ValueError) as e:
        s.warn(f"invalid arithmetic {kind(a)} {op} {kind(b)}: {type(e).__name__}")
    return None


def _power(a: Decimal, b: Decimal, s: Scope) -> Decimal | None:
    if b == b.to_integral_value():
        if a.is_zero() and b < 0:
            s.warn("zero raised to a negative power")
            return None
        if abs(b) > 999_999_999:
            s.warn("exponent too large")
            return None
        return DECIMAL.power(a, int(b))
    if a < 0:
        s.warn(f"negative number {a} raised to a fractional power")
        return None
    return DECIMAL.power(a, b)


def _negate(v: Any, s: Scope) -> Any:
    if v is None:
        return None
    if type(v) is Decimal:
        return DECIMAL.minus(v)  # 34 digits, not the thread's default 28
    if isinstance(v, DaysTimeDuration):
        return DaysTimeDuration(-v.seconds)
    if isinstance(v, YearsMonthsDuration):
        return YearsMonthsDuration(-v.months)
    s.warn(f"cannot negate a {kind(v)}")
    return None


# ---------------------------------------------------------------- comparison


def _compare_op(op: str, a: Any, b: Any, s: Scope) -> bool | None:
    if op == "=":
        r = equal(a, b)
        if r is None:
            s.warn(f"cannot compare {kind(a)} with {kind(b)}")
        return r
    if op == "!=":
        r = equal(a, b)
        if r is None:
            s.warn(f"cannot compare {kind(a)} with {kind(b)}")
            return None
        return not r
    c = compare(a, b)
    if c is None:
        if a is not None and b is not None:
            s.warn(f"cannot order {kind(a)} against {kind(b)}")
        return None
    if op == "<":
        return c < 0
    if op == "<=":
        return c <= 0
    if op == ">":
        return c > 0
    return c >= 0


def _and(a: Any, b: Any) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def _or(a: Any, b: Any) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


# ---------------------------------------------------------------- unary tests


_Chain = ast.Arithmetic | ast.And | ast.Or


def _long_chain(node: _Chain) -> tuple[ast.Node, list[Any]] | None:
    """The leftmost operand and the links (innermost first) of a long left-deep chain of
    nodes of the type of `node`; None for a short one."""
    links: list[Any] = []
    n: ast.Node = node
    while type(n) is type(node):
        links.append(n)
        n = n.left
    if len(links) < ast.LONG_CHAIN:
        return None
    links.reverse()
    return n, links


def satisfies(value: Any, tested: Any, uses_input: bool) -> bool | None:
    """Whether an input value satisfies the value a positive unary test evaluated to."""
    if isinstance(tested, bool) and (uses_input or not isinstance(value, bool)):
        return tested
    if tested is None and uses_input:
        return None  # `? > 3` on a null input is unknown, not a match of null = null
    if isinstance(tested, Range):
        return tested.contains(value)
    if isinstance(tested, list):
        found: bool | None = False
        for x in tested:
            e = x.contains(value) if isinstance(x, Range) else equal(value, x)
            if e:
                return True
        return found
    return equal(value, tested)


class Compiler:
    """Turns one AST into closures. `types` names the types a host language defines
    (DMN item definitions), for `instance of` and typed function parameters."""

    def __init__(self, types: Mapping[str, ft.FeelType] | None = None) -> None:
        self.types: Mapping[str, ft.FeelType] = types if types is not None else {}

    def compile(self, node: ast.Node) -> Fn:
        method = getattr(self, "_" + type(node).__name__)
        fn: Fn = method(node)
        return fn

    # -- literals and names

    def _Literal(self, node: ast.Literal) -> Fn:
        value = node.value
        return lambda s: value

    def _Temporal(self, node: ast.Temporal) -> Fn:
        text = node.text
        try:
            value = temporal.parse_temporal(text)
        except FeelEvalError as e:
            message = f'invalid temporal literal @"{text}": {e}'

            def bad(s: Scope) -> Any:
                s.warn(message)
                return None

            return bad
        return lambda s: value

    def _Name(self, node: ast.Name) -> Fn:
        name = node.name

        def lookup(s: Scope) -> Any:
            v = s.lookup(name)
            if v is MISSING:
                s.warn(f"no variable named {name!r}")
                return None
            return v

        return lookup

    def _InputValue(self, node: ast.InputValue) -> Fn:
        return self._Name(ast.Name("?"))

    # -- operators

    def _Negation(self, node: ast.Negation) -> Fn:
        f = self.compile(node.operand)
        return lambda s: _negate(f(s), s)

    def _Arithmetic(self, node: ast.Arithmetic) -> Fn:
        chain = _long_chain(node)
        if chain is not None:
            return self._arithmetic_chain(*chain)
        left, right, op = self.compile(node.left), self.compile(node.right), node.op
        if op == "+":

            def add(s: Scope) -> Any:
                a, b = left(s), right(s)
                if type(a) is Decimal and type(b) is Decimal:
                    try:
                        return DECIMAL.add(a, b)
                    except decimal.DecimalException:
                        pass
                return _arith("+", a, b, s)

            return add
        return lambda s: _arith(op, left(s), right(s), s)

    def _arithmetic_chain(self, first: ast.Node, links: list[ast.Arithmetic]) -> Fn:
        start = self.compile(first)
        steps = [(link.op, self.compile(link.right)) for link in links]

        def chain(s: Scope) -> Any:
            acc = start(s)
            for op, operand in steps:
                acc = _arith(op, acc, operand(s), s)
            return acc

        return chain

    def _Comparison(self, node: ast.Comparison) -> Fn:
        left, right, op = self.compile(node.left), self.compile(node.right), node.op
        if op in ("<", "<=", ">", ">="):
            lt = op == "<"
            le = op == "<="
            gt = op == ">"

            def order(s: Scope) -> bool | None:
                a, b = left(s), right(s)
                if type(a) is Decimal and type(b) is Decimal:
                    if lt:
                        return a < b
                    if le:
                        return a <= b
                    if gt:
                        return a > b
                    return a >= b
                return _compare_op(op, a, b, s)

            return order
        return lambda s: _compare_op(op, left(s), right(s), s)

    def _Between(self, node: ast.Between) -> Fn:
        v, lo, hi = self.compile(node.value), self.compile(node.low), self.compile(node.high)

        def between(s: Scope) -> bool | None:
            x = v(s)
            return _and(_compare_op(">=", x, lo(s), s), _compare_op("<=", x, hi(s), s))

        return between

    def _In(self, node: ast.In) -> Fn:
        value = self.compile(node.value)
        tests = [self.test(t) for t in node.tests]

        def in_(s: Scope) -> bool | None:
            x = value(s)
            result: bool | None = False
            for t in tests:
                r = t(x, s)
                if r is True:
                    return True
                if r is None:
                    result = None
            return result

        return in_

    def _And(self, node: ast.And) -> Fn:
        chain = _long_chain(node)
        if chain is not None:
            start, steps = self.compile(chain[0]), [self.compile(x.right) for x in chain[1]]

            def and_chain(s: Scope) -> bool | None:
                a = start(s)
                for step in steps:
                    if a is False:
                        return False
                    a = _and(a, step(s))
                return _and(a, True)

            return and_chain
        left, right = self.compile(node.left), self.compile(node.right)

        def and_(s: Scope) -> bool | None:
            a = left(s)
            if a is False:
                return False
            return _and(a, right(s))

        return and_

    def _Or(self, node: ast.Or) -> Fn:
        chain = _long_chain(node)
        if chain is not None:
            start, steps = self.compile(chain[0]), [self.compile(x.right) for x in chain[1]]

            def or_chain(s: Scope) -> bool | None:
                a = start(s)
                for step in steps:
                    if a is True:
                        return True
                    a = _or(a, step(s))
                return _or(a, False)

            return or_chain
        left, right = self.compile(node.left), self.compile(node.right)

        def or_(s: Scope) -> bool | None:
            a = left(s)
            if a is True:
                return True
            return _or(a, right(s))

        return or_

    def _If(self, node: ast.If) -> Fn:
        c, t, e = (
            self.compile(node.condition),
            self.compile(node.then),
            self.compile(node.otherwise),
        )
        return lambda s: t(s) if c(s) is True else e(s)

    # -- iteration

    def _iterations(self, its: tuple[ast.Iteration, ...]) -> list[tuple[str, Fn, Fn | None]]:
        return [
            (it.name, self.compile(it.source), self.compile(it.end) if it.end else None)
            for it in its
        ]

    @staticmethod
    def _domain(start: Any, end: Any, ranged: bool, s: Scope) -> list[Any] | None:
        if not ranged:
            if start is None:
                return None
            if isinstance(start, Range):
                # DMN 1.5 iterates over lists and `a..b` only; a range value is not one.
                s.warn("cannot iterate over a range; use `for x in a..b`")
                return None
            return start if isinstance(start, list) else [start]
        if type(start) is Decimal and type(end) is Decimal:
            if start != start.to_integral_value() or end != end.to_integral_value():
                s.warn("a for range needs integer bounds")
                return None
            a, b = int(start), int(end)
            if abs(b - a) > 10_000_000:
                s.warn("a for range is larger than 10,000,000 items")
                return None
            if s.budget is not None:
                s.budget.spend(abs(b - a) + 1)  # before the list is made
            step = 1 if b >= a else -1
            return [Decimal(i) for i in range(a, b + step, step)]
        if is_date(start) and is_date(end):
            first, last = start.toordinal(), end.toordinal()
            if abs(last - first) > 10_000_000:
                s.warn("a for range is larger than 10,000,000 items")
                return None
            if s.budget is not None:
                s.budget.spend(abs(last - first) + 1)
            step = 1 if last >= first else -1
            return [date_from_ordinal(n) for n in range(first, last + step, step)]
        s.warn(f"cannot iterate from {kind(start)} to {kind(end)}")
        return None

    def _bindings(
        self, its: list[tuple[str, Fn, Fn | None]], s: Scope
    ) -> Iterator[dict[str, Any]] | None:
        # Later iteration sources may refer to earlier variables, so expand lazily.
        def expand(i: int, bound: dict[str, Any]) -> Iterator[dict[str, Any]] | None:
            if i == len(its):
                return iter([bound])
            name, start, end = its[i]
            scope = s.child(bound) if bound else s
            dom = self._domain(start(scope), end(scope) if end else None, end is not None, s)
            if dom is None:
                return None
            parts: list[Iterator[dict[str, Any]]] = []
            # the bindings of nested iterations are made here, before the loop runs
            budget = s.budget if i + 1 < len(its) else None
            for x in dom:
                if budget is not None:
                    budget.spend()
                sub = expand(i + 1, {**bound, name: x})
                if sub is None:
                    return None
                parts.append(sub)
            return (b for p in parts for b in p)

        return expand(0, {})

    def _For(self, node: ast.For) -> Fn:
        its = self._iterations(node.iterations)
        body = self.compile(node.body)
        # Copying the results so far at every step is quadratic: only for a body that reads them.
        with_partial = ast.mentions(node.body, "partial")

        def for_(s: Scope) -> list[Any] | None:
            bindings = self._bindings(its, s)
            if bindings is None:
                return None
            out: list[Any] = []
            budget = s.budget
            for b in bindings:
                if budget is not None:
                    budget.spend()
                if with_partial:
                    # Each iteration sees a snapshot: `partial` must not grow afterwards.
                    out.append(body(s.child({**b, "partial": list(out)})))
                else:
                    out.append(body(s.child(b)))
            return out

        return for_

    def _Quantified(self, node: ast.Quantified) -> Fn:
        its = self._iterations(node.iterations)
        cond = self.compile(node.condition)
        every = node.every

        def quantified(s: Scope) -> bool | None:
            bindings = self._bindings(its, s)
            if bindings is None:
                return None
            budget = s.budget
            for b in bindings:
                if budget is not None:
                    budget.spend()
                r = cond(s.child(b))
                if every and r is not True:
                    return False
                if not every and r is True:
                    return True
            return every

        return quantified

    # -- types

    def feel_type(self, ref: ast.TypeRef) -> ft.FeelType:
        if ref.name == "function" and ref.result is not None:
            return ft.FunctionType(
                tuple(self.feel_type(a) for a in ref.args), self.feel_type(ref.result)
            )
        if ref.entries:
            return ft.ContextType(tuple((n, self.feel_type(t)) for n, t in ref.entries))
        if ref.args:
            inner = self.feel_type(ref.args[0])
            if ref.name == "list":
                return ft.ListType(inner)
            if ref.name == "range":
                return ft.RangeType(inner)
            raise FeelEvalError(f"unknown generic type {ref.name}<...>")
        if ref.name in self.types:
            return self.types[ref.name]
        return ft.simple(ref.name)

    def _InstanceOf(self, node: ast.InstanceOf) -> Fn:
        value = self.compile(node.value)
        try:
            t = self.feel_type(node.type)
        except (KeyError, FeelEvalError):
            message = f"unknown type {node.type.name!r} in instance of"

            def unknown(s: Scope) -> Any:
                s.warn(message)
                return None

            return unknown
        if isinstance(t, ft.AnyType):
            # Null is an instance of Null only: `null instance of Any` is false.
            return lambda s: value(s) is not None
        return lambda s: t.is_instance(value(s))

    # -- postfix

    def _Filter(self, node: ast.Filter) -> Fn:
        base, cond = self.compile(node.base), self.compile(node.condition)
        literal_index = isinstance(node.condition, ast.Literal) and isinstance(
            node.condition.value, Decimal
        )

        def index(items: list[Any], i: Decimal, s: Scope) -> Any:
            if i != i.to_integral_value():
                s.warn(f"list index {i} is not an integer")
                return None
            n = int(i)
            if 1 <= n <= len(items):
                return items[n - 1]
            if -len(items) <= n <= -1:
                return items[n]
            s.warn(f"list index {n} out of range 1..{len(items)}")
            return None

        def filter_(s: Scope) -> Any:
            v = base(s)
            if v is None:
                return None
            items = v if isinstance(v, list) else [v]
            if literal_index:
                return index(items, cond(s), s)
            out: list[Any] = []
            first = True
            budget = s.budget
            for x in items:
                if budget is not None:
                    budget.spend()
                scope_vars = dict(x) if isinstance(x, dict) else {}
                scope_vars.setdefault("item", x)
                r = cond(s.child(scope_vars))
                if first and type(r) is Decimal:
                    return index(items, r, s)
                first = False
                if r is True:
                    out.append(x)
            if not items:
                # An empty list filtered by a number is an index out of range.
                probe: list[str] = []
                r = cond(Scope({}, s, probe))
                if type(r) is Decimal:
                    s.warn(f"list index {r} out of range of an empty list")
                    return None
            return out

        return filter_

    def _Path(self, node: ast.Path) -> Fn:
        base, name = self.compile(node.base), node.name
        return lambda s: path_of(base(s), name, s)

    def _Call(self, node: ast.Call) -> Fn:
        fn = self.compile(node.function)
        args = [self.compile(a) for a in node.args]
        named = None if node.named is None else [(n, self.compile(a)) for n, a in node.named]
        label = node.function.name if isinstance(node.function, ast.Name) else "function"

        def call(s: Scope) -> Any:
            f = fn(s)
            if f is None:
                return None
            if not isinstance(f, FeelFunction):
                s.warn(f"{label} is a {kind(f)}, not a function")
                return None
            try:
                if named is None:
                    return f.invoke([a(s) for a in args])
                return f.invoke([], {n: a(s) for n, a in named})
            except FeelEvalError as e:
                s.warn(f"{label}: {e}")
            except RecursionError:
                s.warn(f"{label}: recursion too deep")
            except FeelBudgetExceeded:
                raise  # stops the whole evaluation
            except Exception as e:  # a built-in must never crash an evaluation
                s.warn(f"{label}: {type(e).__name__}: {e}")
            return None

        return call

    # -- constructors

    def _ListLiteral(self, node: ast.ListLiteral) -> Fn:
        items = [self.compile(i) for i in node.items]
        return lambda s: [i(s) for i in items]

    def _ContextLiteral(self, node: ast.ContextLiteral) -> Fn:
        entries = [(k, self.compile(v)) for k, v in node.entries]
        keys = [k for k, _ in node.entries]
        duplicate = next((k for k in keys if keys.count(k) > 1), None)

        def context(s: Scope) -> dict[str, Any] | None:
            if duplicate is not None:
                s.warn(f"context has the key {duplicate!r} twice")
                return None
            out: dict[str, Any] = {}
            inner = s.child(out)  # later entries see earlier ones
            for k, v in entries:
                out[k] = v(inner)
            return out

        return context

    def _RangeLiteral(self, node: ast.RangeLiteral) -> Fn:
        start = self.compile(node.start) if node.start else None
        end = self.compile(node.end) if node.end else None
        si, ei = node.start_included, node.end_included

        def range_(s: Scope) -> Range | None:
            a = start(s) if start else None
            b = end(s) if end else None
            if (start and a is None) or (end and b is None):
                # A null endpoint is not an open end: the range itself is unknown.
                s.warn("a range endpoint is null")
                return None
            if a is not None and b is not None and compare(a, b) is None:
                s.warn(f"range endpoints {kind(a)} and {kind(b)} are not comparable")
                return None
            return Range(si, a, b, ei)

        return range_

    def _UnaryComparison(self, node: ast.UnaryComparison) -> Fn:
        operand, op = self.compile(node.operand), node.op

        def unary(s: Scope) -> Any:
            v = operand(s)
            if v is None:
                return None
            if op == "<":
                return Range(False, None, v, False)
            if op == "<=":
                return Range(False, None, v, True)
            if op == ">":
                return Range(False, v, None, False)
            if op == ">=":
                return Range(True, v, None, False)
            if op == "=":
                # `(=10)` as a value is the range of the one point: `[10..10]`.
                return PointRange(True, v, v, True)
            s.warn(f"'{op}' is a unary test, not an expression")
            return None

        return unary

    def _FunctionDefinition(self, node: ast.FunctionDefinition) -> Fn:
        names = [p for p, _ in node.params]
        body = self.compile(node.body)
        declared: list[ft.FeelType | None] = []
        for _, t in node.params:
            try:
                declared.append(self.feel_type(t) if t is not None else None)
            except (KeyError, FeelEvalError):
                declared.append(None)
        external = node.external

        def define(s: Scope) -> Any:
            if external:

                def not_supported(*args: Any) -> Any:
                    raise FeelEvalError("external (Java/PMML) functions are not supported")

                return FeelFunction("external function", [names], not_supported)

            def impl(*args: Any) -> Any:
                if s.budget is not None:
                    s.budget.spend()
                for name, t, a in zip(names, declared, args, strict=True):
                    if t is not None and a is not None and not t.is_instance(a):
                        raise FeelEvalError(f"argument {name!r} is a {kind(a)}, expected {t}")
                return body(s.child(dict(zip(names, args, strict=True))))

            impl.param_types = tuple(t or ft.ANY for t in declared)  # type: ignore[attr-defined]
            return FeelFunction("function", [names], impl)

        return define

    # -- unary tests

    def test(self, node: ast.Node) -> Test:
        """A closure deciding whether a value satisfies one positive unary test."""
        if isinstance(node, ast.UnaryComparison):
            operand, op = self.compile(node.operand), node.op
            if op in ("=", "!="):
                ne = op == "!="

                def eq_test(x: Any, s: Scope) -> bool | None:
                    r = equal(x, operand(s))
                    return r if r is None or not ne else not r

                return eq_test

            def cmp_test(x: Any, s: Scope) -> bool | None:
                return _compare_op(op, x, operand(s), s)

            return cmp_test
        if isinstance(node, ast.Literal) and node.value is not None:
            lit = node.value

            def literal_test(x: Any, s: Scope) -> bool | None:
                if isinstance(x, list):
                    return satisfies(x, lit, False)
                return equal(x, lit)

            return literal_test
        if isinstance(node, ast.RangeLiteral):
            range_fn = self.compile(node)

            def range_test(x: Any, s: Scope) -> bool | None:
                r = range_fn(s)
                return r.contains(x) if isinstance(r, Range) else None

            return range_test
        uses = ast.uses_input(node)
        fn = self.compile(node)
        if uses:

            def input_test(x: Any, s: Scope) -> bool | None:
                return satisfies(x, fn(s.child({"?": x})), True)

            return input_test
        return lambda x, s: satisfies(x, fn(s), False)
