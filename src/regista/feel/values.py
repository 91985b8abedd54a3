"""FEEL values: the Python representation of every FEEL type, and their semantics.

Numbers are `decimal.Decimal` computed in `DECIMAL` (34 significant digits, half-even, as
IEEE 754 decimal128), strings are `str`, booleans `bool`, null is `None`, dates are
`datetime.date`, date-and-times `datetime.datetime`, times `datetime.time` (tzinfo is a
fixed offset or a `ZoneInfo`), durations are `DaysTimeDuration` / `YearsMonthsDuration`,
lists are `list`, contexts `dict[str, Any]`, ranges `Range`, functions `FeelFunction`.
Equality and ordering follow DMN 1.5 §10.3.2: values of different kinds are neither equal
nor unequal (null), and unordered kinds have no `<`.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

DECIMAL = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class FeelEvalError(Exception):
    """An invalid operation during evaluation; the evaluator turns it into null + warning."""


@dataclass(frozen=True, slots=True)
class DaysTimeDuration:
    """A days-and-time duration, held as a signed number of seconds (fractions allowed)."""

    seconds: Decimal

    @staticmethod
    def of(td: dt.timedelta) -> DaysTimeDuration:
        micros = (td.days * 86400 + td.seconds) * 1_000_000 + td.microseconds
        return DaysTimeDuration(Decimal(micros).scaleb(-6, DECIMAL).normalize(DECIMAL))

    def to_timedelta(self) -> dt.timedelta:
        return (
            dt.timedelta(seconds=float(self.seconds))
            if abs(self.seconds) > 10**15
            else (dt.timedelta(microseconds=int((self.seconds * 1_000_000).to_integral_value())))
        )

    def __str__(self) -> str:
        total = self.seconds
        sign = "-" if total < 0 else ""
        total = abs(total)
        whole = int(total)
        frac = total - whole
        days, rem = divmod(whole, 86400)
        hours, rem = divmod(rem, 3600)
        minutes, secs = divmod(rem, 60)
        out = f"{sign}P"
        if days:
            out += f"{days}D"
        time_part = ""
        if hours:
            time_part += f"{hours}H"
        if minutes:
            time_part += f"{minutes}M"
        if secs or frac:
            s = Decimal(secs) + frac
            text = format(s.normalize(DECIMAL), "f")
            time_part += f"{text}S"
        if time_part:
            out += "T" + time_part
        if out in ("P", "-P"):
            return "PT0S"
        return out


@dataclass(frozen=True, slots=True)
class YearsMonthsDuration:
    """A years-and-months duration, held as a signed number of months."""

    months: int

    def __str__(self) -> str:
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        out = f"{sign}P"
        if years:
            out += f"{years}Y"
        if months or not years:
            out += f"{months}M"
        return out


@dataclass(frozen=True, slots=True)
class Range:
    """A FEEL range; an endpoint of None means the range is unbounded on that side."""

    start_included: bool
    start: Any
    end: Any
    end_included: bool

    def contains(self, value: Any) -> bool | None:
        """Whether `value` lies in the range; null where the endpoints are not comparable."""
        if self.start is not None:
            c = compare(value, self.start)
            if c is None:
                return None
            if c < 0 or (c == 0 and not self.start_included):
                return False
        if self.end is not None:
            c = compare(value, self.end)
            if c is None:
                return None
            if c > 0 or (c == 0 and not self.end_included):
                return False
        return True

    def __str__(self) -> str:
        left = "[" if self.start_included else "("
        right = "]" if self.end_included else ")"
        if self.start is None:
            return f"{'<=' if self.end_included else '<'} {to_string(self.end)}"
        if self.end is None:
            return f"{'>=' if self.start_included else '>'} {to_string(self.start)}"
        return f"{left}{to_string(self.start)}..{to_string(self.end)}{right}"


class FeelFunction:
    """A FEEL function value: a built-in, a user-defined FEEL lambda or a BKM.

    `signatures` lists the accepted parameter-name tuples (several for overloaded
    built-ins); `variadic` means the last parameter gathers the remaining positional
    arguments into a list. `impl` receives the bound arguments positionally.
    """

    __slots__ = ("impl", "name", "signatures", "variadic")

    def __init__(
        self,
        name: str,
        signatures: Sequence[Sequence[str]],
        impl: Callable[..., Any],
        variadic: bool = False,
    ) -> None:
        self.name = name
        self.signatures = [tuple(s) for s in signatures]
        self.impl = impl
        self.variadic = variadic

    @property
    def params(self) -> tuple[str, ...]:
        return self.signatures[0]

    def bind(self, args: Sequence[Any], named: Mapping[str, Any] | None) -> list[Any]:
        """Map positional or named arguments onto a signature; FeelEvalError if none fits."""
        if named is not None:
            keys = set(named)
            for sig in self.signatures:
                if keys <= set(sig):
                    # Missing named parameters are null, as the spec requires.
                    return [named.get(p) for p in sig]
            raise FeelEvalError(
                f"function {self.name}({', '.join(self.params)}) has no parameters "
                f"named {', '.join(sorted(keys - set(self.params)))}"
            )
        n = len(args)
        for sig in self.signatures:
            if self.variadic and n >= len(sig) - 1:
                fixed = len(sig) - 1
                return [*args[:fixed], list(args[fixed:])]
            if len(sig) == n:
                return list(args)
        raise FeelEvalError(
            f"function {self.name} takes {' or '.join(str(len(s)) for s in self.signatures)} "
            f"arguments, got {n}"
        )

    def __call__(self, *args: Any) -> Any:
        return self.impl(*args)

    def invoke(self, args: Sequence[Any], named: Mapping[str, Any] | None = None) -> Any:
        return self.impl(*self.bind(args, named))

    def __repr__(self) -> str:
        return f"<function {self.name}({', '.join(self.params)})>"


# ---------------------------------------------------------------- kinds


def kind(value: Any) -> str:
    """The FEEL type name of a value (as `instance of` and error messages see it)."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, dt.time):
        return "time"
    if isinstance(value, DaysTimeDuration):
        return "days and time duration"
    if isinstance(value, YearsMonthsDuration):
        return "years and months duration"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    if isinstance(value, FeelFunction) or callable(value):
        return "function"
    return type(value).__name__


# ---------------------------------------------------------------- equality and order


def _offset_of(t: dt.time | dt.datetime) -> dt.timedelta | None:
    tz = t.tzinfo
    if tz is None:
        return None
    if isinstance(t, dt.datetime):
        return t.utcoffset()
    if isinstance(tz, ZoneInfo):
        # A time has no date, so take the zone's offset on a fixed reference day.
        return tz.utcoffset(dt.datetime(2000, 1, 1, t.hour, t.minute, tzinfo=tz))
    return tz.utcoffset(None)


def _time_seconds(t: dt.time) -> Decimal:
    secs = Decimal(t.hour * 3600 + t.minute * 60 + t.second) + Decimal(t.microsecond) / 1_000_000
    off = _offset_of(t)
    if off is not None:
        secs -= Decimal(int(off.total_seconds()))
        secs %= 86400
    return secs


def equal(a: Any, b: Any) -> bool | None:
    """FEEL `=`: True/False, or None when the operands are of incomparable kinds."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a is b
        return None
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        if a.tzinfo is not None and b.tzinfo is not None:
            return a == b
        return a == b
    if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
        return None
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return a == b
    if isinstance(a, dt.time) and isinstance(b, dt.time):
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return _time_seconds(a) == _time_seconds(b)
    if isinstance(a, DaysTimeDuration) and isinstance(b, DaysTimeDuration):
        return a.seconds == b.seconds
    if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
        return a.months == b.months
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            e = equal(x, y)
            if e is not True:
                return e
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return False
        for k, x in a.items():
            e = equal(x, b[k])
            if e is not True:
                return e
        return True
    if isinstance(a, Range) and isinstance(b, Range):
        return (
            a.start_included == b.start_included
            and a.end_included == b.end_included
            and equal(a.start, b.start) is True
            and equal(a.end, b.end) is True
        )
    if isinstance(a, FeelFunction) and isinstance(b, FeelFunction):
        return a is b
    return None


def compare(a: Any, b: Any) -> int | None:
    """FEEL ordering: -1, 0 or 1; None when the values are not ordered against each other."""
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return None
    try:
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return (a > b) - (a < b)
        if isinstance(a, str) and isinstance(b, str):
            return (a > b) - (a < b)
        if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            return (a > b) - (a < b)
        if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
            return None
        if isinstance(a, dt.date) and isinstance(b, dt.date):
            return (a > b) - (a < b)
        if isinstance(a, dt.time) and isinstance(b, dt.time):
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            x, y = _time_seconds(a), _time_seconds(b)
            return (x > y) - (x < y)
        if isinstance(a, DaysTimeDuration) and isinstance(b, DaysTimeDuration):
            return (a.seconds > b.seconds) - (a.seconds < b.seconds)
        if isinstance(a, YearsMonthsDuration) and isinstance(b, YearsMonthsDuration):
            return (a.months > b.months) - (a.months < b.months)
    except (TypeError, decimal.InvalidOperation):
        return None
    return None


# ---------------------------------------------------------------- conversion


def number(value: int | float | str | Decimal) -> Decimal:
    """A FEEL number from a Python number or numeric string, rounded to 34 digits."""
    if isinstance(value, float):
        return DECIMAL.create_decimal(repr(value))
    return DECIMAL.create_decimal(value)


def to_feel(value: Any) -> Any:
    """Convert a Python value to its FEEL value (ints/floats -> Decimal, tuples -> lists,
    timedelta -> days-and-time duration, Mappings -> contexts); FEEL values pass through."""
    if value is None or isinstance(value, bool | str | Decimal):
        return value
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, dt.date | dt.time | DaysTimeDuration | YearsMonthsDuration | Range):
        return value
    if isinstance(value, dt.timedelta):
        return DaysTimeDuration.of(value)
    if isinstance(value, Mapping):
        return {str(k): to_feel(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_feel(v) for v in value]
    if isinstance(value, FeelFunction):
        return value
    if callable(value):
        return _python_function(value)
    return value


def _python_function(fn: Callable[..., Any]) -> FeelFunction:
    """Wrap a Python callable as a FEEL function with its own parameter names; its
    arguments arrive as FEEL values and its result is converted back to FEEL."""
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        params = None  # some built-in callables have no introspectable signature
    names: list[str] = []
    variadic = params is None
    for p in params or ():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            names.append(p.name)
            variadic = True
            break
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
    if params is None:
        names = ["args"]

    def call(*args: Any) -> Any:
        if variadic:
            *fixed, rest = args
            return to_feel(fn(*fixed, *rest))
        return to_feel(fn(*args))

    return FeelFunction(getattr(fn, "__name__", "function"), [tuple(names)], call, variadic)


def to_python(value: Any) -> Any:
    """Convert a FEEL value to plain Python: integral numbers become int, others Decimal;
    days-and-time durations become timedelta; lists and contexts are converted deeply."""
    if isinstance(value, Decimal) and not isinstance(value, bool):
        if value == value.to_integral_value() and abs(value) < Decimal(10) ** 30:
            return int(value)
        return value
    if isinstance(value, DaysTimeDuration):
        return value.to_timedelta()
    if isinstance(value, list):
        return [to_python(v) for v in value]
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    return value


def _format_number(n: Decimal) -> str:
    if n.is_zero():
        return "0"
    text = format(n.normalize(DECIMAL), "f")
    return text


def _format_offset(t: dt.time | dt.datetime) -> str:
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


def format_date(d: dt.date) -> str:
    if d.year > 9999:
        return f"{d.year}-{d.month:02d}-{d.day:02d}"
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def format_time(t: dt.time) -> str:
    text = f"{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    if t.microsecond:
        text += ("." + f"{t.microsecond:06d}").rstrip("0")
    return text + _format_offset(t)


def to_string(value: Any) -> str:
    """FEEL `string(value)`: the canonical text of any value (null gives "null")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _format_number(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return format_date(value.date()) + "T" + format_time(value.timetz())
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return format_time(value)
    if isinstance(value, DaysTimeDuration | YearsMonthsDuration | Range):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_nested(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_nested(v)}" for k, v in value.items()) + "}"
    return str(value)


def _nested(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return to_string(value)
