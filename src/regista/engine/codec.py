"""JSON encoding of FEEL values, lossless and deterministic.

JSON has no decimals, dates or durations, so those become one-key objects tagged with a
`$` name (`{"$n": "1.5"}`, `{"$dt": "2026-01-01T10:00:00Z"}`); a context whose keys start
with `$` is wrapped in `{"$ctx": ...}` so that it is never mistaken for a tagged value.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from regista.feel import temporal
from regista.feel.plain import plain_value
from regista.feel.values import (
    DaysTimeDuration,
    Range,
    YearsMonthsDuration,
    kind,
    to_string,
)

__all__ = ["decode_value", "encode_value", "plain_value"]


def encode_value(value: Any) -> Any:
    """A JSON-safe form of a FEEL value (or of plain JSON data)."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        encoded = {str(k): encode_value(v) for k, v in value.items()}
        if any(k.startswith("$") for k in encoded):
            return {"$ctx": encoded}
        return encoded
    if isinstance(value, float):
        return {"$n": repr(value)}
    if isinstance(value, DaysTimeDuration):
        return {"$dtd": str(value.seconds)}
    if isinstance(value, YearsMonthsDuration):
        return {"$ymd": value.months}
    if isinstance(value, Range):
        return {
            "$range": [
                value.start_included,
                encode_value(value.start),
                encode_value(value.end),
                value.end_included,
            ]
        }
    if isinstance(value, dt.timedelta):
        return encode_value(DaysTimeDuration.of(value))
    name = kind(value)
    if name == "date and time":
        return {"$dt": to_string(value)}
    if name == "date":
        return {"$d": to_string(value)}
    if name == "time":
        return {"$t": to_string(value)}
    # Functions and foreign objects have no lasting form; they are dropped to null.
    return None


def decode_value(data: Any) -> Any:
    """The FEEL value `encode_value` encoded."""
    if data is None or isinstance(data, bool | str | int | float):
        return data
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if isinstance(data, dict):
        if len(data) == 1:
            ((tag, raw),) = data.items()
            if tag.startswith("$"):
                return _decode_tagged(tag, raw)
        return {k: decode_value(v) for k, v in data.items()}
    raise ValueError(f"cannot decode {type(data).__name__} as a value")


def _decode_tagged(tag: str, raw: Any) -> Any:
    if tag == "$n":
        return Decimal(raw)
    if tag == "$ctx":
        return {k: decode_value(v) for k, v in raw.items()}
    if tag == "$dtd":
        return DaysTimeDuration(Decimal(raw))
    if tag == "$ymd":
        return YearsMonthsDuration(int(raw))
    if tag == "$range":
        start_in, start, end, end_in = raw
        return Range(bool(start_in), decode_value(start), decode_value(end), bool(end_in))
    if tag == "$dt":
        return temporal.parse_date_time(raw)
    if tag == "$d":
        return temporal.parse_date(raw)
    if tag == "$t":
        return temporal.parse_time(raw)
    raise ValueError(f"unknown value tag {tag!r}")
