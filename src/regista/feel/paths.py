"""FEEL paths `v.name`: an entry of a context, a property of a date, time, date and time,
duration or range, or the same path mapped over a list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from regista.feel.scope import Scope
from regista.feel.values import (
    DATE_TYPES,
    DECIMAL,
    DaysTimeDuration,
    Range,
    WideDateTime,
    YearsMonthsDuration,
    kind,
    nanos_of,
)

__all__ = ["path_of"]

_DATE_PROPS = {
    "year": lambda d: Decimal(d.year),
    "month": lambda d: Decimal(d.month),
    "day": lambda d: Decimal(d.day),
    "weekday": lambda d: Decimal(d.isoweekday()),
}


def _second(t: dt.time | dt.datetime | WideDateTime) -> Decimal:
    fraction = t.microsecond * 1000 + nanos_of(t)
    if not fraction:
        return Decimal(t.second)
    return Decimal(t.second) + DECIMAL.divide(Decimal(fraction), Decimal(1_000_000_000))


_TIME_PROPS = {
    "hour": lambda t: Decimal(t.hour),
    "minute": lambda t: Decimal(t.minute),
    "second": _second,
}
_TIME_TYPES = (dt.datetime, dt.time, WideDateTime)


def _time_offset(v: dt.time | dt.datetime | WideDateTime) -> Any:
    if v.tzinfo is None:
        return None
    if isinstance(v, dt.datetime | WideDateTime):
        off = v.utcoffset()
    else:
        from zoneinfo import ZoneInfo

        tz = v.tzinfo
        if isinstance(tz, ZoneInfo):
            off = tz.utcoffset(dt.datetime(2000, 1, 1, v.hour, v.minute, tzinfo=tz))
        else:
            off = tz.utcoffset(None)
    return None if off is None else DaysTimeDuration.of(off)


def _timezone(v: dt.time | dt.datetime | WideDateTime) -> Any:

    tz = v.tzinfo
    return tz.key if isinstance(tz, ZoneInfo) else None


def path_of(v: Any, name: str, s: Scope) -> Any:
    """FEEL `v.name`: context entry, property of a temporal or range, or map over a list."""
    if isinstance(v, dict):
        return v.get(name)
    if isinstance(v, list):
        return [path_of(x, name, s) for x in v]
    if v is None:
        return None
    if isinstance(v, DATE_TYPES) and name in _DATE_PROPS:
        return _DATE_PROPS[name](v)
    if isinstance(v, _TIME_TYPES):
        if name in _TIME_PROPS:
            return _TIME_PROPS[name](v)
        if name == "time offset":
            return _time_offset(v)
        if name == "timezone":
            return _timezone(v)
    if isinstance(v, DaysTimeDuration):
        secs = abs(v.seconds)
        sign = -1 if v.seconds < 0 else 1
        parts = {
            "days": int(secs // 86400),
            "hours": int(secs % 86400 // 3600),
            "minutes": int(secs % 3600 // 60),
            "seconds": int(secs % 60),
        }
        if name in parts:
            return Decimal(sign * parts[name])
    if isinstance(v, YearsMonthsDuration):
        sign = -1 if v.months < 0 else 1
        if name == "years":
            return Decimal(sign * (abs(v.months) // 12))
        if name == "months":
            return Decimal(sign * (abs(v.months) % 12))
    if isinstance(v, Range):
        props = {
            "start": v.start,
            "end": v.end,
            "start included": v.start_included,
            "end included": v.end_included,
        }
        if name in props:
            return props[name]
    s.warn(f"a {kind(v)} has no property {name!r}")
    return None
