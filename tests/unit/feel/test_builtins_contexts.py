"""Context built-ins (expectations from DMN 1.5 and the DMN TCK folders 0080, 0081,
1145-1147)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from regista.feel.builtins.contexts import CONTEXT_BUILTINS
from regista.feel.values import FeelEvalError

ONE, TWO = Decimal(1), Decimal(2)


def call(name: str, *args: Any) -> Any:
    return CONTEXT_BUILTINS[name].invoke(list(args))


def call_named(name: str, named: dict[str, Any]) -> Any:
    return CONTEXT_BUILTINS[name].invoke([], named)


def test_get_value() -> None:
    assert call("get value", {"a": "foo"}, "a") == "foo"
    assert call("get value", {"a": None}, "a") is None
    assert call("get value", {"a": "foo"}, "b") is None
    assert call_named("get value", {"key": "a", "m": {"a": "foo"}}) == "foo"


def test_get_value_along_keys() -> None:
    nested = {"x": ONE, "y": {"a": {"b": TWO}}}
    assert call("get value", nested, ["y", "a", "b"]) == TWO
    assert call_named("get value", {"m": nested, "keys": ["y", "a"]}) == {"b": TWO}
    assert call("get value", nested, ["y", "z", "b"]) is None
    assert call("get value", nested, ["x", "a"]) is None


@pytest.mark.parametrize(
    "args",
    [({"a": "foo"},), ({"a": "foo"}, "a", "bar"), ("foo", "foo"), ({"a": "foo"}, Decimal(123)),
     (None, "a"), ({"a": "foo"}, None), ({"a": "foo"}, []), ({"a": "foo"}, ["a", None])],
)  # fmt: skip
def test_get_value_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("get value", *args)


def test_get_value_named_invalid() -> None:
    for named in [{"k": "a", "m": {"a": "foo"}}, {"key": ["a"], "m": {"a": "foo"}}]:
        with pytest.raises(FeelEvalError):
            call_named("get value", named)


def test_get_entries() -> None:
    assert call("get entries", {"a": "foo", "b": "bar"}) == [
        {"key": "a", "value": "foo"},
        {"key": "b", "value": "bar"},
    ]
    assert call_named("get entries", {"m": {}}) == []
    for bad in (None, Decimal(123), [ONE, TWO]):
        with pytest.raises(FeelEvalError):
            call("get entries", bad)
    with pytest.raises(FeelEvalError):
        call_named("get entries", {"map": {}})


def test_context() -> None:
    entries = [{"key": "a", "value": ONE}, {"key": "b", "value": TWO}]
    assert call("context", entries) == {"a": ONE, "b": TWO}
    assert list(call("context", entries)) == ["a", "b"]
    assert call("context", []) == {}
    assert call("context", {"key": "a", "value": ONE}) == {"a": ONE}
    assert call("context", {"key": "a", "value": None}) == {"a": None}
    assert call("context", {"key": "", "value": ONE}) == {"": ONE}
    ignored = [{"key": "a", "value": ONE, "ignored": "foo"}]
    assert call_named("context", {"entries": ignored}) == {"a": ONE}


@pytest.mark.parametrize(
    "entries",
    [[{"key": "a", "value": ONE}, {"key": "a", "value": TWO}], {"value": ONE},
     {"key": None, "value": ONE}, {"key": "a"}, None, "foo", [ONE]],
)  # fmt: skip
def test_context_invalid(entries: Any) -> None:
    with pytest.raises(FeelEvalError):
        call("context", entries)


def test_context_put() -> None:
    assert call("context put", {}, "a", ONE) == {"a": ONE}
    put = call("context put", {"a": ONE, "b": TWO, "c": Decimal(3)}, "b", Decimal(3))
    assert list(put.items()) == [("a", ONE), ("b", Decimal(3)), ("c", Decimal(3))]
    assert list(call("context put", {"a": ONE}, "b", TWO)) == ["a", "b"]
    assert call("context put", {}, "a", None) == {"a": None}
    assert call_named("context put", {"context": {}, "key": "a", "value": ONE}) == {"a": ONE}
    original = {"a": ONE}
    assert call("context put", original, "a", TWO) == {"a": TWO}
    assert original == {"a": ONE}  # contexts are values: the argument is unchanged


def test_context_put_along_keys() -> None:
    ctx = {"x": ONE, "y": {"a": Decimal(0)}}
    assert call("context put", ctx, ["y", "a"], TWO) == {"x": ONE, "y": {"a": TWO}}
    assert call("context put", ctx, ["y", "b"], TWO) == {"x": ONE, "y": {"a": 0, "b": TWO}}
    deep = {"y": {"a": {"b": {"c": ONE}}}}
    assert call("context put", deep, ["y", "a", "b", "c"], TWO) == {"y": {"a": {"b": {"c": TWO}}}}
    assert deep == {"y": {"a": {"b": {"c": ONE}}}}
    named = {"context": ctx, "keys": ["y", "a"], "value": TWO}
    assert call_named("context put", named) == {"x": ONE, "y": {"a": TWO}}
    assert ctx == {"x": ONE, "y": {"a": Decimal(0)}}


@pytest.mark.parametrize(
    "args",
    [({}, None, ONE), (None, "a", ONE), ([], "a", ONE), ({}, ONE, ONE), ({}, "a"),
     ({}, "a", ONE, ONE), ({"y": {"a": 0}}, ["y", None], TWO), ({"y": {}}, [None, "a"], TWO),
     ({"y": {}}, [], TWO), ({"y": {"a": 0}}, ["y", "a", "b", "c"], TWO),
     ({"x": ONE}, ["y", "a"], TWO)],
)  # fmt: skip
def test_context_put_invalid(args: tuple[Any, ...]) -> None:
    with pytest.raises(FeelEvalError):
        call("context put", *args)


def test_context_put_named_invalid() -> None:
    for named in [
        {"context": {}, "ky": "a", "value": ONE},
        {"context": {"y": {"a": 0}}, "key": ["y", "a"], "value": TWO},
        {"context": {}, "keys": "a", "value": TWO},
    ]:
        with pytest.raises(FeelEvalError):
            call_named("context put", named)


def test_context_merge() -> None:
    assert call("context merge", [{"a": ONE}]) == {"a": ONE}
    assert call("context merge", [{}]) == {}
    assert call("context merge", [{"a": ONE}, {"b": TWO}]) == {"a": ONE, "b": TWO}
    assert call("context merge", [{"a": ONE}, {"a": TWO}]) == {"a": TWO}
    shallow = call("context merge", [{"a": {"aa": ONE}}, {"a": {"bb": TWO}}])
    assert shallow == {"a": {"bb": TWO}}
    assert call("context merge", {"a": ONE}) == {"a": ONE}
    assert call_named("context merge", {"contexts": [{"a": ONE}]}) == {"a": ONE}
    for args in [(None,), ([], "foo"), ([ONE, TWO],), ([{"a": ONE}, TWO, {"b": TWO}],)]:
        with pytest.raises(FeelEvalError):
            call("context merge", *args)
    with pytest.raises(FeelEvalError):
        call_named("context merge", {"context": [{"a": ONE}]})
