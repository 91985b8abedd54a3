"""The instance state as a value: JSON encoding of FEEL values, versions, copy on write."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from regista.engine import InstanceState, decode_value, encode_value
from regista.engine.state import ElementInstance
from regista.feel.values import DaysTimeDuration, Range, YearsMonthsDuration

VALUES: list[Any] = [
    None,
    True,
    "text",
    Decimal("1.50"),
    Decimal("-1E+3"),
    [Decimal(1), "a", None],
    {"a": {"b": [Decimal(2)]}},
    {"$n": "not a number"},
    dt.date(2026, 1, 2),
    dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    dt.datetime(2026, 1, 2, 3, 4, 5),
    dt.time(10, 30),
    DaysTimeDuration(Decimal(3600)),
    YearsMonthsDuration(14),
    Range(True, Decimal(1), Decimal(5), False),
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_values_round_trip_through_json(value: Any) -> None:
    encoded = json.loads(json.dumps(encode_value(value)))
    assert decode_value(encoded) == value


def test_state_json_is_versioned() -> None:
    state = InstanceState("i", "p")
    state.instances["i"] = ElementInstance("i", "p", None, state.epoch, "process")
    data = state.to_json()
    assert data["version"] == 1
    assert InstanceState.from_json(data).to_json() == data
    with pytest.raises(ValueError, match="version"):
        InstanceState.from_json({**data, "version": 99})


def test_copy_shares_element_instances_until_changed() -> None:
    state = InstanceState("i", "p")
    root = ElementInstance("i", "p", None, state.epoch, "process")
    root.variables = {"x": Decimal(1)}
    state.instances["i"] = root
    other = state.copy()
    assert other.instances["i"] is root
    changed = other.mut("i")
    assert changed is not root
    assert changed.variables is not None
    changed.variables["x"] = Decimal(2)
    assert root.variables == {"x": Decimal(1)}
    assert other.mut("i") is changed
