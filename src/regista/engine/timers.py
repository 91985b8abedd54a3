"""Timer definitions to due times: ISO 8601 dates, durations, repeating cycles, cron.

`timeDate` is an instant ("2026-01-01T09:00:00Z"; no zone means UTC, a bare date its
midnight), `timeDuration` a duration from now ("PT10M", "P1DT2H", "P1M", "P2W"),
`timeCycle` a repetition ("R5/PT10M", "R/PT1H", "R3/2026-01-01T00:00:00Z/P1D") or a cron
expression ("0 0 9 * * MON-FRI", seconds first as in Camunda 8; five fields without
seconds also work). FEEL expressions may give any of these as text, or a date and time or a
duration value. Everything here is pure: "now" is an argument.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from regista.feel.values import DaysTimeDuration, YearsMonthsDuration, kind, to_string
from regista.model.bpmn import Expression, TimerEventDefinition

__all__ = ["TimerError", "TimerPlan", "add_duration", "next_plan", "parse_instant", "plan"]

_DURATION = re.compile(
    r"(?P<sign>-)?P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?"
)


class TimerError(ValueError):
    """A timer definition that cannot be read; the message shows the expected form."""


@dataclass(frozen=True, slots=True)
class TimerPlan:
    """When a timer is due and how it repeats: `cycle` is the repetition text (or cron
    expression) and `remaining` the firings left after this one (-1: no end, None: the
    timer fires once)."""

    due: dt.datetime
    cycle: str | None = None
    remaining: int | None = None


@dataclass(frozen=True, slots=True)
class Duration:
    """An ISO 8601 duration as calendar months plus exact seconds."""

    months: int
    seconds: Decimal


def parse_duration(text: str) -> Duration:
    """Read an ISO 8601 duration ("PT10M", "P1Y2M3DT4H", "P2W")."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or text.strip() in ("P", "-P") or text.strip().endswith("T"):
        raise TimerError(f"{text!r} is not an ISO 8601 duration; write e.g. PT30M, PT2H or P1D")
    sign = -1 if match["sign"] else 1
    months = int(match["y"] or 0) * 12 + int(match["mo"] or 0)
    days = int(match["w"] or 0) * 7 + int(match["d"] or 0)
    seconds = Decimal(
        days * 86400 + int(match["h"] or 0) * 3600 + int(match["mi"] or 0) * 60
    ) + Decimal((match["s"] or "0").replace(",", "."))
    return Duration(sign * months, sign * seconds)


def add_duration(start: dt.datetime, duration: Duration) -> dt.datetime:
    """`start` moved by `duration`: months on the calendar (day clamped), then seconds."""
    result = start
    if duration.months:
        total = start.year * 12 + start.month - 1 + duration.months
        year, month0 = divmod(total, 12)
        day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
        result = start.replace(year=year, month=month0 + 1, day=day)
    if duration.seconds:
        result = result + dt.timedelta(seconds=float(duration.seconds))
    return result


def parse_instant(text: str) -> dt.datetime:
    """Read an ISO 8601 date and time (or date) as an aware UTC datetime."""
    raw = text.strip()
    try:
        if "T" not in raw and len(raw) == 10:
            value = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time())
        else:
            value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError as exc:
        raise TimerError(
            f"{text!r} is not an ISO 8601 date and time; write e.g. 2026-01-01T09:00:00Z"
        ) from exc
    return _utc(value)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def as_duration(value: Any) -> Duration:
    if isinstance(value, DaysTimeDuration):
        return Duration(0, value.seconds)
    if isinstance(value, YearsMonthsDuration):
        return Duration(value.months, Decimal(0))
    if isinstance(value, dt.timedelta):
        return Duration(0, Decimal(str(value.total_seconds())))
    if isinstance(value, str):
        return parse_duration(value)
    raise TimerError(f"a timer duration must be a duration, not a {kind(value)}")


def as_instant(value: Any) -> dt.datetime:
    """A FEEL value (date and time, date, or ISO text) as an aware UTC datetime."""
    if isinstance(value, dt.datetime):
        return _utc(value)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), dt.UTC)
    if isinstance(value, str):
        return parse_instant(value)
    if kind(value) in ("date and time", "date"):
        return parse_instant(to_string(value))
    raise TimerError(f"a timer date must be a date and time, not a {kind(value)}")


def plan(
    definition: TimerEventDefinition,
    now: dt.datetime,
    evaluate: Callable[[Expression], Any] | None = None,
) -> TimerPlan:
    """When the timer of `definition` is first due, counted from `now`. `evaluate`
    computes FEEL expressions (literal text is read directly)."""

    def value(expr: Expression) -> Any:
        if expr.language == "literal" or evaluate is None:
            return expr.text
        return evaluate(expr)

    if definition.time_date is not None:
        return TimerPlan(as_instant(value(definition.time_date)))
    if definition.time_duration is not None:
        return TimerPlan(add_duration(now, as_duration(value(definition.time_duration))))
    if definition.time_cycle is not None:
        cycle = value(definition.time_cycle)
        if not isinstance(cycle, str):
            duration = as_duration(cycle)
            return TimerPlan(add_duration(now, duration), f"R/{_duration_text(cycle)}", -1)
        return plan_cycle(cycle, now)
    raise TimerError("the timer has no date, duration or cycle")


def _duration_text(value: Any) -> str:
    return str(value) if not isinstance(value, str) else value


def plan_cycle(text: str, now: dt.datetime) -> TimerPlan:
    """The first due time of a cycle ("R5/PT10M", "R/start/PT1H", cron)."""
    cycle = text.strip()
    if not cycle.upper().startswith("R"):
        if len(cycle.split()) in (5, 6):
            return TimerPlan(cron_next(cycle, now), cycle, -1)
        raise TimerError(
            f"{text!r} is not a timer cycle; write e.g. R5/PT10M, R/2026-01-01T00:00:00Z/P1D "
            "or a cron expression"
        )
    parts = cycle.split("/")
    count_text = parts[0][1:]
    if count_text and not count_text.isdigit():
        raise TimerError(f"{text!r}: the repetition count after R must be a number")
    count = int(count_text) if count_text else -1
    if len(parts) == 2:
        first = add_duration(now, parse_duration(parts[1]))
    elif len(parts) == 3 and parts[1].upper().startswith("P"):
        # R/duration/end: the end bounds the repetitions, checked when repeating.
        first = add_duration(now, parse_duration(parts[1]))
    elif len(parts) == 3:
        first = parse_instant(parts[1])
        parse_duration(parts[2])
    else:
        raise TimerError(f"{text!r} is not a timer cycle; write e.g. R5/PT10M")
    remaining = -1 if count < 0 else max(count - 1, 0)
    return TimerPlan(first, cycle, remaining)


def next_plan(cycle: str, remaining: int | None, due: dt.datetime) -> TimerPlan | None:
    """The repetition after a firing at `due`, or None when the cycle is over."""
    if remaining is None or remaining == 0:
        return None
    text = cycle.strip()
    if not text.upper().startswith("R"):
        return TimerPlan(cron_next(text, due), text, -1)
    parts = text.split("/")
    if len(parts) == 3 and parts[1].upper().startswith("P"):
        duration, end = parse_duration(parts[1]), parse_instant(parts[2])
    else:
        duration, end = parse_duration(parts[-1]), None
    following = add_duration(due, duration)
    if end is not None and following > end:
        return None
    return TimerPlan(following, text, -1 if remaining < 0 else remaining - 1)


# --- cron ----------------------------------------------------------------------------------

_NAMES = {
    "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
    "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
    "SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6,
}  # fmt: skip


def _cron_field(text: str, low: int, high: int) -> set[int] | None:
    """The values a cron field allows (None: any)."""
    if text in ("*", "?"):
        return None
    allowed: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            start, stop = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, stop = _cron_value(a), _cron_value(b)
        else:
            start = _cron_value(part)
            stop = high if "/" in text else start
        allowed.update(range(start, stop + 1, step))
    return allowed


def _cron_value(text: str) -> int:
    upper = text.upper()
    if upper in _NAMES:
        return _NAMES[upper]
    return int(text)


def cron_next(expression: str, after: dt.datetime) -> dt.datetime:
    """The first instant after `after` (UTC) matching the cron `expression`."""
    fields = expression.split()
    if len(fields) == 5:
        fields = ["0", *fields]
    try:
        seconds = _cron_field(fields[0], 0, 59)
        minutes = _cron_field(fields[1], 0, 59)
        hours = _cron_field(fields[2], 0, 23)
        days = _cron_field(fields[3], 1, 31)
        months = _cron_field(fields[4], 1, 12)
        weekdays = _cron_field(fields[5], 0, 7)
    except ValueError as exc:
        raise TimerError(f"{expression!r} is not a cron expression") from exc
    if weekdays is not None and 7 in weekdays:
        weekdays = (weekdays - {7}) | {0}
    start = _utc(after).replace(microsecond=0) + dt.timedelta(seconds=1)
    day = start.date()
    for _ in range(366 * 5):
        if (months is None or day.month in months) and _day_matches(day, days, weekdays):
            found = _time_of_day(day, start, seconds, minutes, hours)
            if found is not None:
                return found
        day += dt.timedelta(days=1)
    raise TimerError(f"the cron expression {expression!r} never fires")


def _day_matches(day: dt.date, days: set[int] | None, weekdays: set[int] | None) -> bool:
    weekday = day.isoweekday() % 7
    if days is not None and weekdays is not None:
        return day.day in days or weekday in weekdays
    if days is not None:
        return day.day in days
    if weekdays is not None:
        return weekday in weekdays
    return True


def _time_of_day(
    day: dt.date,
    start: dt.datetime,
    seconds: set[int] | None,
    minutes: set[int] | None,
    hours: set[int] | None,
) -> dt.datetime | None:
    floor = start if day == start.date() else None
    for hour in sorted(hours) if hours is not None else range(24):
        if floor is not None and hour < floor.hour:
            continue
        for minute in sorted(minutes) if minutes is not None else range(60):
            if floor is not None and (hour, minute) < (floor.hour, floor.minute):
                continue
            for second in sorted(seconds) if seconds is not None else range(60):
                candidate = dt.datetime(
                    day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC
                )
                if floor is None or candidate >= floor:
                    return candidate
    return None
