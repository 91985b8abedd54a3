"""FEEL names and string literals through the public API.

Names may contain spaces and the operator characters `. / - ' + *` (DMN 1.5 §10.3.1.2); a
name given in the context is read as one name (the longest known one), so `a-b` is the
variable `a-b` when it is in scope and a subtraction otherwise. String literals support the
escapes of §10.3.1.2 (`\\"`, `\\\\`, `\\n`, `\\t`, `\\uXXXX`, `\\UXXXXXX`, surrogate pairs).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel import FeelSyntaxError, compile, evaluate


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


NAMES: dict[str, Any] = {
    "Monthly Salary": 100,
    "a-b": 1,
    "a": 5,
    "b": 2,
    "a+b": 7,
    "i*j": 4,
    "i": 2,
    "j": 3,
    "income/month": 50,
    "Is Valid?": True,
    "x.y": 3,
    "x": {"y": 9},
    "first name": "Ann",
    "last name": "Lee",
    "what's up": 6,
    "Loan in default": 1,
    "date of birth": 1990,
    "a b c": 1,
    "a b": 2,
    "ab": 10,
    "été": 3,
    "P&L": 9,
    "Total (net)": 4,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Monthly Salary * 12", Decimal(1200)),
        ("Monthly Salary*12", Decimal(1200)),
        ("a-b", Decimal(1)),  # the name, not a - b
        ("a - b", Decimal(3)),  # spaces make it a subtraction
        ("a+b", Decimal(7)),
        ("a + b", Decimal(7)),
        ("i*j", Decimal(4)),
        ("i * j", Decimal(6)),
        ("income/month * 2", Decimal(100)),
        ("Is Valid?", True),
        ("not(Is Valid?)", False),
        ("x.y", Decimal(3)),  # a known name beats the path
        ("x . y", Decimal(9)),
        ('first name + " " + last name', "Ann Lee"),
        ("what's up", Decimal(6)),
        ("Loan in default + 1", Decimal(2)),  # `in` inside a known name is no operator
        ("date of birth + 10", Decimal(2000)),
        ("a b c", Decimal(1)),  # the longest known name wins
        ("a b", Decimal(2)),
        ("ab", Decimal(10)),  # `a` must not match the start of `ab`
        ("été * 2", Decimal(6)),
        ("P&L", Decimal(9)),
        ("Total (net)", Decimal(4)),
    ],
)
def test_names_from_the_context(text: str, expected: Any) -> None:
    assert ev(text, NAMES) == (expected, [])


def test_the_brief_examples() -> None:
    assert evaluate("Monthly Salary * 12", {"Monthly Salary": 100}) == Decimal(1200)
    assert evaluate("a-b", {"a-b": 1, "a": 5, "b": 2}) == Decimal(1)
    assert evaluate("a-b", {"a": 5, "b": 2}) == Decimal(3)


def test_compile_takes_the_names_in_scope() -> None:
    expr = compile("Monthly Salary * 12", ["Monthly Salary"])
    assert expr.evaluate({"Monthly Salary": 2}) == Decimal(24)
    assert expr.evaluate({"Monthly Salary": 3}) == Decimal(36)
    minus = compile("a-b")  # no names given: a subtraction
    assert minus.evaluate({"a": 5, "b": 2, "a-b": 1}) == Decimal(3)
    assert compile("a-b", ["a-b"]).evaluate({"a-b": 1}) == Decimal(1)


def test_a_context_variable_shadows_a_builtin() -> None:
    assert evaluate("count", {"count": 7}) == Decimal(7)
    assert evaluate("count([1, 2])") == Decimal(2)


def test_builtin_names_with_spaces_and_keywords() -> None:
    assert evaluate('string length("abc")') == Decimal(3)
    assert evaluate('upper case("abc")') == "ABC"
    assert evaluate('date and time("2020-01-01T10:00:00").hour') == Decimal(10)


def test_the_words_of_a_name_may_be_separated_by_any_whitespace() -> None:
    # TCK 0068 writes `date and\n time(...)`.
    assert evaluate('date and\n    time("2020-01-01T10:00:00").hour') == Decimal(10)
    assert evaluate('string  length("abc")') == Decimal(3)
    assert evaluate("Monthly\tSalary * 2", {"Monthly Salary": 5}) == Decimal(10)
    assert evaluate("Monthly Salaryx", {"Monthly Salary": 5, "Monthly Salaryx": 1}) == 1
    # Positions after a name spanning lines stay right.
    with pytest.raises(FeelSyntaxError) as info:
        evaluate('date and\ntime("2020-01-01") +* 1')
    assert (info.value.line, info.value.column) == (2, 21)


def test_unknown_names_are_null_with_a_warning() -> None:
    result, warnings = ev("unknown name")
    assert result is None
    assert warnings == ["no variable named 'unknown name'"]
    result, warnings = ev("income / month", {"income/month": 50})
    assert result is None
    assert len(warnings) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"abc"', "abc"),
        ('""', ""),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ('"line\\nbreak"', "line\nbreak"),
        ('"tab\\there"', "tab\there"),
        ('"\\u00e9"', "é"),
        ('"\\U01F600"', "\U0001f600"),
        ('"\\uD83D\\uDE00"', "\U0001f600"),  # a surrogate pair is one character
        ('"😀"', "😀"),
        ('"multi\nline"', "multi\nline"),
        ('"a" + "b"', "ab"),
        ('"a" + "b" + "c"', "abc"),
    ],
)
def test_string_literals(text: str, expected: str) -> None:
    assert ev(text) == (expected, [])


def test_strings_count_code_points() -> None:
    assert evaluate('string length("😀")') == Decimal(1)
    assert evaluate('string length("\\uD83D\\uDE00")') == Decimal(1)
    assert evaluate('substring("héllo", 2, 1)') == "é"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"abc" = "abc"', True),
        ('"abc" = "ABC"', False),
        ('"a" < "b"', True),
        ('"B" < "a"', True),  # code point order, not collation
        ('"é" < "z"', False),
        ('"abc" < "abd"', True),
        ('"ab" < "abc"', True),
    ],
)
def test_string_comparison(text: str, expected: bool) -> None:
    assert evaluate(text) is expected


@pytest.mark.parametrize("text", ['"a" * 3', '"a" - "b"', '"a" + 1', '1 + "a"'])
def test_string_arithmetic_is_null(text: str) -> None:
    result, warnings = ev(text)
    assert result is None
    assert len(warnings) == 1


@pytest.mark.parametrize("text", ["'single'", '"unterminated', "a # b"])
def test_bad_literals_are_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        evaluate(text)
