"""FEEL lists, filters and paths over lists through the public API (DMN 1.5 §10.3.2.5:
a boolean filter keeps the items for which it is true, a numeric filter is a 1-based index,
negative from the end; an index out of range is null; a path over a list maps over it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel import evaluate


def ev(text: str, context: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
    warnings: list[str] = []
    return evaluate(text, context, warnings), warnings


def nums(*values: int) -> list[Decimal]:
    return [Decimal(v) for v in values]


CTX: dict[str, Any] = {
    "l": [1, 2, 3, 4, 5],
    "e": [],
    "n": None,
    "people": [
        {"name": "a", "age": 30},
        {"name": "b", "age": 15},
        {"name": "c", "age": 50},
    ],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", []),
        ("[1, 2, 3]", nums(1, 2, 3)),
        ('[1, null, "a"]', [Decimal(1), None, "a"]),
        ("[[1, 2], []]", [nums(1, 2), []]),
        ("[1 + 1, l[1]]", nums(2, 1)),
        ("l[item > 3]", nums(4, 5)),
        ("l[item > 10]", []),
        ("l[item > 2 and item < 5]", nums(3, 4)),
        ("l[item != 3]", nums(1, 2, 4, 5)),
        ("l[item = 2 or item = 4]", nums(2, 4)),
        ("l[item > 1][item < 4]", nums(2, 3)),
        ("[1, 2, 3][item >= 2]", nums(2, 3)),
        ("[null, 1][item = null]", [None]),
        ("[[1, 2], [3, 4]][item[1] > 2]", [nums(3, 4)]),
        ("l[true]", nums(1, 2, 3, 4, 5)),
        ("l[false]", []),
        ("l[null]", []),  # not true: the item is left out
        ('l["1"]', []),
        ("e[item > 1]", []),
        # Indexes.
        ("l[1]", Decimal(1)),
        ("l[5]", Decimal(5)),
        ("l[-1]", Decimal(5)),
        ("l[-2]", Decimal(4)),
        ("l[-5]", Decimal(1)),
        ("l[1 + 1]", Decimal(2)),
        ("l[count(l)]", Decimal(5)),
        ("[1, 2][2.0]", Decimal(2)),
        ("[1, 2, 3][item > 1][1]", Decimal(2)),
        ("[[1, 2], [3]][1][2]", Decimal(2)),
        ("[1, [2, 3]][2][1]", Decimal(2)),
        # A non-list is filtered as a singleton list.
        ("5[1]", Decimal(5)),
        ("5[item > 3]", nums(5)),
        ('"a"[1]', "a"),
        # Null in, null out.
        ("n[1]", None),
        ("n[item > 1]", None),
        ("null[1]", None),
    ],
)
def test_filters(text: str, expected: Any) -> None:
    assert ev(text, CTX) == (expected, [])


@pytest.mark.parametrize(
    "text", ["l[0]", "l[6]", "l[-6]", "e[1]", "e[-1]", "[1, 2][0.5]", "l[1.5]"]
)
def test_an_index_out_of_range_is_null_with_a_warning(text: str) -> None:
    result, warnings = ev(text, CTX)
    assert result is None
    assert len(warnings) == 1


def test_filter_conditions_that_cannot_compare_leave_items_out() -> None:
    result, warnings = ev('[1, "a", null][item > 0]')
    assert result == nums(1)
    assert len(warnings) == 1  # "a" > 0; null > 0 is silently null


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("people[age > 20].name", ["a", "c"]),
        ("people[age > 100].name", []),
        ("people[age > 20][1].name", "a"),
        ("people[item.age > 20].name", ["a", "c"]),
        ('people[name = "b"].age', nums(15)),
        ('people[name = "b"][1].age', Decimal(15)),
        ("people[age = 15]", [{"name": "b", "age": Decimal(15)}]),
        ("people[1]", {"name": "a", "age": Decimal(30)}),
        ("people[2].age", Decimal(15)),
        ("people.name", ["a", "b", "c"]),
        ("people.age[2]", Decimal(15)),
        ('[{x: 1, y: "a"}, {x: 2, y: "b"}][x > 1].y', ["b"]),
        ("[{a: {b: 1}}, {a: {b: 2}}].a.b", nums(1, 2)),
        ("[{a: 1}, {b: 2}].a", [Decimal(1), None]),
        ("{l: [1, 2]}.l[1]", Decimal(1)),
        ("count(people[age > 20])", Decimal(2)),
        ("sum(people.age)", Decimal(95)),
    ],
)
def test_filters_and_paths_on_contexts(text: str, expected: Any) -> None:
    assert ev(text, CTX) == (expected, [])


def test_filter_items_see_outer_variables() -> None:
    assert evaluate("l[item > limit]", {"l": [1, 2, 3], "limit": 1}) == nums(2, 3)
    # A context item's own entries come first.
    ctx = {"rows": [{"limit": 5, "v": 4}, {"limit": 1, "v": 4}], "limit": 0}
    assert evaluate("rows[v > limit].limit", ctx) == nums(1)


def test_list_equality() -> None:
    assert evaluate("[1, 2, 3] = [1, 2, 3]") is True
    assert evaluate("[1, 2, 3] = [1, 2]") is False
    assert evaluate("[] = []") is True
    assert evaluate("[[1], [2]] = [[1], [2]]") is True


def test_python_sequences_become_lists() -> None:
    assert evaluate("t[2]", {"t": (1, 2, 3)}) == Decimal(2)
    assert evaluate("count(s)", {"s": {1, 2}}) == Decimal(2)
