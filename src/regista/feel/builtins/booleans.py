"""Boolean built-ins `not` and `is` (DMN 1.5 §10.3.4.2 and §10.3.4.10).

`all` and `any` take lists, so they live with the list functions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from regista.feel.builtins.conversion import registrar, type_error, unwrap
from regista.feel.values import (
    DATE_TIME_TYPES,
    FeelFunction,
    Range,
    WideDateTime,
    equal,
    kind,
    nanos_of,
)

BOOLEAN_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(BOOLEAN_BUILTINS)


@_builtin("not", ("negand",))
def not_(negand: Any) -> bool | None:
    """Ternary negation: `not(null)` is null, any other non-boolean an invalid invocation."""
    negand = unwrap(negand)
    if negand is None:
        return None
    if not isinstance(negand, bool):
        raise type_error("negand", "a boolean", negand)
    return not negand


@_builtin("is", ("value1", "value2"))
def is_(value1: Any, value2: Any) -> bool:
    """Semantic identity: like `=`, but values of different kinds (or a date and a date and
    time) are simply not the same, and times and date-times must also agree on their zone
    or offset, so `@"12:00:00+01:00"` is not `@"11:00:00Z"` although they are equal."""
    return identical(value1, value2)


def identical(a: Any, b: Any) -> bool:
    """Whether two FEEL values are the same element of the semantic domain."""
    if a is None or b is None:
        return a is None and b is None
    if kind(a) != kind(b):
        return False
    if isinstance(a, DATE_TIME_TYPES) and isinstance(b, DATE_TIME_TYPES):
        return _wall_clock(a) == _wall_clock(b) and _same_zone(a, b)
    if isinstance(a, dt.time) and isinstance(b, dt.time):
        return (
            a.replace(tzinfo=None) == b.replace(tzinfo=None)
            and nanos_of(a) == nanos_of(b)
            and _same_zone(a, b)
        )
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(identical(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(identical(v, b[k]) for k, v in a.items())
    if isinstance(a, Range) and isinstance(b, Range):
        return (
            type(a) is type(b)
            and a.start_included == b.start_included
            and a.end_included == b.end_included
            and identical(a.start, b.start)
            and identical(a.end, b.end)
        )
    if isinstance(a, FeelFunction) or isinstance(b, FeelFunction):
        return a is b
    return equal(a, b) is True


def _wall_clock(v: dt.datetime | WideDateTime) -> tuple[int, ...]:
    return (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, nanos_of(v))


def _same_zone(
    a: dt.time | dt.datetime | WideDateTime, b: dt.time | dt.datetime | WideDateTime
) -> bool:
    """Zones agree when both are absent, both the same IANA zone, or both the same fixed
    offset; a zone id never agrees with an offset, even one it currently has."""
    za, zb = a.tzinfo, b.tzinfo
    if za is None or zb is None:
        return za is None and zb is None
    if isinstance(za, ZoneInfo) or isinstance(zb, ZoneInfo):
        return isinstance(za, ZoneInfo) and isinstance(zb, ZoneInfo) and za.key == zb.key
    if isinstance(a, DATE_TIME_TYPES) and isinstance(b, DATE_TIME_TYPES):
        return a.utcoffset() == b.utcoffset()
    return za.utcoffset(None) == zb.utcoffset(None)
