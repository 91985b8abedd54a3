"""Dates and times beyond Python's: FEEL years run from -999,999,999 to 999,999,999 and
times carry nanoseconds, Python's years from 1 to 9999 and times microseconds.

A date outside Python's years is a `WideDate` and a date and time a `WideDateTime`, which is
also used for a date and time with digits past the microsecond (kept to the nanosecond), as
`NanoTime` is for such a time. They are made by `make_date` / `make_date_time` only when
needed, so every ordinary value stays a plain `datetime` object.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from regista.feel.errors import FeelEvalError

__all__ = [
    "CYCLE_DAYS",
    "CYCLE_YEARS",
    "DATE_TIME_TYPES",
    "DATE_TYPES",
    "MAX_YEAR",
    "MIN_YEAR",
    "NanoTime",
    "WideDate",
    "WideDateTime",
    "date_from_ordinal",
    "format_date",
    "format_offset",
    "format_time",
    "instant_nanos",
    "is_date",
    "make_date",
    "make_date_time",
    "nanos_of",
    "stand_in_year",
]

MIN_YEAR = -999_999_999
MAX_YEAR = 999_999_999
CYCLE_YEARS = 400
# The days of 400 Gregorian years: exactly 20,871 weeks, so a date and the date 400 years
# later fall on the same weekday, and the two years have the same leap days.
CYCLE_DAYS = 146_097
_MAX_ORDINAL = dt.date.max.toordinal()


def stand_in_year(year: int) -> int:
    """The year that stands in for `year` in Python's calendar: the year itself from 401 to
    9600, else the year at the same place of the 400-year cycle within 401..800 (for earlier
    years) or 9201..9600 (for later ones). The stand-in has the same calendar; it is in the
    same era of a time zone's rules (local mean time before any history, the open-ended
    daylight-saving rule after it); and it is far enough from Python's limits for
    arithmetic within 200 years of it not to overflow."""
    if year < 401:
        return 401 + (year - 401) % CYCLE_YEARS
    if year > 9600:
        return 9201 + (year - 9201) % CYCLE_YEARS
    return year


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise FeelEvalError(f"year {year} is outside FEEL's range -999999999..999999999")


class WideDate:
    """A FEEL date whose year is outside Python's 1..9999: a stand-in `datetime.date` of the
    same calendar (see `stand_in_year`) and `shift`, the whole 400-year cycles between the
    stand-in's year and the true one. Use `make_date`, which keeps in-range dates plain."""

    __slots__ = ("base", "shift")

    def __init__(self, shift: int, base: dt.date) -> None:
        self.shift = shift
        self.base = base

    @property
    def year(self) -> int:
        return self.base.year + self.shift

    @property
    def month(self) -> int:
        return self.base.month

    @property
    def day(self) -> int:
        return self.base.day

    def toordinal(self) -> int:
        """The day number on Python's proleptic Gregorian count (0001-01-01 is day 1)."""
        return self.base.toordinal() + self.shift // CYCLE_YEARS * CYCLE_DAYS

    def weekday(self) -> int:
        return self.base.weekday()

    def isoweekday(self) -> int:
        return self.base.isoweekday()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WideDate):
            return NotImplemented
        return self.shift == other.shift and self.base == other.base

    def __hash__(self) -> int:
        return hash((self.shift, self.base))

    def __str__(self) -> str:
        return format_date(self)

    def __repr__(self) -> str:
        return f"WideDate({format_date(self)!r})"


class WideDateTime:
    """A FEEL date and time beyond Python's `datetime`: a year outside 1..9999, or digits
    past the microsecond (`nanos`, 0..999 nanoseconds more). Held as a stand-in `datetime`
    of the same calendar and time zone (see `stand_in_year`) and `shift`, the whole 400-year
    cycles to the true year. Use `make_date_time`, which keeps ordinary values plain."""

    __slots__ = ("base", "nanos", "shift")

    def __init__(self, shift: int, base: dt.datetime, nanos: int = 0) -> None:
        self.shift = shift
        self.base = base
        self.nanos = nanos

    @property
    def year(self) -> int:
        return self.base.year + self.shift

    @property
    def month(self) -> int:
        return self.base.month

    @property
    def day(self) -> int:
        return self.base.day

    @property
    def hour(self) -> int:
        return self.base.hour

    @property
    def minute(self) -> int:
        return self.base.minute

    @property
    def second(self) -> int:
        return self.base.second

    @property
    def microsecond(self) -> int:
        return self.base.microsecond

    @property
    def tzinfo(self) -> dt.tzinfo | None:
        return self.base.tzinfo

    @property
    def fold(self) -> int:
        return self.base.fold

    def utcoffset(self) -> dt.timedelta | None:
        return self.base.utcoffset()

    def date(self) -> dt.date | WideDate:
        return make_date(self.year, self.month, self.day)

    def timetz(self) -> dt.time:
        t = self.base.timetz()
        return NanoTime.of(t, self.nanos) if self.nanos else t

    def toordinal(self) -> int:
        return self.base.toordinal() + self.shift // CYCLE_YEARS * CYCLE_DAYS

    def weekday(self) -> int:
        return self.base.weekday()

    def isoweekday(self) -> int:
        return self.base.isoweekday()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WideDateTime):
            return NotImplemented
        return (self.shift, self.nanos) == (other.shift, other.nanos) and self.base == other.base

    def __hash__(self) -> int:
        return hash((self.shift, self.base, self.nanos))

    def __str__(self) -> str:
        return format_date(self) + "T" + format_time(self.base.timetz(), self.nanos)

    def __repr__(self) -> str:
        return f"WideDateTime({str(self)!r})"


class NanoTime(dt.time):
    """A FEEL time with digits past the microsecond: `nanos` more nanoseconds (1..999). It
    is a `datetime.time` everywhere else; operations that rebuild it keep the microsecond
    (their result has `nanos` 0), as plain times always did."""

    nanos: int = 0

    @staticmethod
    def of(t: dt.time, nanos: int) -> dt.time:
        """`t` with `nanos` more nanoseconds; a plain time when there are none."""
        if not nanos:
            return t
        out = NanoTime(t.hour, t.minute, t.second, t.microsecond, t.tzinfo, fold=t.fold)
        out.nanos = nanos
        return out

    def __reduce_ex__(self, protocol: Any) -> Any:
        fields = (self.hour, self.minute, self.second, self.microsecond, self.tzinfo)
        return (_nano_time, (*fields, self.fold, self.nanos))

    def __repr__(self) -> str:
        return f"NanoTime({format_time(self)!r})"


def _nano_time(
    hour: int, minute: int, second: int, micro: int, tz: dt.tzinfo | None, fold: int, nanos: int
) -> dt.time:
    return NanoTime.of(dt.time(hour, minute, second, micro, tz, fold=fold), nanos)


def nanos_of(value: Any) -> int:
    """The nanoseconds past the microsecond of a time or date and time (mostly 0)."""
    nanos: int = getattr(value, "nanos", 0)
    return nanos


def make_date(year: int, month: int, day: int) -> dt.date | WideDate:
    """The FEEL date of those parts: a `datetime.date` in years 1..9999, else a `WideDate`.
    Raises ValueError for an invalid month or day, FeelEvalError for a year beyond FEEL's."""
    if 1 <= year <= 9999:
        return dt.date(year, month, day)
    _check_year(year)
    base = stand_in_year(year)
    return WideDate(year - base, dt.date(base, month, day))


def make_date_time(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tzinfo: dt.tzinfo | None = None,
    *,
    fold: int = 0,
    nanos: int = 0,
) -> dt.datetime | WideDateTime:
    """The FEEL date and time of those parts: a `datetime.datetime` when Python can hold
    it, else a `WideDateTime`. Raises as `make_date` does."""
    if 1 <= year <= 9999 and not nanos:
        return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo, fold=fold)
    _check_year(year)
    base = stand_in_year(year)
    stand_in = dt.datetime(base, month, day, hour, minute, second, microsecond, tzinfo, fold=fold)
    return WideDateTime(year - base, stand_in, nanos)


def date_from_ordinal(n: int) -> dt.date | WideDate:
    """The date of a day number on Python's count (`toordinal`), which may be out of range."""
    if 1 <= n <= _MAX_ORDINAL:
        return dt.date.fromordinal(n)
    cycles, rest = divmod(n - 1, CYCLE_DAYS)
    d = dt.date.fromordinal(rest + 1)
    return make_date(d.year + cycles * CYCLE_YEARS, d.month, d.day)


DATE_TYPES = (dt.date, WideDate, WideDateTime)
"""Dates and date-times, plain or wide (`isinstance` with these also admits date-times)."""
DATE_TIME_TYPES = (dt.datetime, WideDateTime)


def is_date(value: Any) -> bool:
    """Whether a value is a FEEL date (not a date and time)."""
    return isinstance(value, WideDate) or (
        isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    )


def instant_nanos(v: dt.datetime | WideDateTime) -> int:
    """A date and time as nanoseconds on one time line (from 0001-01-01T00:00:00): on UTC's
    when it has a time zone, on its own wall clock when it has none."""
    if isinstance(v, WideDateTime):
        base, days, nanos = v.base, v.toordinal(), v.nanos
    else:
        base, days, nanos = v, v.toordinal(), 0
    secs = days * 86400 + base.hour * 3600 + base.minute * 60 + base.second
    off = base.utcoffset()
    if off is not None:
        secs -= off // dt.timedelta(seconds=1)
    return (secs * 1_000_000 + base.microsecond) * 1000 + nanos


# ---------------------------------------------------------------- text


def format_offset(t: dt.time | dt.datetime | WideDateTime) -> str:
    tz = t.tzinfo
    if tz is None:
        return ""
    if isinstance(tz, ZoneInfo):
        return "@" + tz.key
    off = tz.utcoffset(None) if isinstance(t, dt.time) else t.utcoffset()
    if off is None:
        return ""
    if off == dt.timedelta(0):
        return "Z"
    total = int(off.total_seconds())
    sign = "+" if total >= 0 else "-"
    total = abs(total)
    hh, rem = divmod(total, 3600)
    mm, ss = divmod(rem, 60)
    return f"{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")


def format_date(d: dt.date | WideDate | WideDateTime) -> str:
    """`yyyy-mm-dd`, the year with at least four digits and a sign when negative."""
    year = d.year
    if 0 <= year <= 9999:
        return f"{year:04d}-{d.month:02d}-{d.day:02d}"
    return f"{'-' if year < 0 else ''}{abs(year):04d}-{d.month:02d}-{d.day:02d}"


def format_time(t: dt.time, nanos: int = 0) -> str:
    """`hh:mm:ss[.fffffffff]` and the zone; `nanos` adds digits past the microsecond."""
    text = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    nanos = nanos or nanos_of(t)
    if t.microsecond or nanos:
        text += ("." + f"{t.microsecond:06d}{nanos:03d}").rstrip("0")
    return text + format_offset(t)
