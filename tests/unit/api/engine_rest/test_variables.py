"""Camunda 7's typed variables read into plain values and written back."""

from __future__ import annotations

from typing import Any

import pytest

from regista.api.engine_rest.variables import (
    OPAQUE,
    VariableError,
    read_value,
    read_variables,
    typed,
    typed_variables,
)


@pytest.mark.parametrize(
    ("sent", "plain"),
    [
        ({"value": "hi", "type": "String"}, "hi"),
        ({"value": 5, "type": "Integer"}, 5),
        ({"value": "5", "type": "integer"}, 5),
        ({"value": 5.0, "type": "Long"}, 5),
        ({"value": 2**40, "type": "LONG"}, 2**40),
        ({"value": -3, "type": "Short"}, -3),
        ({"value": 1.5, "type": "Double"}, 1.5),
        ({"value": "2.5", "type": "double"}, 2.5),
        ({"value": 7, "type": "Double"}, 7.0),
        ({"value": True, "type": "Boolean"}, True),
        ({"value": "FALSE", "type": "boolean"}, False),
        ({"value": None, "type": "Null"}, None),
        ({"value": None, "type": "String"}, None),
        ({"value": '{"a": [1, 2]}', "type": "Json"}, {"a": [1, 2]}),
        ({"value": [1, 2], "type": "json"}, [1, 2]),
        ({"value": "<a/>", "type": "Xml"}, "<a/>"),
        ({"value": 3, "type": "String"}, "3"),
        (
            {"value": "2013-06-30T21:33:00.000+0200", "type": "Date"},
            "2013-06-30T21:33:00.000+02:00",
        ),
        ({"value": {"x": 1}}, {"x": 1}),
        ({"value": 4}, 4),
        ({}, None),
    ],
)
def test_a_typed_value_is_read_into_the_plain_value_it_stands_for(
    sent: dict[str, Any], plain: Any
) -> None:
    assert read_value("variables.v", sent) == plain


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ({"value": "five", "type": "Integer"}, "whole number"),
        ({"value": 2**31, "type": "Integer"}, "outside the range of a Integer"),
        ({"value": 2**63, "type": "Long"}, "outside the range of a Long"),
        ({"value": True, "type": "Integer"}, "whole number"),
        ({"value": "yes", "type": "Boolean"}, "true or false"),
        ({"value": "nan", "type": "Double"}, "finite number"),
        ({"value": "{oops", "type": "Json"}, "not JSON"),
        ({"value": "tomorrow", "type": "Date"}, "not a date"),
        ({"value": {"a": 1}, "type": "String"}, "needs a text"),
        ("plain", "is an object"),
    ],
)
def test_a_value_that_does_not_fit_its_type_is_a_400_naming_the_variable(
    sent: Any, reason: str
) -> None:
    with pytest.raises(VariableError) as caught:
        read_value("variables.amount", sent)
    assert caught.value.status == 400
    assert caught.value.detail.startswith("variables.amount")
    assert reason in caught.value.detail
    assert caught.value.extra["invalidParams"][0]["name"] == "variables.amount"


def test_an_object_value_is_kept_opaque_and_answered_as_it_came() -> None:
    sent = {
        "value": "rO0ABXNyAA",
        "type": "Object",
        "valueInfo": {
            "objectTypeName": "com.example.Order",
            "serializationDataFormat": "application/x-java-serialized-object",
        },
    }
    kept = read_value("variables.order", sent)
    assert set(kept) == {OPAQUE}
    assert typed(kept) == sent
    unknown = {"value": "AAEC", "type": "SomethingNew", "valueInfo": {}}
    assert typed(read_value("variables.x", unknown)) == unknown


def test_plain_values_are_written_with_the_type_camunda_7_gives_them() -> None:
    answered = typed_variables(
        {"n": None, "b": True, "i": 7, "l": 2**40, "d": 0.5, "s": "x", "j": {"a": [1]}}
    )
    assert {name: v["type"] for name, v in answered.items()} == {
        "n": "Null",
        "b": "Boolean",
        "i": "Integer",
        "l": "Long",
        "d": "Double",
        "s": "String",
        "j": "Json",
    }
    assert answered["j"]["value"] == '{"a":[1]}'
    assert all(v["valueInfo"] == {} for v in answered.values())


def test_variables_round_trip_through_the_typed_form() -> None:
    plain = {"amount": 12, "ok": False, "name": "Ada", "items": [{"sku": "a"}], "none": None}
    assert read_variables(typed_variables(plain)) == plain


def test_variables_that_are_not_an_object_are_refused() -> None:
    assert read_variables(None) == {}
    with pytest.raises(VariableError, match="variables: variables are an object"):
        read_variables([1, 2])
