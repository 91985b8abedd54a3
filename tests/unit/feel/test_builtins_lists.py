"""List built-ins (expectations from DMN 1.5 and the DMN TCK folders 0009-0013, 0059-0063,
0094, 1155)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from regista.feel.builtins.lists import LIST_BUILTINS
from regista.feel.values import DECIMAL, FeelEvalError, FeelFunction


def call(name: str, *args: Any) -> Any:
    return LIST_BUILTINS[name].invoke(list(args))


def call_named(name: str, named: dict[str, Any]) -> Any:
    return LIST_BUILTINS[name].invoke([], named)


def nums(*values: int | str) -> list[Decimal]:
    return [Decimal(v) for v in values]


def fn(impl: Any, *params: str) -> FeelFunction:
    return FeelFunction("function", [params], impl)


# ---------------------------------------------------------------- list or items


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("min", Decimal(-3)),
        ("max", Decimal(14)),
        ("sum", Decimal(17)),
        ("product", Decimal(-252)),
        ("mean", DECIMAL.divide(Decimal(17), Decimal(3))),
        ("median", Decimal(6)),
        ("count", Decimal(3)),
    ],
)
def test_aggregates_of_a_list(name: str, expected: Decimal) -> None:
    assert call(name, nums(6, 14, -3)) == expected
    assert call_named(name, {"list": nums(6, 14, -3)}) == expected


@pytest.mark.parametrize("name", ["min", "max", "sum", "product", "mean", "median"])
def test_aggregates_take_items_as_arguments(name: str) -> None:
    assert call(name, *nums(6, 14, -3)) == call(name, nums(6, 14, -3))
    assert call(name, Decimal(4)) == Decimal(4)  # one item is a singleton list


@pytest.mark.parametrize("name", ["min", "max", "sum", "mean", "median", "product", "stddev"])
def test_aggregates_of_nothing(name: str) -> None:
    assert call(name, []) is None
    with pytest.raises(FeelEvalError):
        call(name)  # neither a list nor any item
    with pytest.raises(FeelEvalError):
        call(name, None)
    with pytest.raises(FeelEvalError):
        call_named(name, {"list": None})
    with pytest.raises(FeelEvalError):
        call_named(name, {"l": nums(1)})


def test_min_max_order_any_comparable_kind() -> None:
    assert call("max", "a", "c", "b") == "c"
    assert call("min", [dt.date(2020, 1, 2), dt.date(2019, 5, 1)]) == dt.date(2019, 5, 1)
    with pytest.raises(FeelEvalError):
        call("max", Decimal(1), "a")
    with pytest.raises(FeelEvalError):
        call("max", [True])
    with pytest.raises(FeelEvalError):
        call("min", [Decimal(1), None])


def test_numeric_aggregates_reject_other_kinds() -> None:
    for name in ["sum", "mean", "median", "stddev", "mode", "product"]:
        with pytest.raises(FeelEvalError):
            call(name, [Decimal(1), Decimal(2), "foo", Decimal(4)])
    with pytest.raises(FeelEvalError):
        call("product", [Decimal(1), None])


def test_mean_and_median_in_34_digits() -> None:
    assert call("mean", nums(11, 2, 10)) == Decimal("7.666666666666666666666666666666667")
    assert call("median", nums(8, 2, 5, 3, 4)) == Decimal(4)
    assert call("median", nums(6, 1, 2, 3)) == Decimal("2.5")
    assert call("product", [Decimal("2.5"), Decimal(1), Decimal("2.5"), Decimal(3)]) == Decimal(
        "18.75"
    )


def test_stddev_is_the_sample_deviation() -> None:
    result = call("stddev", nums(2, 4, 7, 5))
    assert isinstance(result, Decimal)
    assert abs(result - Decimal("2.081665999466132735282297706979931")) < Decimal("1e-32")
    assert call("stddev", *nums(2, 4, 7, 5)) == result
    assert call("stddev", [Decimal(47)]) is None
    assert call("stddev", Decimal(47)) is None


def test_mode() -> None:
    assert call("mode", nums(6, 3, 9, 6, 6)) == nums(6)
    assert call("mode", nums(3, 6, 1, 9, 6, 1, 3)) == nums(1, 3, 6)
    assert call("mode", [Decimal("2.5"), Decimal(1), Decimal("2.50"), Decimal(3)]) == [
        Decimal("2.5")
    ]
    assert call("mode", []) == []
    assert call("mode", Decimal(6)) == nums(6)


@pytest.mark.parametrize(
    ("items", "all_", "any_"),
    [
        ([True, False, True], False, True),
        ([True, True], True, True),
        ([False, False], False, False),
        ([True, None, True], None, True),
        ([False, None], False, None),
        ([], True, False),
    ],
)
def test_all_any(items: list[Any], all_: bool | None, any_: bool | None) -> None:
    assert call("all", items) is all_
    assert call("any", items) is any_
    if len(items) > 1:
        assert call("all", *items) is all_
        assert call("any", *items) is any_
    assert call_named("all", {"list": items}) is all_


def test_all_any_invalid() -> None:
    for name in ["all", "any"]:
        assert call(name, True) is True
        for args in [(None,), (Decimal(123),), ([True, Decimal(123)],)]:
            with pytest.raises(FeelEvalError):
                call(name, *args)
        with pytest.raises(FeelEvalError):
            call(name)


# ---------------------------------------------------------------- queries


def test_list_contains_and_index_of() -> None:
    assert call("list contains", ["a", "b"], "b") is True
    assert call("list contains", ["a", "b"], "x") is False
    assert call("list contains", [Decimal(1), None], None) is True
    assert call("list contains", [Decimal("1.0")], Decimal(1)) is True
    assert call("index of", nums(1, 2, 3, 2), Decimal(2)) == nums(2, 4)
    assert call("index of", ["x"], "OK") == []
    with pytest.raises(FeelEvalError):
        call("list contains", None, "a")


# ---------------------------------------------------------------- building lists


def test_sublist() -> None:
    abc = ["a", "b", "c"]
    assert call("sublist", abc, Decimal(1), Decimal(2)) == ["a", "b"]
    assert call("sublist", abc, Decimal(-1), Decimal(1)) == ["c"]
    assert call("sublist", abc, Decimal(2)) == ["b", "c"]
    assert call_named("sublist", {"list": abc, "start position": Decimal(2)}) == ["b", "c"]
    for start in (Decimal(0), Decimal(4), Decimal(-4)):
        with pytest.raises(FeelEvalError):
            call("sublist", abc, start)


def test_append_and_concatenate() -> None:
    assert call("append", nums(6, 14), Decimal(11), Decimal(2)) == nums(6, 14, 11, 2)
    assert call("append", [["w"]], ["t"]) == [["w"], ["t"]]
    assert call("append", ["a"]) == ["a"]
    assert call_named("append", {"list": ["a"], "item": ["b"]}) == ["a", ["b"]]
    assert call("concatenate", ["a"], ["b", "c"], []) == ["a", "b", "c"]
    assert call("concatenate", [["a"]], [["w"], ["y"]]) == [["a"], ["w"], ["y"]]
    assert call("concatenate") == []
    with pytest.raises(FeelEvalError):
        call("concatenate", ["a"], None)
    with pytest.raises(FeelEvalError):
        call("append")


def test_insert_before_and_remove() -> None:
    xyz = ["x", "y", "z"]
    assert call("insert before", xyz, Decimal(2), "OK") == ["x", "OK", "y", "z"]
    assert call("insert before", xyz, Decimal(-1), "OK") == ["x", "y", "OK", "z"]
    assert call("insert before", [["o"], ["p"]], Decimal(2), ["a"]) == [["o"], ["a"], ["p"]]
    assert call("remove", xyz, Decimal(2)) == ["x", "z"]
    assert call("remove", xyz, Decimal(-1)) == ["x", "y"]
    assert xyz == ["x", "y", "z"]  # arguments are never modified
    for pos in (Decimal(0), Decimal(4), None):
        with pytest.raises(FeelEvalError):
            call("remove", xyz, pos)
        with pytest.raises(FeelEvalError):
            call("insert before", xyz, pos, "OK")


def test_reverse_flatten() -> None:
    assert call("reverse", ["a", "b", "c"]) == ["c", "b", "a"]
    assert call("flatten", [["w", "x"], "y", [["z", []]]]) == ["w", "x", "y", "z"]
    assert call("flatten", Decimal(1)) == [Decimal(1)]


def test_union_and_distinct_values() -> None:
    assert call("union", ["x", "OK", "y"], ["a", "x"]) == ["x", "OK", "y", "a"]
    assert call("distinct values", ["x", "OK", "x", "y"]) == ["x", "OK", "y"]
    assert call("distinct values", [Decimal(1), Decimal("1.0"), True, None, None]) == [
        Decimal(1),
        True,
        None,
    ]
    utc = dt.UTC
    plus1 = dt.timezone(dt.timedelta(hours=1))
    times = [dt.time(10, tzinfo=utc), dt.time(11, tzinfo=plus1), dt.time(10)]
    assert call("distinct values", times) == [times[0], times[2]]  # same instant, deduped
    assert call("distinct values", [[Decimal(1)], [Decimal("1.0")], {"a": "b"}]) == [
        [Decimal(1)],
        {"a": "b"},
    ]


# ---------------------------------------------------------------- list replace


def test_list_replace_by_position() -> None:
    assert call("list replace", nums(1, 2, 3), Decimal(2), Decimal(4)) == nums(1, 4, 3)
    assert call("list replace", nums(1, 2, 3), Decimal(-1), Decimal(4)) == nums(1, 2, 4)
    assert call("list replace", nums(1, 2, 3), Decimal("2.5"), Decimal(4)) == nums(1, 4, 3)
    assert call("list replace", nums(1, 2, 3), Decimal("-1.5"), Decimal(4)) == nums(1, 2, 4)
    assert call("list replace", nums(1, 2, 3), Decimal(3), None) == [*nums(1, 2), None]
    assert call("list replace", Decimal(1), Decimal(1), Decimal(5)) == nums(5)
    named = {"position": Decimal(2), "newItem": Decimal(4), "list": nums(1, 2, 3)}
    assert call_named("list replace", named) == nums(1, 4, 3)
    for pos in (Decimal(0), Decimal(4), Decimal(-4), None, "2"):
        with pytest.raises(FeelEvalError):
            call("list replace", nums(1, 2, 3), pos, Decimal(4))


def test_list_replace_by_match_function() -> None:
    less = fn(lambda item, new: item < new, "item", "newItem")
    assert call("list replace", nums(2, 4, 7, 8), less, Decimal(5)) == nums(5, 5, 7, 8)
    named = {"match": less, "newItem": Decimal(4), "list": nums(1, 5)}
    assert call_named("list replace", named) == nums(4, 5)
    not_boolean = fn(lambda item, new: item, "item", "newItem")
    one_param = fn(lambda item: True, "item")
    for match in (not_boolean, one_param):
        with pytest.raises(FeelEvalError):
            call("list replace", nums(2, 4), match, Decimal(5))


# ---------------------------------------------------------------- sort


def test_sort_with_precedes() -> None:
    descending = fn(lambda x, y: x > y, "x", "y")
    assert call("sort", nums(3, 1, 5, 4), descending) == nums(5, 4, 3, 1)
    ascending = fn(lambda x, y: x < y, "x", "y")
    strings = ["a", "8", "Aa", "A", "10", "9"]
    assert call("sort", strings, ascending) == ["10", "8", "9", "A", "Aa", "a"]
    table = [{"k": Decimal(4), "n": 1}, {"k": Decimal(0), "n": 2}, {"k": Decimal(4), "n": 3}]
    by_k = fn(lambda x, y: x["k"] < y["k"], "x", "y")
    assert [row["n"] for row in call("sort", table, by_k)] == [2, 1, 3]  # stable
    assert call_named("sort", {"list": nums(2, 1), "precedes": ascending}) == nums(1, 2)


def test_sort_without_precedes_uses_feel_order() -> None:
    assert call("sort", nums(3, 1, 2)) == nums(1, 2, 3)
    with pytest.raises(FeelEvalError):
        call("sort", [Decimal(1), "a"])


def test_sort_invalid() -> None:
    null_result = fn(lambda x, y: None, "x", "y")
    with pytest.raises(FeelEvalError):
        call("sort", nums(1, 2), null_result)
    with pytest.raises(FeelEvalError):
        call("sort", nums(1, 2), "not a function")
    with pytest.raises(FeelEvalError):
        call("sort", None, fn(lambda x, y: True, "x", "y"))
