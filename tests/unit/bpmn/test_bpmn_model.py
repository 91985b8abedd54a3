"""The model's building blocks: the frozen dict, expressions and problems."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable

import pytest

from regista.model.bpmn import Event, Expression, Problem, StartEvent, TimerEventDefinition
from regista.model.frozen import FrozenDict


def test_frozen_dict_is_read_only_hashable_and_copyable() -> None:
    frozen = FrozenDict({"a": 1, "b": 2})
    assert frozen == {"b": 2, "a": 1}
    assert hash(frozen) == hash(FrozenDict({"b": 2, "a": 1}))
    mutations: list[Callable[[], object]] = [
        lambda: frozen.__setitem__("c", 3),
        lambda: frozen.__delitem__("a"),
        lambda: frozen.update(c=3),
        lambda: frozen.pop("a"),
        lambda: frozen.popitem(),
        lambda: frozen.setdefault("c", 3),
        lambda: frozen.clear(),
    ]
    for mutate in mutations:
        with pytest.raises(TypeError, match="immutable"):
            mutate()
    assert pickle.loads(pickle.dumps(frozen)) == frozen
    assert copy.deepcopy(frozen) == frozen and isinstance(copy.copy(frozen), FrozenDict)
    assert repr(frozen) == "FrozenDict({'a': 1, 'b': 2})"


def test_expression_constructors() -> None:
    assert Expression.feel("x") == Expression("x", "feel") == Expression("x")
    assert Expression.literal("PT5M") == Expression("PT5M", "literal")


def test_line_numbers_do_not_take_part_in_equality() -> None:
    assert StartEvent(id="s", line=3) == StartEvent(id="s", line=9)


def test_event_definition_shortcut() -> None:
    timer = TimerEventDefinition(time_duration=Expression.literal("PT1M"))
    event: Event = StartEvent(id="s", event_definitions=(timer,))
    assert event.definition == timer
    assert StartEvent(id="n").definition is None


def test_problem_text() -> None:
    problem = Problem(severity="error", message="fix it", element_id="t", line=4, file="m.bpmn")
    assert str(problem) == "m.bpmn:4: error [t]: fix it"
    assert str(Problem(severity="warning", message="hm")) == "warning: hm"
