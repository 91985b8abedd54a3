"""FEEL functions and types through the public API: function definitions (typed and
untyped parameters), positional and named invocation, closures, recursion through a
context entry, higher-order use of built-ins, and `instance of` (DMN 1.5 §10.3.2.9 and
§10.3.2.13, TCK compliance-level-3 folders 0070, 0092 and 1131)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel import FeelSyntaxError, evaluate
from regista.feel.values import FeelFunction


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


def nums(*values: int) -> list[Decimal]:
    return [Decimal(v) for v in values]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(function(a, b) a + b)(1, 2)", Decimal(3)),
        ("(function() 1)()", Decimal(1)),
        ("(function(x) function(y) x + y)(1)(2)", Decimal(3)),
        ("{f: function(a, b) a - b}.f(5, 3)", Decimal(2)),
        ("{f: function(a, b) a - b, r: f(5, 3)}.r", Decimal(2)),
        ("{f: function(a, b) a - b, r: f(b: 5, a: 3)}.r", Decimal(-2)),
        ("{f: function(a, b) a - b, r: f(a: 5)}.r", None),  # b is null, so a - b is null
        ("{f: function() 42, r: f()}.r", Decimal(42)),
        ("{f: function(x) x, r: f(x: 1)}.r", Decimal(1)),
        ("{f: function(a: number) a * 2, r: f(4)}.r", Decimal(8)),
        ('{f: function(a: string, b: number) a + string(b), r: f("x", 1)}.r', "x1"),
        ("{f: function(a: list<number>) count(a), r: f([1, 2])}.r", Decimal(2)),
        ("{f: function(a: context<x: number>) a.x, r: f({x: 5})}.r", Decimal(5)),
        ('{f: function(a: date) a.year, r: f(@"2020-01-01")}.r', Decimal(2020)),
        ("{f: function(a: number) a, r: f(null)}.r", None),  # null conforms to any type
        # Closures see the scope they were defined in.
        ("{k: 10, f: function(x) x + k, r: f(1)}.r", Decimal(11)),
        ("{adder: function(n) function(x) x + n, r: adder(2)(3)}.r", Decimal(5)),
        (
            "{compose: function(f, g) function(x) f(g(x)), inc: function(x) x + 1, "
            "dbl: function(x) x * 2, r: compose(inc, dbl)(5)}.r",
            Decimal(11),
        ),
        # Functions as arguments and results.
        ("{f: function(a) a, g: function(h) h(3), r: g(f)}.r", Decimal(3)),
        ("{g: function(h) h(-3), r: g(abs)}.r", Decimal(3)),
        ("sort([3, 1, 2], function(x, y) x < y)", nums(1, 2, 3)),
        ("sort(list: [3, 1, 2], precedes: function(x, y) x > y)", nums(3, 2, 1)),
        # Recursion through the context entry that holds the function.
        ("{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r", Decimal(120)),
        (
            "{fib: function(n) if n < 2 then n else fib(n - 1) + fib(n - 2), r: fib(15)}.r",
            Decimal(610),
        ),
        # Built-ins with named parameters.
        ("abs(n: -1)", Decimal(1)),
        ('substring(string: "abc", start position: 2)', "bc"),
        ('substring(start position: 2, string: "abc")', "bc"),
        ("null(1)", None),
    ],
)
def test_functions(text: str, expected: Any) -> None:
    assert ev(text) == (expected, [])


def test_a_function_value() -> None:
    f = evaluate("function(x, y) x * y")
    assert isinstance(f, FeelFunction)
    assert f.params == ("x", "y")
    assert f.invoke([Decimal(3), Decimal(4)]) == Decimal(12)
    assert f.invoke([], {"y": Decimal(2), "x": Decimal(5)}) == Decimal(10)
    # A FEEL function passed back in is callable from FEEL.
    assert evaluate("g(2, 3)", {"g": f}) == Decimal(6)


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("{f: function(a, b) b, r: f(1)}.r", "takes 2 arguments, got 1"),
        ("{f: function(a, b) b, r: f(1, 2, 3)}.r", "takes 2 arguments, got 3"),
        ("{f: function(x) x, r: f(y: 1)}.r", "no parameters named y"),
        ('{f: function(a: number) a * 2, r: f("x")}.r', "expected number"),
        ('{f: function(a: list<number>) count(a), r: f(["x"])}.r', "expected list<number>"),
        ("abs(1, 2)", "takes 1 arguments, got 2"),
        ("5(1)", "not a function"),
        ("x(1)", "no variable named 'x'"),
        ("{f: function(n) f(n), r: f(1)}.r", "recursion too deep"),
        (
            '{f: function(x) external {java: {class: "java.lang.Math", '
            'method signature: "max(int,int)"}}, r: f(1)}.r',
            "not supported",
        ),
    ],
)
def test_invalid_invocations_are_null_with_a_warning(text: str, warning: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1
    assert warning in warnings[0]


def test_python_callables_in_the_context_take_arguments() -> None:
    assert evaluate("f(4)", {"f": lambda x: x * 2}) == Decimal(8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 instance of number", True),
        ('"a" instance of string', True),
        ("5 instance of string", False),
        ("true instance of boolean", True),
        ("null instance of number", False),
        ("null instance of Null", True),
        ("5 instance of Any", True),
        ('"a" instance of Any', True),
        ("[1] instance of list<number>", True),
        ("[] instance of list<number>", True),
        ('[1, "a"] instance of list<number>', False),
        ("[1, 2] instance of list<string>", False),
        ("[1, 2] instance of list<Any>", True),
        ("{} instance of context", True),
        ("1 instance of context", False),
        ("{a: 1} instance of context<a: number>", True),
        ("{a: 1} instance of context<a: string>", False),
        ("{a: 1, b: 2} instance of context<a: number>", True),  # extra entries allowed
        ("{a: null} instance of context<a: string>", True),  # null conforms (TCK 0070)
        ("{b: null} instance of context<a: string>", False),
        ("[1..2] instance of range<number>", True),
        ("[1..2] instance of range<string>", False),
        ("(< 5) instance of range<number>", True),
        ('@"2020-01-01" instance of date', True),
        ('@"2020-01-01" instance of date and time', False),
        ('@"2020-01-01T00:00:00" instance of date and time', True),
        ('@"2020-01-01T00:00:00" instance of date', False),
        ('@"10:00:00" instance of time', True),
        ('@"P1D" instance of days and time duration', True),
        ('@"P1Y" instance of years and months duration', True),
        ('@"P1Y" instance of days and time duration', False),
        ("(function(a: number) a) instance of function<number> -> number", True),
        ("(function(a: number) a) instance of function<string> -> number", False),
        ("(function(a) a) instance of function<Any> -> Any", True),
        ("abs instance of function<number> -> number", True),
        ("5 instance of number and true", True),  # instance of binds tighter than and
    ],
)
def test_instance_of(text: str, expected: bool) -> None:
    assert ev(text) == (expected, [])


def test_an_unknown_type_is_null_with_a_warning() -> None:
    result, warnings = ev("5 instance of foo")
    assert result is None
    assert warnings == ["unknown type 'foo' in instance of"]


@pytest.mark.parametrize(
    "text",
    ["function(a b", "function(a, ) a", "function(a) ", "f(a: 1, 2)", "5 instance of"],
)
def test_malformed_functions_are_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        evaluate(text)


def test_a_python_function_may_be_called_without_its_optional_parameters() -> None:
    def error(code: Any, message: Any = "", variables: Any = None) -> list[Any]:
        return [code, message, variables]

    assert evaluate('error("E")', {"error": error}) == ["E", "", None]
    assert evaluate('error("E", "m")', {"error": error}) == ["E", "m", None]
    assert evaluate('error("E", "m", {a: 1})', {"error": error}) == ["E", "m", {"a": 1}]
    assert evaluate("error()", {"error": error}) is None  # the code is required
