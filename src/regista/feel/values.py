"""FEEL values: the Python representation of every FEEL type, and their semantics.

Numbers are `decimal.Decimal` computed in `DECIMAL` (34 significant digits, half-even, as
IEEE 754 decimal128), strings are `str`, booleans `bool`, null is `None`, dates are
`datetime.date`, date-and-times `datetime.datetime`, times `datetime.time` (tzinfo is a
fixed offset or a `ZoneInfo`), durations are `DaysTimeDuration` / `YearsMonthsDuration`,
lists are `list`, contexts `dict[str, Any]`, ranges `Range`, functions `FeelFunction`.

Dates and times beyond Python's years and resolution (`WideDate`, `WideDateTime`,
`NanoTime`) live in `regista.feel.wide` and are re-exported here.

Equality and ordering follow DMN 1.5 §10.3.2: values of different kinds are neither equal
nor unequal (null), and unordered kinds have no `<`. Times and date-times compare at the
resolution of the millisecond, as Java-based engines and the TCK do
(`time("10:30:00.0001") = time("10:30:00.0002")`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from regista.feel.errors import FeelEvalError as FeelEvalError
from regista.feel.wide import CYCLE_DAYS as CYCLE_DAYS
from regista.feel.wide import CYCLE_YEARS as CYCLE_YEARS
from regista.feel.wide import DATE_TIME_TYPES as DATE_TIME_TYPES
from regista.feel.wide import DATE_TYPES as DATE_TYPES
from regista.feel.wide import MAX_YEAR as MAX_YEAR
from regista.feel.wide import MIN_YEAR as MIN_YEAR
from regista.feel.wide import NanoTime as NanoTime
from regista.feel.wide import WideDate as WideDate
from regista.feel.wide import WideDateTime as WideDateTime
from regista.feel.wide import date_from_ordinal as date_from_ordinal
from regista.feel.wide import format_date as format_date
from regista.feel.wide import format_time as format_time
from regista.feel.wide import instant_nanos as instant_nanos
from regista.feel.wide import is_date as is_date
from regista.feel.wide import make_date as make_date
from regista.feel.wide import make_date_time as make_date_time
from regista.feel.wide import nanos_of as nanos_of
from regista.feel.wide import stand_in_year as stand_in_year

DECIMAL = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=6144,
    Emin=-6143,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


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


@dataclass(frozen=True, slots=True)
class PointRange(Range):
    """The value of the unary test `=x` as an expression, `(=10)`: the range `[x..x]` by its
    properties, but not equal to the literal `[x..x]`, as the TCK has it."""


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
    if isinstance(value, WideDateTime):
        return "date and time"
    if isinstance(value, WideDate):
        return "date"
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


_SECOND = dt.timedelta(seconds=1)


def _time_seconds(t: dt.time) -> int:
    """The FEEL value of a time: whole milliseconds since midnight UTC (or local midnight)."""
    secs = t.hour * 3600 + t.minute * 60 + t.second
    off = _offset_of(t)
    if off is not None:
        secs = (secs - off // _SECOND) % 86400
    return secs * 1000 + t.microsecond // 1000


def _whole_seconds(v: dt.datetime | WideDateTime) -> int:
    """The instant of a date and time in whole milliseconds."""
    return instant_nanos(v) // 1_000_000


def _to_millis(v: dt.datetime) -> dt.datetime:
    return v.replace(microsecond=v.microsecond // 1000 * 1000)


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
        if a.microsecond or b.microsecond:
            return _to_millis(a) == _to_millis(b)
        return a == b
    if isinstance(a, DATE_TIME_TYPES) or isinstance(b, DATE_TIME_TYPES):
        if not (isinstance(a, DATE_TIME_TYPES) and isinstance(b, DATE_TIME_TYPES)):
            return None
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return _whole_seconds(a) == _whole_seconds(b)
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
            type(a) is type(b)
            and a.start_included == b.start_included
            and a.end_included == b.end_included
            and equal(a.start, b.start) is True
            and equal(a.end, b.end) is True
        )
    if isinstance(a, FeelFunction) and isinstance(b, FeelFunction):
        return a is b
    if isinstance(a, WideDate) or isinstance(b, WideDate):
        return a == b if is_date(a) and is_date(b) else None
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
            if a.microsecond or b.microsecond:
                p, q = _to_millis(a), _to_millis(b)
                return (p > q) - (p < q)
            return (a > b) - (a < b)
        if isinstance(a, DATE_TIME_TYPES) or isinstance(b, DATE_TIME_TYPES):
            if not (isinstance(a, DATE_TIME_TYPES) and isinstance(b, DATE_TIME_TYPES)):
                return None
            if (a.tzinfo is None) != (b.tzinfo is None):
                return None
            x, y = _whole_seconds(a), _whole_seconds(b)
            return (x > y) - (x < y)
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
        if (isinstance(a, WideDate) or isinstance(b, WideDate)) and is_date(a) and is_date(b):
            i: int = a.toordinal()
            j: int = b.toordinal()
            return (i > j) - (i < j)
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
    if isinstance(value, WideDate | WideDateTime):
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
    required = 0
    variadic = params is None
    for p in params or ():
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            names.append(p.name)
            variadic = True
            break
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
            if p.default is inspect.Parameter.empty:
                required = len(names)
    if params is None:
        names = ["args"]
    # parameters with a default may be left out: one signature per accepted arity, the
    # whole one first (it names the function's parameters)
    shorter = (
        [] if variadic else [tuple(names[:n]) for n in range(len(names) - 1, required - 1, -1)]
    )

    def call(*args: Any) -> Any:
        if variadic:
            *fixed, rest = args
            return to_feel(fn(*fixed, *rest))
        return to_feel(fn(*args))

    return FeelFunction(
        getattr(fn, "__name__", "function"), [tuple(names), *shorter], call, variadic
    )


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
        return "{" + ", ".join(f"{_key(k)}: {_nested(v)}" for k, v in value.items()) + "}"
    if isinstance(value, WideDateTime):
        return format_date(value) + "T" + format_time(value.base.timetz(), value.nanos)
    if isinstance(value, WideDate):
        return format_date(value)
    return str(value)


# A context key that would not read back as a name is shown as a string literal.
_NOT_A_NAME_KEY = re.compile(r'^\d|^\s|\s$|["{}\[\](),:\\]|[\x00-\x1f]')


def _key(key: str) -> str:
    return _quote(key) if not key or _NOT_A_NAME_KEY.search(key) else key


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _nested(value: Any) -> str:
    if isinstance(value, str):
        return _quote(value)
    return to_string(value)
