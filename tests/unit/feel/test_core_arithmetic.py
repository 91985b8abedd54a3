"""FEEL arithmetic through the public API: decimal128 numbers (34 significant digits,
half-even), `+ - * / **` and negation, precedence, null propagation and invalid operations
(null plus a warning). Expectations are hand-computed; DMN 1.5 §10.3.2.3 and Table 57, TCK
compliance-level-3 folders 0075, 0099 and 0100."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel import evaluate


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 1", "2"),
        ("0.1 + 0.2", "0.3"),
        ("1 - 0.9", "0.1"),
        ("0.1 * 3", "0.3"),
        ("1.1 + 2.2", "3.3"),
        ("10 / 4", "2.5"),
        ("2 * 3 / 4", "1.5"),
        ("1.5 * 1.5", "2.25"),
        ("-5 - -3", "-2"),
        ("1 - -1", "2"),
        ("1+-1", "0"),
        (".5 + 1", "1.5"),
        ("1 - 1", "0"),
        ("1.000 + 1", "2.000"),
        # Precedence: ** over * and /, over + and -, all left-associative.
        ("1 + 2 * 3", "7"),
        ("1 + 2 * 3 ** 2", "19"),
        ("10 - 2 - 3", "5"),
        ("100 / 10 / 5", "2"),
        ("7 / 2 * 2", "7"),
        ("3 ** 4 ** 5", "3486784401"),  # (3 ** 4) ** 5, as TCK 0075 decision_001
        ("-3 ** 2", "9"),  # negation binds tighter (TCK 0075 decision_001_a)
        # Exponentiation.
        ("2 ** 10", "1024"),
        ("2 ** 0", "1"),
        ("2 ** -1", "0.5"),
        ("10 ** -2", "0.01"),
        ("1.5 ** 2", "2.25"),
        ("2 ** 3.0", "8"),
        ("4 ** 0.5", "2"),
        ("2 ** 0.5", "1.414213562373095048801688724209698"),
        ("2 ** 200", "1.606938044258990275541962092341163E+60"),
        # Negation.
        ("-10", "-10"),
        ("--10", "10"),
        ("- 10", "-10"),
    ],
)
def test_number_arithmetic(text: str, expected: str) -> None:
    result, warnings = ev(text)
    assert type(result) is Decimal
    assert result == Decimal(expected)
    assert warnings == []


def test_division_keeps_34_significant_digits() -> None:
    third = evaluate("1/3")
    assert third == Decimal("0." + "3" * 34)
    assert str(third) == "0.3333333333333333333333333333333333"
    assert evaluate("2/3") == Decimal("0." + "6" * 33 + "7")  # half-even rounding
    assert evaluate("1/3 + 1/3 + 1/3") == Decimal("0." + "9" * 34)
    assert evaluate("1/3 * 3") == Decimal("0." + "9" * 34)
    assert evaluate("2/3 * 3") == Decimal(2)
    assert evaluate("decimal(1/3, 2)") == Decimal("0.33")


def test_decimal_not_binary_floating_point() -> None:
    assert evaluate("0.1 + 0.2 = 0.3") is True
    assert evaluate("1.1 + 2.2 = 3.3") is True
    assert evaluate("0.1 * 3 = 0.3") is True
    # Python floats in the context enter through their shortest repr, so 0.1 stays 0.1.
    assert evaluate("f + 0.2", {"f": 0.1}) == Decimal("0.3")
    assert evaluate("f + 0.2 = 0.3", {"f": 0.1}) is True


def test_big_numbers() -> None:
    assert evaluate("1234567890123456789012345678901234 + 1") == Decimal(
        "1234567890123456789012345678901235"
    )
    assert evaluate("123456789012345678901234567890123 + 1") == Decimal(
        "123456789012345678901234567890124"
    )
    # A 35th digit is rounded away.
    assert evaluate("9999999999999999999999999999999999 + 1") == Decimal("1E+34")
    assert evaluate("10 ** 34 + 1") == Decimal("1E+34")
    assert evaluate("12345678901234567890123456789012345678") == Decimal(
        "1.234567890123456789012345678901235E+37"
    )
    big = 10**40
    assert evaluate("big * big", {"big": big}) == Decimal("1E+80")
    assert evaluate("big + 1", {"big": big}) == Decimal("1E+40")
    assert evaluate("10**20 * 10**20") == Decimal("1E+40")


def test_context_numbers_become_decimals() -> None:
    ctx = {"i": 7, "f": 2.5, "d": Decimal("0.5")}
    assert evaluate("i * f + d", ctx) == Decimal("18")
    assert type(evaluate("i", ctx)) is Decimal
    assert evaluate("Monthly Salary * 12", {"Monthly Salary": 1000}) == Decimal(12000)


def test_string_concatenation() -> None:
    assert evaluate('"foo" + "bar"') == "foobar"
    assert evaluate('"" + ""') == ""


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("1/0", "division by zero"),
        ("0/0", "division by zero"),
        ("n / 0", "division by zero"),
        ("n / 0.0", "division by zero"),
        ("0 ** -1", "zero"),
        ("-4 ** 0.5", "fractional"),
        ("10 ** 1000000000", "exponent"),
        ("1E6144 * 10", "Overflow"),
        ("10 ** 6145", "Overflow"),
    ],
)
def test_invalid_number_operations_give_null_and_a_warning(text: str, warning: str) -> None:
    result, warnings = ev(text, {"n": 10})
    assert result is None
    assert len(warnings) == 1
    assert warning in warnings[0]


@pytest.mark.parametrize(
    "text",
    [
        '"a" - "b"',
        '"a" * 2',
        '"a" + 1',
        "1 + true",
        "true + 1",
        "[1] + 1",
        "{a: 1} + 1",
        '"foo" ** 4',
        "true ** 4",
        "[2] ** 4",
        "{a: 2} ** 4",
        '@"P2D" ** 4',
        '-"10"',
        "-[10]",
        "-{a: 1}",
        "-[1..5]",
        "-true",
        '-@"2021-01-01"',
        '-@"10:10:10"',
    ],
)
def test_operations_on_the_wrong_kinds_give_null_and_a_warning(text: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1


@pytest.mark.parametrize(
    "text",
    ["1 + null", "null + 1", "null - null", "2 * null", "null / 0", "null ** 2", "-null"],
)
def test_null_operands_give_null_silently(text: str) -> None:
    assert ev(text) == (None, [])


def test_warnings_accumulate_over_one_evaluation() -> None:
    warnings: list[str] = []
    assert evaluate("[1/0, 2/0, 3]", None, warnings) == [None, None, Decimal(3)]
    assert len(warnings) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(1 + 2) * 3", Decimal(9)),
        ("2 * (3)", Decimal(6)),
        ("-(-10)", Decimal(10)),
        ("(2) ** 3", Decimal(8)),
        ("-(function(a) a)(10)", Decimal(-10)),  # TCK 0099 decision_012
        ("(-4) ** 0.5", None),
    ],
)
def test_parenthesised_arithmetic(text: str, expected: Any) -> None:
    assert evaluate(text) == expected


def test_negation_keeps_34_digits() -> None:
    # Found by a property test: negation used the thread's decimal context (28 digits).
    negative = Decimal("-10000000000000000000000.000001")  # 29 digits
    assert evaluate("-10000000000000000000000.000001") == negative
    assert evaluate("-x", {"x": negative.copy_negate()}) == negative
