"""FEEL unary tests (decision-table input entries) through the public API
`compile_unary_tests` / `evaluate_unary_tests` (DMN 1.5 §10.3.2.10 and grammar rules
14-17): comparisons and ranges, lists of tests (any may match), `not(...)`, `-`, expressions
over the input value `?`, and null inputs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.feel import (
    FeelSyntaxError,
    UnaryTests,
    compile_unary_tests,
    evaluate_unary_tests,
)

CTX: dict[str, Any] = {"x": 5, "lo": 1, "hi": 3, "Max Age": 18, "names": ["a", "b"]}


def check(text: str, value: Any) -> tuple[bool | None, list[str]]:
    warnings: list[str] = []
    return evaluate_unary_tests(text, value, CTX, warnings), warnings


@pytest.mark.parametrize(
    ("text", "value", "expected"),
    [
        # Comparisons.
        ("< 5", 4, True),
        ("< 5", 5, False),
        ("<5", 4, True),
        ("<= 5", 5, True),
        ("> 5", 6, True),
        (">= 5", 5, True),
        ("= 5", 5, True),
        ("!= 5", 5, False),
        ("!= 5", 6, True),
        ("< x", 4, True),
        ("< Max Age", 17, True),
        ("< Max Age", 18, False),
        (">= 1", 1.5, True),
        ('< "b"', "a", True),
        ('>= @"2020-01-01"', dt.date(2020, 1, 1), True),
        ('< @"2020-01-01"', dt.date(2019, 12, 31), True),
        # Ranges.
        ("[1..10)", 1, True),
        ("[1..10)", 10, False),
        ("[1..10]", 10, True),
        ("(1..10]", 1, False),
        ("]1..10]", 1, False),
        ("[1..10[", 10, False),
        ("(1..5)", 3, True),
        ("[lo..hi]", 2, True),
        ("[lo..hi]", 4, False),
        ('["a".."c"]', "b", True),
        ('[@"2020-01-01"..@"2020-12-31"]', dt.date(2020, 6, 1), True),
        ('[@"2020-01-01"..@"2020-12-31"]', dt.date(2021, 1, 1), False),
        # Simple values, compared for equality.
        ("5", 5, True),
        ("5", Decimal("5.0"), True),
        ("5", 6, False),
        ('"a"', "a", True),
        ("true", True, True),
        ("false", True, False),
        ("x", 5, True),
        ("x", 4, False),
        ('date("2020-01-01")', dt.date(2020, 1, 1), True),
        ("-1", -1, True),
        ("- 1", -1, True),
        # A list value tests membership; a list input is compared as a whole.
        ("[1, 2, 3]", 2, True),
        ("[1, 2, 3]", 4, False),
        ("[1, 2, 3]", [1, 2, 3], False),  # membership, not equality (TCK 0072)
        ("names", "b", True),
        ("[[1..5], [7..9]]", 8, True),
        # Several tests: any may match.
        ('"a", "b"', "b", True),
        ('"a", "b"', "c", False),
        ("< 10, > 20", 15, False),
        ("< 10, > 20", 25, True),
        ("[1..5], [7..9]", 8, True),
        ('[1..5], "x"', "x", True),
        (">= 1, < 0", -1, True),
        (">= 1, < 0", 0, False),
        ("null, 1", 1, True),
        # Negation.
        ('not("a")', "a", False),
        ('not("a")', "b", True),
        ('not("a", "b")', "c", True),
        ('not("a", "b")', "b", False),
        ("not(< 5)", 3, False),
        ("not(< 5)", 7, True),
        ('not ( "a" )', "b", True),
        ("not([1..3])", 2, False),
        ("not(true)", False, True),
        # Any input.
        ("-", 99, True),
        ("-", "x", True),
        # Expressions over the input value `?`.
        ("? > 3", 4, True),
        ("? > 3", 3, False),
        ("? > 3 and ? < 10", 20, False),
        ("? > 3 and ? < 10", 5, True),
        ('? = "x"', "x", True),
        ("? in [1..3]", 2, True),
        ("? in [1..3]", 5, False),
        ("count(?) > 1", [1, 2], True),
        ('starts with(?, "ab")', "abc", True),
        ("string length(?) = 3", "abc", True),
        (">= 1, <= ?", 3, True),
        ("? + 1", 1, False),  # not boolean: compared with the input (2 = 1)
        ("?", True, True),
        ("?", 5, True),
    ],
)
def test_unary_tests(text: str, value: Any, expected: bool | None) -> None:
    assert check(text, value) == (expected, [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-", True),
        ("null", True),
        ('"a", null', True),
        ("? = null", True),
        ('not("a")', True),
        ("not(null)", False),
        ('"a", "b"', False),
        ("x", False),
        ("5", False),
        ("< 5", None),
        ("> 5", None),
        ("[1..10)", None),
        (">= 1, < 0", None),
        ("not(< 5)", None),
    ],
)
def test_a_null_input(text: str, expected: bool | None) -> None:
    assert check(text, None)[0] is expected


@pytest.mark.parametrize("text", ["? > 3", "? < 5", "abs(?) > 3"])
def test_a_null_input_does_not_satisfy_a_comparison_over_it(text: str) -> None:
    assert check(text, None)[0] is not True


@pytest.mark.parametrize(
    ("text", "value", "warns"),
    [("< 5", "a", True), ("< 5", [4], True), ("? > 3", "a", True), ("[1..5]", "a", False)],
)
def test_incomparable_inputs_do_not_match(text: str, value: Any, warns: bool) -> None:
    result, warnings = check(text, value)
    assert result is not True
    assert bool(warnings) is warns


def test_incomparable_equality_is_null() -> None:
    assert check('"a"', 1)[0] is None
    assert check("true", 1)[0] is None
    assert check('date("2020-01-01")', "2020-01-01")[0] is None


def test_compiled_tests_are_reusable() -> None:
    tests = compile_unary_tests("[18..65)")
    assert isinstance(tests, UnaryTests)
    assert [tests.test(v) for v in (17, 18, 64, 65)] == [False, True, True, False]
    assert not tests.matches_anything
    assert not tests.negated
    assert compile_unary_tests("-").matches_anything
    assert compile_unary_tests(" - ").matches_anything
    assert compile_unary_tests("").matches_anything
    assert compile_unary_tests('not("a")').negated
    assert repr(tests) == "UnaryTests('[18..65)')"


def test_names_in_scope() -> None:
    tests = compile_unary_tests("< Max Age", ["Max Age"])
    assert tests.test(17, {"Max Age": 18}) is True
    assert tests.test(19, {"Max Age": 18}) is False
    assert tests.test(5, {"Max Age": 10}) is True


def test_a_not_that_does_not_wrap_everything_is_the_not_function() -> None:
    # `not("a"), "b"` is two tests: the first calls not("a"), which is an invalid call.
    result, warnings = check('not("a"), "b"', "b")
    assert result is True
    assert len(warnings) == 1


def test_not_any_is_no_match() -> None:
    try:
        result = evaluate_unary_tests("not(-)", 1)
    except FeelSyntaxError:
        return
    assert result is False


@pytest.mark.parametrize("text", ["< ", "[1..", "not(", '"a",', "1..3", '"a".."b"'])
def test_malformed_tests_are_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        compile_unary_tests(text)
