"""Camunda 7's typed variables, read into Regista's plain JSON values and written back.

Camunda 7 sends and answers each variable as `{"value": …, "type": …, "valueInfo": {…}}`.
Regista keeps variables as plain JSON (what FEEL, `/v2` and the workers see), so a typed
value is read into the plain value it stands for:

- `String`, `Boolean`, `Short`, `Integer`, `Long`, `Double`, `Null`: the value, checked
  against its type (a text such as `"5"` is read as the number it spells, as Camunda
  does); type names are matched without regard to case;
- `Json`: the JSON document the text holds (an object or list already parsed is kept);
- `Date`: the time normalised to ISO 8601 (`2013-06-30T21:33:00.000+02:00`), a text that
  FEEL's `date and time()` reads; `Xml`: the text;
- `Object`, `File`, `Bytes` and any type Regista does not know: kept opaque, as a one-key
  object `{"$camunda7": {type, value, valueInfo}}` that is answered exactly as it came;
- no `type`: inferred from the JSON value.

Written back, a plain value gets the type Camunda 7 would give it: `Null`, `Boolean`,
`Integer` (or `Long` beyond 32 bits), `Double`, `String`, and `Json` (its text) for
objects and lists.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from regista.api.problems import ApiError

__all__ = [
    "OPAQUE",
    "VariableError",
    "read_value",
    "read_variables",
    "typed",
    "typed_variables",
]

#: The one key of an object that holds a Camunda 7 value Regista keeps opaque.
OPAQUE = "$camunda7"

_RANGES = {
    "short": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "long": (-(2**63), 2**63 - 1),
}
_OPAQUE_TYPES = {"object": "Object", "file": "File", "bytes": "Bytes"}


class VariableError(ApiError):
    """A typed variable that cannot be read: a 400 naming the variable and its type."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            400,
            f"{field}: {reason}",
            extra={"invalidParams": [{"name": field, "reason": reason}]},
        )


def _integer(field: str, kind: str, value: Any) -> int:
    number: int
    if isinstance(value, bool):
        raise VariableError(field, f"a {kind.title()} needs a whole number, not {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            raise VariableError(
                field, f"a {kind.title()} needs a whole number, not {value!r}"
            ) from None
    else:
        raise VariableError(field, f"a {kind.title()} needs a whole number, not {value!r}")
    low, high = _RANGES[kind]
    if not low <= number <= high:
        raise VariableError(field, f"{number} is outside the range of a {kind.title()}")
    return number


def _double(field: str, value: Any) -> float:
    if isinstance(value, bool):
        raise VariableError(field, f"a Double needs a number, not {value!r}")
    try:
        number = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise VariableError(field, f"a Double needs a finite number, not {value!r}")
    return number


def _boolean(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise VariableError(field, f"a Boolean needs true or false, not {value!r}")


def _string(field: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    raise VariableError(field, f"a String needs a text, not {type(value).__name__}")


def _json(field: str, value: Any) -> Any:
    if isinstance(value, dict | list):
        return value
    if not isinstance(value, str):
        raise VariableError(field, "a Json value is the text of a JSON document")
    try:
        return json.loads(value)
    except ValueError as exc:
        raise VariableError(field, f"the Json text is not JSON: {exc}") from None


def _date(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise VariableError(field, "a Date needs a text such as 2013-06-30T21:33:00.000+0200")
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise VariableError(
            field, f"{value!r} is not a date such as 2013-06-30T21:33:00.000+0200"
        ) from None
    return when.isoformat(timespec="milliseconds")


def _inferred(field: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | str | int | dict | list):
        return value
    if isinstance(value, float):
        return _double(field, value)
    raise VariableError(field, f"{type(value).__name__} is not a JSON value")


def read_value(field: str, typed_value: Any) -> Any:
    """The plain value of one typed variable (`field` names it in errors)."""
    if not isinstance(typed_value, Mapping):
        raise VariableError(
            field, 'a variable is an object such as {"value": 1, "type": "Integer"}'
        )
    value = typed_value.get("value")
    kind = typed_value.get("type")
    if kind is None:
        return _inferred(field, value)
    if not isinstance(kind, str):
        raise VariableError(f"{field}.type", "the type is a name such as String or Integer")
    name = kind.strip().lower()
    if name == "null" or (value is None and name not in _OPAQUE_TYPES):
        return None
    if name == "string":
        return _string(field, value)
    if name == "boolean":
        return _boolean(field, value)
    if name in _RANGES:
        return _integer(field, name, value)
    if name in ("double", "float", "number"):
        return _double(field, value)
    if name == "json":
        return _json(field, value)
    if name == "date":
        return _date(field, value)
    if name == "xml":
        return _string(field, value)
    info = typed_value.get("valueInfo") or {}
    if not isinstance(info, Mapping):
        raise VariableError(f"{field}.valueInfo", "valueInfo is an object")
    return {
        OPAQUE: {
            "type": _OPAQUE_TYPES.get(name, kind),
            "value": value,
            "valueInfo": dict(info),
        }
    }


def read_variables(body: Any, field: str = "variables") -> dict[str, Any]:
    """A request's typed variables (`{"name": {"value": …, "type": …}}`) as plain values;
    None or a missing member is no variables."""
    if body is None:
        return {}
    if not isinstance(body, Mapping):
        raise VariableError(field, "variables are an object of named typed values")
    return {str(name): read_value(f"{field}.{name}", value) for name, value in body.items()}


def typed(value: Any) -> dict[str, Any]:
    """A plain value as Camunda 7 answers it."""
    if isinstance(value, Mapping) and len(value) == 1 and OPAQUE in value:
        kept = value[OPAQUE]
        if isinstance(kept, Mapping):
            return {
                "type": kept.get("type", "Object"),
                "value": kept.get("value"),
                "valueInfo": dict(kept.get("valueInfo") or {}),
            }
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        low, high = _RANGES["integer"]
        if low <= value <= high:
            return {"type": "Integer", "value": value, "valueInfo": {}}
        low, high = _RANGES["long"]
        if low <= value <= high:
            return {"type": "Long", "value": value, "valueInfo": {}}
        return {"type": "Double", "value": float(value), "valueInfo": {}}
    if isinstance(value, float | Decimal):
        return {"type": "Double", "value": float(value), "valueInfo": {}}
    if isinstance(value, str):
        return {"type": "String", "value": value, "valueInfo": {}}
    if isinstance(value, Mapping | list | tuple):
        text = json.dumps(value, separators=(",", ":"), default=str)
        return {"type": "Json", "value": text, "valueInfo": {}}
    return {"type": "String", "value": str(value), "valueInfo": {}}


def typed_variables(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain variables as Camunda 7 answers them."""
    return {name: typed(value) for name, value in values.items()}
