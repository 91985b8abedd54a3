"""Range built-ins (DMN 1.5 §10.3.4.11) and `range(from)`: the spec's example tables, the
TCK folder compliance-level-3/1156-range-function, unbounded ranges and invalid calls."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest

from regista.feel import evaluate
from regista.feel.builtins.ranges import RANGE_BUILTINS, parse_range
from regista.feel.values import FeelEvalError, Range

_RANGE = re.compile(r"([\[\]()])(-?\d*)\.\.(-?\d*)([\[\]()])")


def r(text: str) -> Range:
    """A numeric range from its literal, built by hand (not by the code under test)."""
    m = _RANGE.fullmatch(text)
    assert m is not None, text
    start = Decimal(m.group(2)) if m.group(2) else None
    end = Decimal(m.group(3)) if m.group(3) else None
    return Range(m.group(1) == "[", start, end, m.group(4) == "]")


def arg(x: Any) -> Any:
    """Test shorthand: a numeric range literal stands for its range, an int for a number."""
    if isinstance(x, str) and _RANGE.fullmatch(x):
        return r(x)
    if isinstance(x, int) and not isinstance(x, bool):
        return Decimal(x)
    return x


def call(name: str, *args: Any) -> Any:
    return RANGE_BUILTINS[name].invoke([arg(a) for a in args])


def range_of(text: str) -> Any:
    return RANGE_BUILTINS["range"].invoke([text])


# (function, first argument, second argument, expected): DMN 1.5 Table 78 examples.
SPEC_EXAMPLES: list[tuple[str, Any, Any, bool]] = [
    ("before", 1, 10, True),
    ("before", 10, 1, False),
    ("before", 1, "[2..5]", True),
    ("before", 1, "(1..5]", True),
    ("before", 1, "[1..5]", False),
    ("before", 3, "[1..5]", False),
    ("before", "[1..5]", 10, True),
    ("before", "[1..5)", 5, True),
    ("before", "[1..5]", 5, False),
    ("before", "[1..5]", "[6..8]", True),
    ("before", "[1..5]", "(5..8]", True),
    ("before", "[1..5)", "[5..8]", True),
    ("before", "[1..5]", "[5..8]", False),
    ("after", 10, 1, True),
    ("after", 1, 10, False),
    ("after", 12, "[2..5]", True),
    ("after", 5, "[1..5)", True),
    ("after", 5, "[1..5]", False),
    ("after", 3, "[1..5]", False),
    ("after", "[5..10]", 1, True),
    ("after", "(5..10]", 5, True),
    ("after", "[5..10]", 5, False),
    ("after", "[6..8]", "[1..5]", True),
    ("after", "(5..8]", "[1..5]", True),
    ("after", "[5..8]", "[1..5)", True),
    ("after", "[5..8]", "[1..5]", False),
    ("meets", "[1..5]", "[5..10]", True),
    ("meets", "[1..3]", "[4..6]", False),
    ("meets", "[1..3]", "[3..5]", True),
    ("meets", "[1..5]", "(5..8]", False),
    ("meets", "[1..5)", "[5..8]", False),
    ("met by", "[5..10]", "[1..5]", True),
    ("met by", "[3..4]", "[1..2]", False),
    ("met by", "[3..5]", "[1..3]", True),
    ("met by", "(5..8]", "[1..5)", False),
    ("met by", "[5..8]", "[1..5)", False),
    ("overlaps", "[1..5]", "[3..8]", True),
    ("overlaps", "[3..8]", "[1..5]", True),
    ("overlaps", "[1..8]", "[3..5]", True),
    ("overlaps", "[3..5]", "[1..8]", True),
    ("overlaps", "[1..5]", "[6..8]", False),
    ("overlaps", "[6..8]", "[1..5]", False),
    ("overlaps", "[1..5]", "[5..8]", True),
    ("overlaps", "[1..5]", "(5..8]", False),
    ("overlaps", "[1..5)", "[5..8]", False),
    ("overlaps", "[1..5)", "(5..8]", False),
    ("overlaps", "[5..8]", "[1..5]", True),
    ("overlaps", "(5..8]", "[1..5]", False),
    ("overlaps", "[5..8]", "[1..5)", False),
    ("overlaps", "(5..8]", "[1..5)", False),
    ("overlaps before", "[1..5]", "[3..8]", True),
    ("overlaps before", "[1..5]", "[6..8]", False),
    ("overlaps before", "[1..5]", "[5..8]", True),
    ("overlaps before", "[1..5]", "(5..8]", False),
    ("overlaps before", "[1..5)", "[5..8]", False),
    ("overlaps before", "[1..5)", "(1..5]", True),
    ("overlaps before", "[1..5]", "(1..5]", True),
    ("overlaps before", "[1..5)", "[1..5]", False),
    ("overlaps before", "[1..5]", "[1..5]", False),
    ("overlaps after", "[3..8]", "[1..5]", True),
    ("overlaps after", "[6..8]", "[1..5]", False),
    ("overlaps after", "[5..8]", "[1..5]", True),
    ("overlaps after", "(5..8]", "[1..5]", False),
    ("overlaps after", "[5..8]", "[1..5)", False),
    ("overlaps after", "(1..5]", "[1..5)", True),
    ("overlaps after", "(1..5]", "[1..5]", True),
    ("overlaps after", "[1..5]", "[1..5)", False),
    ("overlaps after", "[1..5]", "[1..5]", False),
    ("finishes", 10, "[1..10]", True),
    ("finishes", 10, "[1..10)", False),
    ("finishes", "[5..10]", "[1..10]", True),
    ("finishes", "[5..10)", "[1..10]", False),
    ("finishes", "[5..10)", "[1..10)", True),
    ("finishes", "[1..10]", "[1..10]", True),
    ("finishes", "(1..10]", "[1..10]", True),
    ("finished by", "[1..10]", 10, True),
    ("finished by", "[1..10)", 10, False),
    ("finished by", "[1..10]", "[5..10]", True),
    ("finished by", "[1..10]", "[5..10)", False),
    ("finished by", "[1..10)", "[5..10)", True),
    ("finished by", "[1..10]", "[1..10]", True),
    ("finished by", "[1..10]", "(1..10]", True),
    ("includes", "[1..10]", 5, True),
    ("includes", "[1..10]", 12, False),
    ("includes", "[1..10]", 1, True),
    ("includes", "[1..10]", 10, True),
    ("includes", "(1..10]", 1, False),
    ("includes", "[1..10)", 10, False),
    ("includes", "[1..10]", "[4..6]", True),
    ("includes", "[1..10]", "[1..5]", True),
    ("includes", "(1..10]", "(1..5]", True),
    ("includes", "[1..10]", "(1..10)", True),
    ("includes", "[1..10)", "[5..10)", True),
    ("includes", "[1..10]", "[1..10)", True),
    ("includes", "[1..10]", "[1..10]", True),
    ("during", 5, "[1..10]", True),
    ("during", 12, "[1..10]", False),
    ("during", 1, "[1..10]", True),
    ("during", 10, "[1..10]", True),
    ("during", 1, "(1..10]", False),
    ("during", 10, "[1..10)", False),
    ("during", "[4..6]", "[1..10]", True),
    ("during", "[1..5]", "[1..10]", True),
    ("during", "(1..5]", "(1..10]", True),
    ("during", "(1..10)", "[1..10]", True),
    ("during", "[5..10)", "[1..10)", True),
    ("during", "[1..10)", "[1..10]", True),
    ("during", "(1..10]", "[1..10]", True),
    ("during", "[1..10]", "[1..10]", True),
    ("starts", 1, "[1..10]", True),
    ("starts", 1, "(1..10]", False),
    ("starts", 2, "[1..10]", False),
    ("starts", "[1..5]", "[1..10]", True),
    ("starts", "(1..5]", "(1..10]", True),
    ("starts", "(1..5]", "[1..10]", False),
    ("starts", "[1..10]", "[1..10]", True),
    ("starts", "[1..10)", "[1..10]", True),
    ("starts", "(1..10)", "(1..10)", True),
    ("started by", "[1..10]", 1, True),
    ("started by", "(1..10]", 1, False),
    ("started by", "[1..10]", 2, False),
    ("started by", "[1..10]", "[1..5]", True),
    ("started by", "(1..10]", "(1..5]", True),
    ("started by", "[1..10]", "(1..5]", False),
    ("started by", "[1..10]", "[1..10]", True),
    ("started by", "[1..10]", "[1..10)", True),
    ("started by", "(1..10)", "(1..10)", True),
    ("coincides", 5, 5, True),
    ("coincides", 3, 4, False),
    ("coincides", "[1..5]", "[1..5]", True),
    ("coincides", "(1..5]", "[1..5)", False),
    ("coincides", "[1..5]", "[2..6]", False),
]


@pytest.mark.parametrize(("name", "a", "b", "expected"), SPEC_EXAMPLES)
def test_spec_examples(name: str, a: Any, b: Any, expected: bool) -> None:
    assert call(name, a, b) is expected


# Inverse relations: swapping the arguments of one gives the other.
CONVERSES = [
    ("before", "after"),
    ("meets", "met by"),
    ("overlaps before", "overlaps after"),
    ("finishes", "finished by"),
    ("includes", "during"),
    ("starts", "started by"),
    ("overlaps", "overlaps"),
    ("coincides", "coincides"),
]
SAMPLE_RANGES = ["[1..5]", "[1..5)", "(1..5]", "(1..5)", "[5..8]", "(5..8]", "[3..4]",
                 "[1..10]", "(..5)", "(5..)", "(..5]", "[5..)", "(..1)"]  # fmt: skip


@pytest.mark.parametrize(("name", "converse"), CONVERSES)
def test_converses_agree(name: str, converse: str) -> None:
    for x in SAMPLE_RANGES:
        for y in SAMPLE_RANGES:
            assert call(name, x, y) is call(converse, y, x), (name, x, y)


@pytest.mark.parametrize(
    ("name", "a", "b", "expected"),
    [
        ("before", 1, "(..5)", False),
        ("before", 1, "(5..)", True),
        ("before", 5, "(5..)", True),
        ("before", "(..5)", 5, True),
        ("before", "(..5]", 5, False),
        ("before", "(5..)", 100, False),
        ("before", "(..1)", "[1..5]", True),
        ("before", "(..5)", "(5..)", True),
        ("before", "(..5]", "[5..)", False),
        ("after", 100, "(..5]", True),
        ("after", 100, "(5..)", False),
        ("after", "(5..)", 5, True),
        ("after", "[5..)", 5, False),
        ("meets", "(..5]", "[5..)", True),
        ("overlaps", "(..5)", "(..1)", True),
        ("overlaps", "(..5)", "(5..)", False),
        ("overlaps", "(..5]", "[5..)", True),
        ("overlaps before", "(..5]", "[3..8]", True),
        ("overlaps before", "(..5]", "(..8]", False),
        ("includes", "(..5)", -1000, True),
        ("includes", "(..5)", 5, False),
        ("includes", "[5..)", 5, True),
        ("includes", "(5..)", "[6..100]", True),
        ("includes", "(5..)", "[5..100]", False),
        ("includes", "[1..10]", "(5..)", False),
        ("during", "[1..10]", "(..10]", True),
        ("finishes", "[1..)", "(0..)", True),
        ("finishes", 5, "(..5]", True),
        ("finishes", 5, "[5..)", False),
        ("starts", 5, "[5..)", True),
        ("starts", "(..1]", "(..5]", True),
        ("coincides", "(5..)", "(5..)", True),
        ("coincides", "(5..)", "[5..)", False),
        ("coincides", "(..5)", "(5..)", False),
    ],
)
def test_unbounded_ranges(name: str, a: Any, b: Any, expected: bool) -> None:
    assert call(name, a, b) is expected


def test_an_unbounded_side_is_never_included() -> None:
    # A Range built in Python may flag a missing endpoint as included; it is still open.
    flagged = Range(True, None, Decimal(5), True)
    assert call("starts", Decimal(5), Range(True, Decimal(5), None, True)) is True
    assert call("coincides", flagged, r("(..5]")) is True
    assert call("meets", flagged, r("[5..8]")) is True


def test_other_kinds_of_points() -> None:
    d1, d2, d3 = dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2020, 12, 31)
    assert call("before", d1, d2) is True
    assert call("includes", Range(True, d1, d3, True), d2) is True
    assert call("during", d3, Range(True, d1, d3, False)) is False
    assert call("after", "b", Range(True, "a", "b", False)) is True
    assert call("before", Range(True, "a", "c", True), "b") is False
    assert call("coincides", "x", "x") is True
    t1, t2 = dt.time(9, 0), dt.time(17, 0)
    assert call("starts", t1, Range(True, t1, t2, True)) is True


def test_named_arguments_use_the_spec_parameter_names() -> None:
    def named(name: str, **kwargs: Any) -> Any:
        return RANGE_BUILTINS[name].invoke([], {k: arg(v) for k, v in kwargs.items()})

    assert named("before", point1=1, point2=10) is True
    assert named("before", point=1, range="[2..5]") is True
    # Named `point` and `range` fit both before(point, range) and before(range, point);
    # the first declared overload wins, so this asks whether the point is before the range.
    assert named("before", range="[1..5)", point=5) is False
    assert named("before", range="[2..5]", point=1) is True
    assert named("before", range1="[1..5]", range2="[6..8]") is True
    assert named("after", range="[5..10]", point=1) is False
    assert named("after", point=12, range="[5..10]") is True
    assert named("meets", range1="[1..5]", range2="[5..10]") is True
    assert named("met by", range1="[5..10]", range2="[1..5]") is True
    assert named("overlaps", range1="[1..5]", range2="[3..8]") is True
    assert named("overlaps before", range1="[1..5]", range2="[3..8]") is True
    assert named("overlaps after", range1="[3..8]", range2="[1..5]") is True
    assert named("finishes", point=10, range="[1..10]") is True
    assert named("finished by", range="[1..10]", point=10) is True
    assert named("includes", range="[1..10]", point=5) is True
    assert named("during", point=5, range="[1..10]") is True
    assert named("starts", point=1, range="[1..10]") is True
    assert named("started by", range="[1..10]", point=1) is True
    assert named("coincides", point1=5, point2=5) is True
    assert named("coincides", range1="[1..5]", range2="[1..5]") is True
    with pytest.raises(FeelEvalError):
        named("meets", point="[1..5]", range="[5..10]")


def test_signatures() -> None:
    sigs = {name: fn.signatures for name, fn in RANGE_BUILTINS.items()}
    both = [("point1", "point2"), ("point", "range"), ("range", "point"), ("range1", "range2")]
    assert sigs["before"] == both
    assert sigs["after"] == both
    for name in ("meets", "met by", "overlaps", "overlaps before", "overlaps after"):
        assert sigs[name] == [("range1", "range2")]
    for name in ("finishes", "during", "starts"):
        assert sigs[name] == [("point", "range"), ("range1", "range2")]
    for name in ("finished by", "includes", "started by"):
        assert sigs[name] == [("range", "point"), ("range1", "range2")]
    assert sigs["coincides"] == [("point1", "point2"), ("range1", "range2")]
    assert sigs["range"] == [("from",)]


@pytest.mark.parametrize(
    ("name", "a", "b"),
    [
        ("before", None, 1),
        ("before", 1, None),
        ("includes", "[1..10]", None),
        ("before", 1, "a"),
        ("before", True, False),
        ("coincides", None, None),
        ("before", "[1..5]", Range(True, "a", "b", True)),
        ("includes", Range(True, "a", "z", True), 5),
        ("coincides", r("[1..5]"), Range(True, "a", "b", True)),
        ("coincides", r("(..5)"), Range(False, "a", None, False)),
        ("before", dt.date(2020, 1, 1), dt.datetime(2020, 1, 1)),
        # Point-only functions do not take ranges, and range-only ones no points.
        ("meets", 1, 2),
        ("meets", 1, "[1..5]"),
        ("overlaps", "[1..5]", 3),
        ("includes", 1, 2),
        ("includes", 1, "[1..5]"),
        ("during", "[1..5]", 3),
        ("finishes", "[1..10]", 10),
        ("finished by", 10, "[1..10]"),
        ("starts", "[1..10]", 1),
        ("started by", 1, "[1..10]"),
        ("coincides", 1, "[1..5]"),
        ("before", [1, 2], 3),
    ],
)
def test_invalid_arguments(name: str, a: Any, b: Any) -> None:
    with pytest.raises(FeelEvalError):
        call(name, a, b)


def test_a_singleton_list_stands_for_its_element() -> None:
    assert call("before", [Decimal(1)], Decimal(2)) is True
    assert call("includes", [r("[1..5]")], Decimal(2)) is True


def test_wrong_arity() -> None:
    with pytest.raises(FeelEvalError):
        RANGE_BUILTINS["before"].invoke([Decimal(1)])
    with pytest.raises(FeelEvalError):
        RANGE_BUILTINS["includes"].invoke([r("[1..2]"), Decimal(1), Decimal(2)])


# ---------------------------------------------------------------- range(from)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[18..21]", Range(True, Decimal(18), Decimal(21), True)),
        ("(18..21]", Range(False, Decimal(18), Decimal(21), True)),
        ("]18..21]", Range(False, Decimal(18), Decimal(21), True)),
        ("[18..21)", Range(True, Decimal(18), Decimal(21), False)),
        ("[18..21[", Range(True, Decimal(18), Decimal(21), False)),
        (" [ 1 .. 3 ] ", Range(True, Decimal(1), Decimal(3), True)),
        ("[1.5..2.25]", Range(True, Decimal("1.5"), Decimal("2.25"), True)),
        ("[-5..-1)", Range(True, Decimal(-5), Decimal(-1), False)),
        ("[2..)", Range(True, Decimal(2), None, False)),
        ("(..2)", Range(False, None, Decimal(2), False)),
        ("]..2]", Range(False, None, Decimal(2), True)),
        ("(5..[", Range(False, Decimal(5), None, False)),
        ("[3..3]", Range(True, Decimal(3), Decimal(3), True)),
        ('["a".."c"]', Range(True, "a", "c", True)),
        ('("a"..]', None),
        ('(.."z")', Range(False, None, "z", False)),
        ('["a\\"b".."c"]', Range(True, 'a"b', "c", True)),
    ],
)
def test_range_function(text: str, expected: Range | None) -> None:
    if expected is None:
        with pytest.raises(FeelEvalError):
            range_of(text)
    else:
        assert range_of(text) == expected
        assert RANGE_BUILTINS["range"].invoke([], {"from": text}) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "[..2]",  # a missing endpoint cannot be closed
        "[1..]",
        "[..]",
        "(..)",
        ">=10",  # unary comparisons are not range literals (TCK 1156 017)
        "< 5",
        '[1.."b"]',
        "[3..1]",
        '["z".."a"]',
        "[null..null]",
        "[null..5]",
        "[1..2..3]",
        "[1..1e99999]",
        "[1 2..3]",
        "[x..3]",
        "[1+1..3]",
        "1..3",
        "[1..3",
        "[1..3] and true",
        "[true..false]",
        '[date(string("1970-01-01"))..date("1970-01-02")]',
        '[date(input_001)..date("1970-01-02")]',
        '[unknown("1")..unknown("2")]',
        '["unterminated..]',
    ],
)
def test_range_function_rejects(text: str) -> None:
    with pytest.raises(FeelEvalError):
        range_of(text)
    with pytest.raises(FeelEvalError):
        parse_range(text)


def test_range_function_needs_one_string() -> None:
    fn = RANGE_BUILTINS["range"]
    for bad in (None, Decimal(1), r("[1..3]"), True):
        with pytest.raises(FeelEvalError):
            fn.invoke([bad])
    with pytest.raises(FeelEvalError):
        fn.invoke([])
    with pytest.raises(FeelEvalError):
        fn.invoke(["[1..3]", "foo"])
    with pytest.raises(FeelEvalError):
        fn.invoke([], {"fron": "[1..3]"})
    assert fn.invoke([["[1..3]"]]) == r("[1..3]")


# ---------------------------------------------------------------- through FEEL

# TCK compliance-level-3/1156-range-function (expressions and expected results).
TCK_1156: list[tuple[str, bool | None]] = [
    ('2 in range("[1..3]")', True),
    ('range("[1..3]") instance of range<number>', True),
    ('range(string("[1..3]")) instance of range<number>', True),
    ('range("[\\"a\\"..\\"c\\"]") instance of range<string>', True),
    ('range("[@\\"1970-01-01\\"..@\\"1970-01-02\\"]") instance of range<date>', True),
    ('range("[@\\"1970-01-01T00:00:00\\"..@\\"1970-01-02T00:00:00\\"]")'
     " instance of range<date and time>", True),
    ('range("[@\\"00:00:00\\"..@\\"00:00:00\\"]") instance of range<time>', True),
    ('range("[@\\"P1D\\"..@\\"P2D\\"]") instance of range<days and time duration>', True),
    ('range("[@\\"P1Y\\"..@\\"P2Y\\"]") instance of range<years and months duration>', True),
    ('2 in range(string("[1..3]"))', True),
    ('range("[18..21]") = [18..21]', True),
    ('range("(18..21]") = (18..21]', True),
    ('range("]18..21]") = ]18..21]', True),
    ('range("[18..21)") = [18..21)', True),
    ('range("[18..21[") = [18..21[', True),
    ('range("[..2]")', None),
    ('range("[1..]")', None),
    ('range("[\\"a\\"..\\"c\\"]") = ["a".."c"]', True),
    ('range("[@\\"1970-01-01\\"..@\\"1970-01-02\\"]") = [@"1970-01-01"..@"1970-01-02"]', True),
    ('range("[@\\"1970-01-01T00:00:00\\"..@\\"1970-01-02T00:00:00\\"]")'
     ' = [@"1970-01-01T00:00:00"..@"1970-01-02T00:00:00"]', True),
    ('range("[@\\"00:00:00\\"..@\\"00:00:00\\"]") = [@"00:00:00"..@"00:00:00"]', True),
    ('range("[@\\"P1D\\"..@\\"P2D\\"]") = [@"P1D"..@"P2D"]', True),
    ('range("[@\\"P1Y\\"..@\\"P2Y\\"]") = [@"P1Y"..@"P2Y"]', True),
    ('range(" [ 1 .. 3 ] ") = [1..3]', True),
    ('range("[date(\\"1970-01-01\\")..date(\\"1970-01-02\\")]")'
     ' = [date("1970-01-01")..date("1970-01-02")]', True),
    ('range("[date(string(\\"1970-01-01\\"))..date(\\"1970-01-02\\")]")', None),
    ('range("[date(input_001)..date(\\"1970-01-02\\")]")', None),
    ('range("[date and time(\\"1970-01-01T00:00:00\\")..@\\"1970-01-02T00:00:00\\"]")'
     ' = [@"1970-01-01T00:00:00"..@"1970-01-02T00:00:00"]', True),
    ('range("[date and time(string(\\"1970-01-01T00:00:00\\"))..@\\"1970-01-02T00:00:00\\"]")',
     None),
    ('range("[time(\\"00:00:00\\")..@\\"00:00:00\\"]") = [@"00:00:00"..@"00:00:00"]', True),
    ('range("[time(string(\\"00:00:00\\"))..@\\"00:00:00\\"]")', None),
    ('range("[duration(\\"P1D\\")..@\\"P2D\\"]") = [@"P1D"..@"P2D"]', True),
    ('range("[duration(input_001)..@\\"P2D\\"]")', None),
    ('range(from: "[1..3]") = [1..3]', True),
    ('range(fron: "[1..3]")', None),
    ('range("[1..3]", "foo")', None),
    ("range()", None),
    ("range([1..3])", None),
    ('range("")', None),
    ('range(" ")', None),
    ('range(string(""))', None),
    ('range(">=10")', None),
    ('range("[1..\\"b\\"]")', None),
    ('range("[@\\"1970-01-01\\"..@\\"1970-01-02T00:00:00\\"]")', None),
    ('range("[@\\"1970-01-01T00:00:00\\"..@\\"1970-01-02\\"]")', None),
    ('range("[3..1]")', None),
    ('range("[@\\"1970-01-02\\"..@\\"1970-01-01\\"]")', None),
    ('range("[@\\"1970-01-02T00:00:00\\"..@\\"1970-01-01T00:00:00\\"]")', None),
    ('range("[\\"z\\"..\\"a\\"]")', None),
    ('range("[@\\"P2D\\"..@\\"P1D\\"]")', None),
    ('range("[@\\"P2Y\\"..@\\"P1Y\\"]")', None),
    ('range("[@\\"02:00:00\\"..@\\"01:00:00\\"]")', None),
    ('range("[null..null]")', None),
    ('range("[@\\"P1D\\"..@\\"P1Y\\"]")', None),
    ('range("[@\\"not a date\\"..@\\"P1Y\\"]")', None),
]  # fmt: skip


@pytest.mark.parametrize(("expression", "expected"), TCK_1156)
def test_range_function_tck(expression: str, expected: bool | None) -> None:
    warnings: list[str] = []
    assert evaluate(expression, {"input_001": "1970-01-01"}, warnings) is expected
    assert bool(warnings) is (expected is None)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("before(1, 10)", True),
        ("after(point1: 10, point2: 1)", True),
        ("overlaps before([1..5], [3..8])", True),
        ("overlaps after([3..8], [1..5])", True),
        ("met by([5..10], [1..5])", True),
        ("finished by(range: [1..10], point: 10)", True),
        ("started by([1..10], 1)", True),
        ("includes(range1: [1..10], range2: [1..5])", True),
        ("during(5, > 3)", True),
        ("during(5, < 5)", False),
        ("includes(<= 5, 5)", True),
        ('before(@"2020-01-01", [@"2020-01-02"..@"2020-02-01"])', True),
        ('after(@"2020-03-01T10:00:00", [@"2020-03-01T08:00:00"..@"2020-03-01T10:00:00"))', True),
        ('includes([@"09:00:00"..@"17:00:00"], @"12:30:00")', True),
        ('meets([@"P1D"..@"P2D"], [@"P2D"..@"P3D"])', True),
        ('coincides("a", "a")', True),
        ("before(true, false)", None),
        ("before(1, null)", None),
        ('includes([1..10], "5")', None),
        ("meets(1, 2)", None),
    ],
)
def test_through_feel(expression: str, expected: bool | None) -> None:
    assert evaluate(expression) is expected
