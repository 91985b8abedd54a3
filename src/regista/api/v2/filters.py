"""Camunda's search filter values: a field is a plain value or an operator object
(`{"$eq": v}`, `{"$in": [...]}`, and for dates `$gt`, `$gte`, `$lt`, `$lte`). Each helper
reads one, or answers a 400 naming the field."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from regista.api.problems import ApiError
from regista.store import VariableCondition
from regista.store.variables import Operator

__all__ = ["json_operand", "one_of", "time_range", "value_conditions", "values"]

_ONE_MICROSECOND = dt.timedelta(microseconds=1)


def _bad(field: str, reason: str) -> ApiError:
    return ApiError(
        400,
        f"filter.{field}: {reason}",
        extra={"invalidParams": [{"name": f"filter.{field}", "reason": reason}]},
    )


def values(raw: Any, field: str) -> list[str] | None:
    """The values a field accepts (None: any): `v`, `{"$eq": v}` or `{"$in": [...]}`."""
    if raw is None:
        return None
    if isinstance(raw, dict):
        unknown = set(raw) - {"$eq", "$in"}
        if unknown:
            raise _bad(
                field, f"operator {sorted(unknown)[0]} is not supported here; use $eq or $in"
            )
        found: list[str] = []
        if "$eq" in raw:
            found.append(_text(raw["$eq"], field))
        if "$in" in raw:
            if not isinstance(raw["$in"], list):
                raise _bad(field, "$in takes a list")
            found.extend(_text(v, field) for v in raw["$in"])
        return found
    return [_text(raw, field)]


def one_of(raw: Any, field: str) -> str | None:
    """A field that takes one value (None: any); several are refused."""
    found = values(raw, field)
    if found is None:
        return None
    if len(found) != 1:
        raise _bad(field, "give one value")
    return found[0]


def _text(value: Any, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _bad(field, "must be a string")
    return str(value)


def _time(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise _bad(field, "must be an ISO 8601 date-time text")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _bad(field, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def time_range(raw: Any, field: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The inclusive (from, to) a date filter asks for: a date-time, or `$eq`, `$gt`,
    `$gte`, `$lt`, `$lte` (times are kept to the microsecond, so `$gt` is `$gte` plus
    one)."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        at = _time(raw, field)
        return at, at
    low: dt.datetime | None = None
    high: dt.datetime | None = None
    for op, value in raw.items():
        at = _time(value, field)
        if op == "$eq":
            low, high = at, at
        elif op == "$gte":
            low = at
        elif op == "$gt":
            low = at + _ONE_MICROSECOND
        elif op == "$lte":
            high = at
        elif op == "$lt":
            high = at - _ONE_MICROSECOND
        else:
            raise _bad(field, f"operator {op} is not supported for dates")
    return low, high


#: The operators of a variable value filter, by Camunda 8's names.
_VALUE_OPERATORS: dict[str, Operator] = {
    "$eq": "eq",
    "$neq": "neq",
    "$gt": "gt",
    "$gte": "gteq",
    "$lt": "lt",
    "$lte": "lteq",
    "$like": "like",
}


def json_operand(text: Any, field: str) -> Any:
    """A variable value given as JSON text, as Camunda writes values (`"\"A-7\""`, `42`);
    a text that is not JSON is taken as a string."""
    if not isinstance(text, str):
        raise _bad(field, "must be the value as JSON text, e.g. '\"A-7\"' or '42'")
    try:
        return json.loads(text)
    except ValueError:
        return text


def value_conditions(name: str | None, raw: Any, field: str) -> list[VariableCondition]:
    """The conditions a value filter asks for (JSON text, or `$eq`, `$neq`, `$gt`, `$gte`,
    `$lt`, `$lte` of JSON texts, `$like` of a pattern with `*` and `?`, `$in` of JSON
    texts, which any may match); a 400 naming `field` when one cannot apply."""
    if not isinstance(raw, dict):
        raw = {"$eq": raw}
    found: list[VariableCondition] = []
    for op, operand in raw.items():
        try:
            if op == "$in":
                if not isinstance(operand, list):
                    raise _bad(field, "$in takes a list")
                found.extend(VariableCondition(name, "eq", json_operand(v, field)) for v in operand)
            elif op == "$like":
                if not isinstance(operand, str):
                    raise _bad(field, "$like takes a pattern text")
                pattern = operand.replace("*", "%").replace("?", "_")
                found.append(VariableCondition(name, "like", pattern))
            elif op in _VALUE_OPERATORS:
                found.append(
                    VariableCondition(name, _VALUE_OPERATORS[op], json_operand(operand, field))
                )
            else:
                raise _bad(
                    field,
                    f"operator {op} is not supported here; use one of "
                    + ", ".join([*_VALUE_OPERATORS, "$in"]),
                )
        except ValueError as exc:
            raise _bad(field, f"{op}: {exc}") from None
    return found
