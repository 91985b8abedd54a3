"""FEEL iteration through the public API: `for` over lists and integer/date `a..b`
iteration contexts, several iterators (the later ones nested, and able to use the earlier
ones), `partial`, and the quantifiers `some` and `every` (DMN 1.5 §10.3.2.14, TCK
compliance-level-3 folders 0016 and 0084)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.feel import FeelSyntaxError, evaluate


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


def nums(*values: int) -> list[Decimal]:
    return [Decimal(v) for v in values]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for i in 1..3 return i * 2", nums(2, 4, 6)),
        ("for i in 2..4 return i", nums(2, 3, 4)),
        ("for i in 4..2 return i", nums(4, 3, 2)),  # descending
        ("for i in -1..1 return i", nums(-1, 0, 1)),
        ("for i in 1..-1 return i", nums(1, 0, -1)),
        ("for i in 1..1 return i", nums(1)),
        ("for i in 1+1..1+3 return i", nums(2, 3, 4)),
        ("for i in [1, 2, 3] return i + 1", nums(2, 3, 4)),
        ("for i in l return i * i", nums(1, 4, 9)),
        ("for i in [] return i", []),
        ("for i in [1, null] return i", [Decimal(1), None]),
        ("for i in 5 return i", nums(5)),  # a single value is a singleton list
        ("for x in {a: 1} return x.a", nums(1)),
        ("for item in [1, 2] return item", nums(1, 2)),
        # Several iterators: the last varies fastest.
        ("for i in [1, 2], j in [10, 20] return i + j", nums(11, 21, 12, 22)),
        ("for i in [1, 2, 3], j in [4, 5] return i + j", nums(5, 6, 6, 7, 7, 8)),
        ("for i in 1..3, j in 1..i return j", nums(1, 1, 2, 1, 2, 3)),
        ("for x in [[1, 2], [3, 4]], y in x return y", nums(1, 2, 3, 4)),
        ("for a in [1], b in [] return a", []),
        ("for x in [[1, 2], [3, 4]] return for y in x return y", [nums(1, 2), nums(3, 4)]),
        ("for i in 1..2 return for j in 1..2 return i * j", [nums(1, 2), nums(2, 4)]),
        # partial: the results so far.
        ("for i in 0..4 return if i = 0 then 1 else i * partial[-1]", nums(1, 1, 2, 6, 24)),
        ("for i in 1..3 return count(partial)", nums(0, 1, 2)),
        ("sum(for i in 1..100 return i)", Decimal(5050)),
        ("count(for i in 1..100000 return i)", Decimal(100000)),
    ],
)
def test_for(text: str, expected: Any) -> None:
    assert ev(text, {"l": [1, 2, 3]}) == (expected, [])


def test_for_over_dates() -> None:
    days = [dt.date(1980, 1, 1), dt.date(1980, 1, 2), dt.date(1980, 1, 3)]
    assert evaluate('for i in @"1980-01-01"..@"1980-01-03" return i') == days
    assert evaluate('for i in @"1980-01-03"..@"1980-01-01" return i') == days[::-1]
    assert evaluate('for i in @"2020-02-28"..@"2020-03-01" return i.day') == nums(28, 29, 1)


def test_the_iteration_variable_does_not_leak() -> None:
    result, warnings = ev("{r: for i in [1] return i, s: i}")
    assert result == {"r": nums(1), "s": None}
    assert warnings == ["no variable named 'i'"]


@pytest.mark.parametrize(
    "text",
    [
        'for i in "a".."z" return i',  # TCK 0084 decision_019
        'for i in ["a".."z"] return i',
        'for i in @"1980-01-03T00:00:00"..@"1980-01-01T00:00:00" return i',
        'for i in @"00:00:00"..@"00:00:00" return i',
        'for i in @"P1D"..@"P2D" return i',
        'for i in [@"P1D"..@"P2D"] return i',
        "for i in 1.5..3 return i",
        "for i in 1..null return i",
        'for i in 1..3, j in 1.."x" return i',
    ],
)
def test_invalid_iteration_domains_are_null_with_a_warning(text: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1


def test_iterating_over_null_is_null() -> None:
    assert evaluate("for i in null return i") is None
    assert evaluate("for i in x return i", {"x": None}) is None


def test_a_huge_integer_range_is_refused() -> None:
    result, warnings = ev("for i in 1..100000000000 return i")
    assert result is None
    assert len(warnings) == 1


@pytest.mark.parametrize(
    "text",
    [
        "for i in [1..2] return i",  # TCK 0084 decision_023
        'for i in [@"1980-01-01"..@"1980-01-03"] return i',  # decision_024
        "for i in [2..1] return i",  # decision_025
    ],
)
def test_a_range_is_not_an_iteration_domain(text: str) -> None:
    assert evaluate(text) is None


def test_partial_is_a_snapshot() -> None:
    assert evaluate("for i in 1..3 return partial") == [[], [[]], [[], [[]]]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("some x in l satisfies x > 2", True),
        ("some x in l satisfies x > 5", False),
        ("every x in l satisfies x > 0", True),
        ("every x in l satisfies x > 1", False),
        ("some x in [] satisfies x > 1", False),
        ("every x in [] satisfies x > 1", True),
        ("some x in [1, 2], y in [3, 4] satisfies x + y = 6", True),
        ("some x in [1, 2], y in [3, 4] satisfies x + y = 7", False),
        ("every x in [1, 2], y in [3, 4] satisfies x < y", True),
        ("every x in [1, 2], y in [x, 4] satisfies x <= y", True),
        ("some x in [3, 4] satisfies x > 2 and x < 4", True),
        ("some x in [[1, 2], [3]] satisfies count(x) = 1", True),
        ("some x in 5 satisfies x = 5", True),
        # Only true counts for some; anything but true fails every.
        ("some x in [1, null] satisfies x > 1", False),
        ("every x in [2, null] satisfies x > 1", False),
        ('some x in [false, "a"] satisfies x', False),
        ('every x in [true, "a"] satisfies x', False),
        ("every x in [true, true] satisfies x", True),
        ("some x in null satisfies x", None),
        ("every x in null satisfies x", None),
    ],
)
def test_quantifiers(text: str, expected: bool | None) -> None:
    assert evaluate(text, {"l": [1, 2, 3]}) is expected


def test_quantifiers_stop_at_the_first_decisive_item() -> None:
    assert ev("some x in [1, 2] satisfies x = 1 or unknown") == (True, [])
    assert ev("every x in [1, 2] satisfies x = 2 and unknown") == (False, [])


@pytest.mark.parametrize(
    "text",
    [
        "some i in 1..3 satisfies i = 2",  # a..b belongs to `for` only
        "for i in return i",
        "for i in [1] i",
        "some x in [1]",
        "every in [1] satisfies true",
    ],
)
def test_malformed_iterations_are_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        evaluate(text)
