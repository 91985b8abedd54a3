"""FEEL logic through the public API: three-valued `and`/`or` (DMN 1.5 Table 52), `not`,
comparisons and equality (values of different kinds are neither equal nor ordered: null),
`between`, `in` and `if`. TCK compliance-level-3 folders 0064, 0065, 0066, 0068, 0071, 0072."""

from __future__ import annotations

from decimal import Decimal
from itertools import product
from typing import Any

import pytest

from regista.feel import evaluate

# FEEL text of each operand, and what it counts as in the truth tables: a boolean, or
# anything else (null, a number, a string), which is neither true nor false.
OPERANDS = {"true": True, "false": False, "null": None, "1": None, '"a"': None}


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


def expected_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def expected_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


@pytest.mark.parametrize(("left", "right"), list(product(OPERANDS, OPERANDS)))
def test_and_or_truth_tables(left: str, right: str) -> None:
    a, b = OPERANDS[left], OPERANDS[right]
    assert evaluate(f"{left} and {right}") is expected_and(a, b)
    assert evaluate(f"{left} or {right}") is expected_or(a, b)


def test_chains() -> None:
    assert evaluate("true and true and true") is True
    assert evaluate("true and true and false") is False
    assert evaluate("false or false or null") is None
    assert evaluate("false or false or true") is True
    assert evaluate("true or false and false") is True  # and binds tighter than or
    assert evaluate("1 < 2 and 2 < 3") is True


def test_short_circuit_skips_the_right_operand() -> None:
    assert ev("false and unknown") == (False, [])
    assert ev("true or unknown") == (True, [])
    # Without a short cut the right side is still evaluated, and the result is the same.
    result, warnings = ev("unknown and false")
    assert result is False
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [("not(true)", False), ("not(false)", True), ("not(null)", None)],
)
def test_not(text: str, expected: bool | None) -> None:
    assert ev(text) == (expected, [])


@pytest.mark.parametrize("text", ["not(1)", 'not("true")', "not([true, false])"])
def test_not_of_a_non_boolean_is_null_with_a_warning(text: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 = 1", True),
        ("1 = 1.0", True),
        ("1 = 2", False),
        ("1 != 2", True),
        ('"a" = "a"', True),
        ('"a" != "b"', True),
        ("true = true", True),
        ("false = false", True),
        ("true != false", True),
        ("null = null", True),
        ("null != null", False),
        ("1 = null", False),
        ("null = 0", False),
        ('"" = null', False),
        ("[] = null", False),
        ("[] = []", True),
        ("[1, 2] = [1, 2]", True),
        ("[1, 2] = [2, 1]", False),
        ("[1, 2] = [1, 2, 3]", False),
        ("{a: 1, b: 2} = {b: 2, a: 1}", True),
        ("{a: 1} = {a: 1, b: 2}", False),
        ("{a: null} = {a: null}", True),
        ("[1..3] = [1..3]", True),
        ("[1..3] = [1..3)", False),
        ('@"2020-01-01" = @"2020-01-01"', True),
        ('@"P1D" = @"PT24H"', True),
        ('@"P1Y" = @"P12M"', True),
        ("1 < 2", True),
        ("2 <= 1", False),
        ("1 >= 1", True),
        ("2 > 1", True),
        ('"a" < "b"', True),
        ('"a" < "B"', False),  # code point order
        ('"b" >= "a"', True),
        ('@"2020-01-01" < @"2020-02-01"', True),
        ('@"10:00:00" < @"11:00:00"', True),
        ('@"PT1H" < @"P1D"', True),
    ],
)
def test_comparisons(text: str, expected: bool) -> None:
    assert ev(text) == (expected, [])


@pytest.mark.parametrize(
    "text",
    [
        '1 = "1"',
        "true = 1",
        "1 = true",
        '1 != "a"',
        '1 < "2"',
        '"a" > 1',
        "true < false",
        '[1, 2] = [1, "a"]',
        '@"2020-01-01" = @"2020-01-01T00:00:00"',
        '@"2020-01-01" < @"2020-01-01T00:00:00"',
        '@"P1D" < @"P1Y"',
        '@"10:00:00Z" < @"10:00:00"',
        "{a: 1} < {a: 2}",
        "[1] < [2]",
        "[1..2] < [3..4]",
    ],
)
def test_comparing_values_of_different_kinds_is_null_with_a_warning(text: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1


@pytest.mark.parametrize("text", ["null < 1", "1 > null", "null <= null", "null >= 0"])
def test_ordering_against_null_is_null(text: str) -> None:
    assert evaluate(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 between 1 and 10", True),
        ("1 between 1 and 10", True),
        ("10 between 1 and 10", True),
        ("11 between 1 and 10", False),
        ("0 between 1 and 10", False),
        ("5 between 10 and 1", False),
        ('"b" between "a" and "c"', True),
        ('"d" between "a" and "c"', False),
        ('@"2020-01-02" between @"2020-01-01" and @"2020-01-03"', True),
        ("x between 1 + 1 and 2 * 3", True),
        ("5 between null and 10", None),
        ("null between 1 and 10", None),
        ('1 between "a" and 3', None),
    ],
)
def test_between(text: str, expected: bool | None) -> None:
    assert evaluate(text, {"x": 4}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5 in [1..10]", True),
        ("10 in [1..10)", False),
        ("1 in (1..10]", False),
        ("5 in (1, 2, 5)", True),
        ("5 in (1, 2, 3)", False),
        ("5 in [1, 2, 5]", True),
        ("5 in [1, 2, 3]", False),
        ("5 in < 10", True),
        ("10 in < 10", False),
        ("10 in <= 10", True),
        ("2 in >= 2", True),
        ("5 in (< 3, > 4)", True),
        ("10 in (1, < 5, >= 10)", True),
        ("10 in (1, 5, 9)", False),
        ("10 in =10", True),
        ("10 in =11", False),
        ("10 in !=10", False),
        ("10 in !=11", True),
        ("1 in 1", True),
        ("5 in 5", True),
        ("1 in [[2..4], [1..3]]", True),
        ("5 in [[2..4], [1..3]]", False),
        ('"a" in ["b", "c", "a"]', True),
        ('"b" in [["f".."h"], ["a".."c"]]', True),
        ('"a" in <= "b"', True),
        ("true in [true, false]", True),
        ("true in [false, 2, 3]", False),
        ("{a: 1} in [{b: 2}, {a: 1}]", True),
        ("{a: 1} in {a: 1}", True),
        ("1 in []", False),
        ("5 in null", False),
        ("null in null", True),
        ("null in [null]", True),
        ("null in [1..3]", None),
        ("null in < 3", None),
        ("x in [y..z]", True),
    ],
)
def test_in(text: str, expected: bool | None) -> None:
    assert evaluate(text, {"x": 2, "y": 1, "z": 3}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[1,2,3] in [[1,2,3,4], [1,2,3]]", True),  # TCK 0072 list_001
        ("[1,2,3] in [1,2,3]", False),  # TCK 0072 list_011
        ("[1,2,3] in [[1,2,3], [1,2,3,4]]", True),  # TCK 0072 list_011_a
        ("[1,2,3] in ([[1,2,3,4]], [[1,2,3]])", True),  # TCK 0072 list_014_b
        ("[1,2,3] in ([1,2,3])", False),  # TCK 0072 list_015
    ],
)
def test_list_in_list_of_lists(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


@pytest.mark.parametrize(
    "text",
    ["5 in (null..10]", "5 in [1..null)", "5 in [1..null]", "5 in [null..10]"],  # TCK 0072
)
def test_in_a_range_with_a_null_endpoint_is_null(text: str) -> None:
    assert evaluate(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 in (=10)", True),  # TCK 0072 number_015_b
        ("10 in (!=10)", False),
        ('"a" in ("a")', True),
        ("false and (1/0 = 1)", False),
        ("(true or false) and false", False),
    ],
)
def test_parenthesised_tests(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("if true then 1 else 2", Decimal(1)),
        ("if false then 1 else 2", Decimal(2)),
        ("if null then 1 else 2", Decimal(2)),  # a non-true condition takes the else
        ('if "yes" then 1 else 2', Decimal(2)),
        ("if 1 then 1 else 2", Decimal(2)),
        ('if x > 1 then "big" else "small"', "big"),
        ("if x > 1 then if x > 5 then 3 else 2 else 1", Decimal(2)),
        ("if true then null else 1", None),
    ],
)
def test_if(text: str, expected: Any) -> None:
    assert evaluate(text, {"x": 3}) == expected


def test_if_evaluates_only_the_chosen_branch() -> None:
    assert ev("if true then 1 else 1/0") == (Decimal(1), [])
    assert ev("if false then unknown else 2") == (Decimal(2), [])
