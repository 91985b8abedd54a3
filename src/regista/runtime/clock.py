"""Time for the runtime: a fake clock tests move by hand, and ISO 8601 timer text.

The engine never reads a clock; the shell passes "now" into every step. `FakeClock` is that
"now" under a test's control, and the helpers here turn timer definitions (dates, durations,
repeating cycles such as `R3/PT1H`) into due times for the timers the shell itself owns —
those of timer start events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from regista.feel.temporal import add, parse_date_time, parse_duration
from regista.feel.values import DaysTimeDuration, FeelEvalError, YearsMonthsDuration
from regista.model.bpmn import Expression, TimerEventDefinition

__all__ = [
    "DEFAULT_START",
    "Cycle",
    "FakeClock",
    "TimeError",
    "after",
    "first_due",
    "parse_cycle",
    "parse_instant",
    "utc",
]

#: Where a `FakeClock` starts when not told otherwise: fixed, so runs are reproducible.
DEFAULT_START = dt.datetime(2024, 1, 1, 9, 0, tzinfo=dt.UTC)

Duration = DaysTimeDuration | YearsMonthsDuration


class TimeError(ValueError):
    """A duration, date or cycle that cannot be read; the message shows the expected form."""


def utc(value: dt.datetime) -> dt.datetime:
    """`value` as an aware UTC datetime (a naive one is taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _duration(text: str) -> Duration:
    try:
        return parse_duration(text.strip())
    except FeelEvalError as exc:
        raise TimeError(
            f"{text!r} is not an ISO 8601 duration; write e.g. PT30M, PT2H, P1D or P1M"
        ) from exc


def after(start: dt.datetime, duration: str | dt.timedelta | Duration) -> dt.datetime:
    """The instant `duration` after `start`; months and years follow the calendar."""
    if isinstance(duration, str):
        duration = _duration(duration)
    if isinstance(duration, dt.timedelta):
        return start + duration
    moved = add(start, duration)
    if not isinstance(moved, dt.datetime):
        raise TimeError(f"cannot add {duration} to {start.isoformat()}")
    return moved


def parse_instant(text: str) -> dt.datetime:
    """An ISO 8601 date and time (`2024-05-01T09:00:00Z`; no zone means UTC)."""
    try:
        value = parse_date_time(text.strip())
    except FeelEvalError as exc:
        raise TimeError(
            f"{text!r} is not an ISO 8601 date and time; write e.g. 2024-05-01T09:00:00Z"
        ) from exc
    if not isinstance(value, dt.datetime):
        raise TimeError(f"{text!r} is not a date and time")
    return utc(value)


@dataclass(frozen=True, slots=True)
class Cycle:
    """A repeating timer: `repetitions` times (None: forever) every `period`, the first
    at `start` when given, else one period from now."""

    period: Duration
    repetitions: int | None = None
    start: dt.datetime | None = None

    def first(self, now: dt.datetime) -> dt.datetime:
        """The first due time of the cycle."""
        return self.start if self.start is not None else after(now, self.period)

    def next(self, due: dt.datetime) -> Cycle | None:
        """The cycle left after firing at `due`, or None when no repetition remains."""
        left = None if self.repetitions is None else self.repetitions - 1
        if left is not None and left <= 0:
            return None
        return Cycle(self.period, left, after(due, self.period))


_CYCLE = re.compile(r"R(?P<count>\d*)/(?:(?P<start>[^/]+)/)?(?P<period>-?P[^/]+)")


def parse_cycle(text: str) -> Cycle:
    """A repeating interval such as `R3/PT1H`, `R/P1D` or `R2/2024-05-01T09:00:00Z/PT1H`."""
    m = _CYCLE.fullmatch(text.strip())
    if m is None:
        raise TimeError(
            f"{text!r} is not an ISO 8601 repeating interval; write e.g. R3/PT1H "
            "(three times, hourly) or R/P1D (daily, forever)"
        )
    count = int(m["count"]) if m["count"] else None
    start = parse_instant(m["start"]) if m["start"] else None
    return Cycle(_duration(m["period"]), count, start)


class FakeClock:
    """A clock that moves only when told to: `clock()` is "now", `advance` moves it on.

    Pass it to `LocalRuntime`; the runtime's `advance`/`advance_to` move it and fire the
    timers that fall due on the way.
    """

    def __init__(self, start: dt.datetime | str | None = None) -> None:
        if start is None:
            self._now = DEFAULT_START
        elif isinstance(start, str):
            self._now = parse_instant(start)
        else:
            self._now = utc(start)

    def __call__(self) -> dt.datetime:
        return self._now

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()!r})"

    @property
    def now(self) -> dt.datetime:
        """The current instant (aware, UTC)."""
        return self._now

    def set(self, when: dt.datetime | str) -> None:
        """Move the clock to `when`; it never goes backwards."""
        target = parse_instant(when) if isinstance(when, str) else utc(when)
        if target < self._now:
            raise TimeError(
                f"the clock cannot go back from {self._now.isoformat()} to {target.isoformat()}"
            )
        self._now = target

    def advance(self, by: str | dt.timedelta | Any) -> dt.datetime:
        """Move the clock forward by a duration (`PT2H`, a timedelta, ...); returns now."""
        target = after(self._now, by)
        self.set(target)
        return self._now


def first_due(
    timer: TimerEventDefinition, now: dt.datetime, evaluate: Callable[[Expression], Any]
) -> tuple[dt.datetime, Cycle | None]:
    """When a timer definition first falls due (and its cycle, for a repeating one).
    `evaluate` gives the value of a FEEL or Python expression; literals are read as is."""
    for kind, expression in (
        ("date", timer.time_date),
        ("duration", timer.time_duration),
        ("cycle", timer.time_cycle),
    ):
        if expression is None:
            continue
        value = expression.text if expression.language == "literal" else evaluate(expression)
        if isinstance(value, dt.datetime):
            return utc(value), None
        if isinstance(value, DaysTimeDuration | YearsMonthsDuration):
            return after(now, value), None
        text = str(value)
        if kind == "date":
            return parse_instant(text), None
        if kind == "duration":
            return after(now, text), None
        cycle = parse_cycle(text)
        return cycle.first(now), cycle
    raise TimeError("the timer has no date, duration or cycle")
