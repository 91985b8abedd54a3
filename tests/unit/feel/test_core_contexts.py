"""FEEL contexts through the public API (DMN 1.5 §10.3.2.6): literals with name or string
keys, entries that see the entries before them, nesting, paths (missing entries are null),
and Python mappings passed in as contexts. TCK compliance-level-3 0057 and 0090."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel import FeelSyntaxError, evaluate


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", {}),
        ("{a: 1}", {"a": Decimal(1)}),
        ('{"a": 1}', {"a": Decimal(1)}),
        ('{"a b": 1}', {"a b": Decimal(1)}),
        ("{foo bar: 2}", {"foo bar": Decimal(2)}),
        ("{a+b: 1}", {"a+b": Decimal(1)}),
        ('{"foo+bar": 1}', {"foo+bar": Decimal(1)}),
        ('{"if": 1}', {"if": Decimal(1)}),
        ('{"": 1}', {"": Decimal(1)}),
        ("{a: null}", {"a": None}),
        ("{a: [1, 2], b: {c: true}}", {"a": [Decimal(1), Decimal(2)], "b": {"c": True}}),
        # Entries see the entries before them.
        ("{a: 1, b: a + 1}", {"a": Decimal(1), "b": Decimal(2)}),
        ("{a: 1, b: a, c: b}", {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}),
        ("{a: 1, b: {c: a + 1}}", {"a": Decimal(1), "b": {"c": Decimal(2)}}),
        ("{a b: 2, c: a b * 2}", {"a b": Decimal(2), "c": Decimal(4)}),
        # An inner entry shadows an outer one.
        ("{a: 1, b: {a: 2, c: a}}.b.c", Decimal(2)),
        # Paths.
        ("{a: 1}.a", Decimal(1)),
        ("{a: 1}.b", None),
        ("{a: null}.a", None),
        ('{"a b": 1}.a b', Decimal(1)),
        ("{Monthly Salary: 5}.Monthly Salary", Decimal(5)),
        ("{a: {b: {c: 5}}}.a.b.c", Decimal(5)),
        ("{a: [1, 2, 3]}.a[2]", Decimal(2)),
        ("{x: 1}.x + 1", Decimal(2)),
        ("{a: 1, b: 2} = {b: 2, a: 1}", True),
        ("{a: 1} = {a: 2}", False),
        ('get value({a: 1}, "a")', Decimal(1)),
        ("{a: 1, r: {a: 1}.a + a}.r", Decimal(2)),
    ],
)
def test_contexts(text: str, expected: Any) -> None:
    assert ev(text) == (expected, [])


def test_paths_into_the_given_context() -> None:
    ctx = {"c": {"a": 1, "b": {"c": 2}}, "Applicant": {"Monthly Income": 1000}}
    assert ev("c.a", ctx) == (Decimal(1), [])
    assert ev("c.b.c", ctx) == (Decimal(2), [])
    assert ev("c.x", ctx) == (None, [])
    assert ev("c.x.y", ctx) == (None, [])  # a path on null is null
    assert ev("Applicant.Monthly Income * 12", ctx) == (Decimal(12000), [])


def test_a_path_on_a_value_without_that_property_is_null_with_a_warning() -> None:
    result, warnings = ev("{a: 1}.a.b")
    assert result is None
    assert warnings == ["a number has no property 'b'"]


def test_later_entries_are_not_visible_earlier() -> None:
    result, warnings = ev("{b: a, a: 1}")
    assert result == {"b": None, "a": Decimal(1)}
    assert warnings == ["no variable named 'a'"]


def test_duplicate_keys_are_null_with_a_warning() -> None:
    result, warnings = ev("{a: 1, a: 2}")
    assert result is None
    assert len(warnings) == 1


def test_entries_keep_their_order() -> None:
    assert list(evaluate("{z: 1, a: 2, m: 3}")) == ["z", "a", "m"]


def test_functions_in_contexts() -> None:
    assert evaluate("{f: function(x) x * 2, r: f(3)}.r") == Decimal(6)
    assert evaluate("{f: function(x) x * 2}.f(4)") == Decimal(8)
    assert evaluate("{k: 10, f: function(x) x + k, r: f(1)}.r") == Decimal(11)


def test_python_mappings_are_contexts() -> None:
    ctx = {"m": {"a": 1, "nested": {"b": [1, 2]}}}
    assert evaluate("m.nested.b[2]", ctx) == Decimal(2)
    assert evaluate("m", ctx) == {"a": Decimal(1), "nested": {"b": [Decimal(1), Decimal(2)]}}
    assert evaluate("get entries(m)[1].key", ctx) == "a"


def test_temporal_and_range_properties() -> None:
    assert evaluate('{x: date("2020-03-04")}.x.year') == Decimal(2020)
    assert evaluate('@"2020-03-04".month') == Decimal(3)
    assert evaluate("[1..5].start") == Decimal(1)
    assert evaluate("[1..5).end included") is False
    assert evaluate("(1..5].start included") is False


def test_the_unary_test_eq_as_a_range() -> None:
    # TCK 0074 range_011 and 0068 range_010..012: `(=10)` has the properties of [10..10],
    # equals another `(=10)`, but not the literal `[10..10]`.
    assert evaluate("(=10).start included") is True
    assert evaluate("(=10).start") == Decimal(10)
    assert evaluate("(=10).end") == Decimal(10)
    assert evaluate("(=10).end included") is True
    assert evaluate("(=10) = (=10)") is True
    assert evaluate("(=10) = [10..10]") is False
    assert evaluate("is((=10), [10..10])") is False
    assert evaluate("10 in (=10)") is True
    assert evaluate("11 in (=10)") is False
    assert evaluate("(=10) instance of range<number>") is True


@pytest.mark.parametrize("text", ["{a: 1", "{a 1}", "{a: 1,, b: 2}", "{: 1}"])
def test_malformed_contexts_are_syntax_errors(text: str) -> None:
    with pytest.raises(FeelSyntaxError):
        evaluate(text)
