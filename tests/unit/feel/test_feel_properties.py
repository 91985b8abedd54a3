"""Properties of FEEL over generated values and texts: Python values survive the trip to FEEL
and back, the FEEL text of a value evaluates to that value, and no text makes the compiler
fail with anything but `FeelSyntaxError` (nor an evaluation raise at all)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from regista import feel
from regista.feel.lexer import KEYWORDS
from regista.feel.values import DaysTimeDuration, to_feel, to_python, to_string

# -- values -------------------------------------------------------------------------------

# Numbers FEEL holds exactly: decimal128 keeps 34 significant digits.
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=6).filter(
    lambda d: len(d.as_tuple().digits) <= 34 and abs(d) < Decimal(10) ** 27
)
integers = st.integers(min_value=-(10**27), max_value=10**27)
floats = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)
texts = st.text(max_size=20)
dates = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
zones = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(-dt.timedelta(hours=5, minutes=30))]
)
datetimes = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2999, 12, 31)
) | st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2999, 12, 31), timezones=zones
)
durations = st.timedeltas(min_value=dt.timedelta(days=-10_000), max_value=dt.timedelta(days=10_000))
scalars = (
    st.none() | st.booleans() | integers | decimals | floats | texts | dates | datetimes | durations
)
keys = st.text(max_size=8)
python_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=12,
)


def expected(value: Any) -> Any:
    """What `to_python(to_feel(value))` promises: numbers by value (integral ones as int),
    tuples as lists, everything else itself."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return expected(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, list | tuple):
        return [expected(v) for v in value]
    if isinstance(value, dict):
        return {k: expected(v) for k, v in value.items()}
    return value


@settings(max_examples=200)
@given(python_values)
def test_python_values_come_back_from_feel(value: Any) -> None:
    back = to_python(to_feel(value))
    assert back == expected(value)
    assert type(back) is type(expected(value))


@settings(max_examples=100)
@given(python_values)
def test_converting_to_feel_twice_changes_nothing(value: Any) -> None:
    once = to_feel(value)
    assert to_feel(once) == once


# -- literal texts ------------------------------------------------------------------------

# `string()` writes a context key bare when it reads as a name and quoted when it starts
# with a digit or holds a space, quote, bracket, ... Some keys it writes bare do not read back
# (a keyword: `{else: 1}`; punctuation: `{.: 1}`), so the keys here are plain words, or any
# text made to be quoted.
context_keys = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True).filter(
    lambda key: key not in KEYWORDS
) | st.text(max_size=8).map(lambda key: "1" + key)
plain = st.recursive(
    st.none() | st.booleans() | decimals | integers.map(Decimal) | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(context_keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200)
@given(plain)
def test_the_text_of_a_value_evaluates_to_the_value(value: Any) -> None:
    """`string()` of numbers, strings, lists and contexts is FEEL that reads back (strings
    inside lists and contexts are quoted; a string alone is quoted here)."""
    text = to_string([value])
    warnings: list[str] = []
    assert feel.evaluate(text, {}, warnings) == [value], warnings
    assert warnings == []


@settings(max_examples=100)
@given(decimals | integers.map(Decimal))
def test_number_literals_read_back(number: Decimal) -> None:
    assert feel.evaluate(to_string(number)) == number


@settings(max_examples=100)
@given(dates)
def test_date_literals_read_back(day: dt.date) -> None:
    assert feel.evaluate(f'date("{to_string(day)}")') == day
    assert feel.evaluate(f'@"{to_string(day)}"') == day


@settings(max_examples=100)
@given(datetimes)
def test_date_and_time_literals_read_back(moment: dt.datetime) -> None:
    assert feel.evaluate(f'date and time("{to_string(moment)}")') == moment
    assert feel.evaluate(f'@"{to_string(moment)}"') == moment


@settings(max_examples=100)
@given(durations)
def test_duration_literals_read_back(delta: dt.timedelta) -> None:
    duration = DaysTimeDuration.of(delta)
    assert feel.evaluate(f'duration("{duration}")') == duration
    assert to_python(feel.evaluate(f'@"{duration}"')) == delta


# -- texts the compiler never chokes on ---------------------------------------------------

# Fragments of FEEL, joined at random: most are syntax errors deep inside the grammar.
# Numbers stay small so that an accidental `for` over a range or a power stays cheap.
FRAGMENTS = [
    *["0", "1", "2", "10", "0.5", "x", "y", "z"],
    *[
        "+",
        "-",
        "*",
        "/",
        "**",
        "=",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "..",
        ",",
        ":",
        ".",
        "?",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
    ],
    *[
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "and",
        "or",
        "not",
        "between",
        "instance",
        "of",
    ],
    "function",
    "null",
    "true",
    "false",
    '"a"',
    '"',
    "@",
    "date",
    "(",
    "count",
    "sum",
    '@"2024-01-01"',
]
soup = st.lists(st.sampled_from(FRAGMENTS), max_size=25).map(" ".join)


def compiles_or_refuses(text: str) -> None:
    try:
        expression = feel.compile(text, ["x", "y", "z"])
    except feel.FeelSyntaxError as error:
        assert error.line >= 1 and error.column >= 1
        return
    warnings: list[str] = []
    expression.evaluate({"x": 1, "y": [1, 2], "z": {"a": 1}}, warnings)


@settings(max_examples=300)
@given(soup)
def test_fragments_of_feel_compile_or_are_refused(text: str) -> None:
    compiles_or_refuses(text)


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_any_text_compiles_or_is_refused(text: str) -> None:
    compiles_or_refuses(text)


@settings(max_examples=200)
@given(soup | st.text(max_size=40))
def test_any_text_as_unary_tests_compiles_or_is_refused(text: str) -> None:
    try:
        tests = feel.compile_unary_tests(text, ["x"])
    except feel.FeelSyntaxError:
        return
    tests.test(1, {"x": 1})
