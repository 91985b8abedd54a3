"""Range built-ins (DMN 1.5 §10.3.4.11) and the conversion function `range(from)`.

The interval relations `before`, `after`, `meets`, `met by`, `overlaps`, `overlaps before`,
`overlaps after`, `finishes`, `finished by`, `includes`, `during`, `starts`, `started by`
and `coincides` follow the spec's tables literally, with its open/closed endpoint rules.
Each is overloaded on points and ranges (`before(point, range)`, `before(range1, range2)`,
...); the registry binds arguments by arity or parameter names only, so the overload is
chosen here from whether each argument is a `Range`. A range endpoint of None is unbounded
(minus infinity at the start, plus infinity at the end) and never included. Points and
endpoints that are not mutually comparable (or a null point) are an invalid invocation.
Named arguments `point` and `range` fit both `before(point, range)` and `before(range,
point)` (likewise for `after`); the first declared overload, point then range, is taken.

`range(from)` converts a range literal string (`"[1..10)"`, `"(..5]"`... with literal
endpoints: numbers, strings, `@"..."` and `date(...)`, `time(...)`, `date and time(...)`,
`duration(...)` of a string literal) into a range; anything else is invalid.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from regista.feel.builtins.conversion import registrar, string_arg, unwrap
from regista.feel.builtins.temporal import TEMPORAL_BUILTINS
from regista.feel.errors import FeelSyntaxError
from regista.feel.lexer import NameTable, Token, tokenize
from regista.feel.temporal import parse_temporal
from regista.feel.values import FeelEvalError, FeelFunction, Range, compare, kind, number

RANGE_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(RANGE_BUILTINS)


# ---------------------------------------------------------------- endpoints


class _Infinity:
    """An unbounded endpoint: below every value (`sign` -1) or above it (`sign` 1)."""

    __slots__ = ("sign",)

    def __init__(self, sign: int) -> None:
        self.sign = sign


_BELOW = _Infinity(-1)
_ABOVE = _Infinity(1)


def _cmp(a: Any, b: Any) -> int:
    """Order two points or endpoints, infinities included; FeelEvalError if incomparable."""
    if isinstance(a, _Infinity) or isinstance(b, _Infinity):
        x = a.sign if isinstance(a, _Infinity) else 0
        y = b.sign if isinstance(b, _Infinity) else 0
        return (x > y) - (x < y)
    c = compare(a, b)
    if c is None:
        raise FeelEvalError(f"cannot compare {kind(a)} with {kind(b)}")
    return c


def _lt(a: Any, b: Any) -> bool:
    return _cmp(a, b) < 0


def _gt(a: Any, b: Any) -> bool:
    return _cmp(a, b) > 0


def _eq(a: Any, b: Any) -> bool:
    return _cmp(a, b) == 0


def _start(r: Range) -> Any:
    return _BELOW if r.start is None else r.start


def _end(r: Range) -> Any:
    return _ABOVE if r.end is None else r.end


def _start_in(r: Range) -> bool:
    return r.start_included and r.start is not None


def _end_in(r: Range) -> bool:
    return r.end_included and r.end is not None


def _check_comparable(*args: Any) -> None:
    """Every point and bounded endpoint must be ordered against the others."""
    values: list[Any] = []
    for a in args:
        if isinstance(a, Range):
            values.extend(v for v in (a.start, a.end) if v is not None)
        else:
            values.append(a)
    for v in values:
        if compare(v, values[0]) is None:
            if v is values[0]:
                raise FeelEvalError(f"a {kind(v)} has no order")
            raise FeelEvalError(f"cannot compare {kind(values[0])} with {kind(v)}")


# ---------------------------------------------------------------- overload dispatch

_PointPoint = Callable[[Any, Any], bool]
_PointRange = Callable[[Any, Range], bool]
_RangePoint = Callable[[Range, Any], bool]
_RangeRange = Callable[[Range, Range], bool]


def _dispatch(
    name: str,
    a: Any,
    b: Any,
    *,
    pp: _PointPoint | None = None,
    pr: _PointRange | None = None,
    rp: _RangePoint | None = None,
    rr: _RangeRange | None = None,
) -> bool:
    """Pick the overload from the argument kinds and apply it."""
    a, b = unwrap(a), unwrap(b)
    if a is None or b is None:
        raise FeelEvalError(f"{name} is not defined for null")
    ra, rb = isinstance(a, Range), isinstance(b, Range)
    _check_comparable(a, b)
    if ra and rb and rr is not None:
        return rr(a, b)
    if ra and not rb and rp is not None:
        return rp(a, b)
    if not ra and rb and pr is not None:
        return pr(a, b)
    if not ra and not rb and pp is not None:
        return pp(a, b)
    raise FeelEvalError(f"{name} is not defined for a {kind(a)} and a {kind(b)}")


# ---------------------------------------------------------------- before / after

_POINTS_AND_RANGES = (
    ("point1", "point2"),
    ("point", "range"),
    ("range", "point"),
    ("range1", "range2"),
)


def _before_pr(p: Any, r: Range) -> bool:
    return _lt(p, _start(r)) or (_eq(p, _start(r)) and not _start_in(r))


def _before_rp(r: Range, p: Any) -> bool:
    return _lt(_end(r), p) or (_eq(_end(r), p) and not _end_in(r))


def _before_rr(r1: Range, r2: Range) -> bool:
    return _lt(_end(r1), _start(r2)) or (
        (not _end_in(r1) or not _start_in(r2)) and _eq(_end(r1), _start(r2))
    )


@_builtin("before", *_POINTS_AND_RANGES)
def before(a: Any, b: Any) -> bool:
    """Whether the first point or range lies wholly before the second."""
    return _dispatch("before", a, b, pp=_lt, pr=_before_pr, rp=_before_rp, rr=_before_rr)


def _after_pr(p: Any, r: Range) -> bool:
    return _gt(p, _end(r)) or (_eq(p, _end(r)) and not _end_in(r))


def _after_rp(r: Range, p: Any) -> bool:
    return _gt(_start(r), p) or (_eq(_start(r), p) and not _start_in(r))


def _after_rr(r1: Range, r2: Range) -> bool:
    return _gt(_start(r1), _end(r2)) or (
        (not _start_in(r1) or not _end_in(r2)) and _eq(_start(r1), _end(r2))
    )


@_builtin("after", *_POINTS_AND_RANGES)
def after(a: Any, b: Any) -> bool:
    """Whether the first point or range lies wholly after the second."""
    return _dispatch("after", a, b, pp=_gt, pr=_after_pr, rp=_after_rp, rr=_after_rr)


# ---------------------------------------------------------------- meets / met by


def _meets(r1: Range, r2: Range) -> bool:
    return _end_in(r1) and _start_in(r2) and _eq(_end(r1), _start(r2))


@_builtin("meets", ("range1", "range2"))
def meets(a: Any, b: Any) -> bool:
    """Whether the first range ends, included, exactly where the second starts, included."""
    return _dispatch("meets", a, b, rr=_meets)


@_builtin("met by", ("range1", "range2"))
def met_by(a: Any, b: Any) -> bool:
    """Whether the first range starts, included, exactly where the second ends, included."""
    return _dispatch("met by", a, b, rr=lambda r1, r2: _meets(r2, r1))


# ---------------------------------------------------------------- overlaps


def _overlaps(r1: Range, r2: Range) -> bool:
    return (
        _gt(_end(r1), _start(r2)) or (_eq(_end(r1), _start(r2)) and _end_in(r1) and _start_in(r2))
    ) and (
        _lt(_start(r1), _end(r2)) or (_eq(_start(r1), _end(r2)) and _start_in(r1) and _end_in(r2))
    )


def _overlaps_before(r1: Range, r2: Range) -> bool:
    return (
        (
            _lt(_start(r1), _start(r2))
            or (_eq(_start(r1), _start(r2)) and _start_in(r1) and not _start_in(r2))
        )
        and (
            _gt(_end(r1), _start(r2))
            or (_eq(_end(r1), _start(r2)) and _end_in(r1) and _start_in(r2))
        )
        and (
            _lt(_end(r1), _end(r2))
            or (_eq(_end(r1), _end(r2)) and (not _end_in(r1) or _end_in(r2)))
        )
    )


@_builtin("overlaps", ("range1", "range2"))
def overlaps(a: Any, b: Any) -> bool:
    """Whether the two ranges share at least one point."""
    return _dispatch("overlaps", a, b, rr=_overlaps)


@_builtin("overlaps before", ("range1", "range2"))
def overlaps_before(a: Any, b: Any) -> bool:
    """Whether the first range starts before the second and ends inside it."""
    return _dispatch("overlaps before", a, b, rr=_overlaps_before)


@_builtin("overlaps after", ("range1", "range2"))
def overlaps_after(a: Any, b: Any) -> bool:
    """Whether the first range starts inside the second and ends after it."""
    return _dispatch("overlaps after", a, b, rr=lambda r1, r2: _overlaps_before(r2, r1))


# ---------------------------------------------------------------- finishes / finished by


def _finishes_pr(p: Any, r: Range) -> bool:
    return _end_in(r) and _eq(_end(r), p)


def _finishes_rr(r1: Range, r2: Range) -> bool:
    return (
        _end_in(r1) == _end_in(r2)
        and _eq(_end(r1), _end(r2))
        and (
            _gt(_start(r1), _start(r2))
            or (_eq(_start(r1), _start(r2)) and (not _start_in(r1) or _start_in(r2)))
        )
    )


@_builtin("finishes", ("point", "range"), ("range1", "range2"))
def finishes(a: Any, b: Any) -> bool:
    """Whether the point is the included end of the range, or the first range is a final
    part of the second (same end)."""
    return _dispatch("finishes", a, b, pr=_finishes_pr, rr=_finishes_rr)


@_builtin("finished by", ("range", "point"), ("range1", "range2"))
def finished_by(a: Any, b: Any) -> bool:
    """The converse of `finishes`."""
    return _dispatch(
        "finished by",
        a,
        b,
        rp=lambda r, p: _finishes_pr(p, r),
        rr=lambda r1, r2: _finishes_rr(r2, r1),
    )


# ---------------------------------------------------------------- includes / during


def _includes_rp(r: Range, p: Any) -> bool:
    return (
        (_lt(_start(r), p) and _gt(_end(r), p))
        or (_eq(_start(r), p) and _start_in(r))
        or (_eq(_end(r), p) and _end_in(r))
    )


def _includes_rr(r1: Range, r2: Range) -> bool:
    return (
        _lt(_start(r1), _start(r2))
        or (_eq(_start(r1), _start(r2)) and (_start_in(r1) or not _start_in(r2)))
    ) and (
        _gt(_end(r1), _end(r2)) or (_eq(_end(r1), _end(r2)) and (_end_in(r1) or not _end_in(r2)))
    )


@_builtin("includes", ("range", "point"), ("range1", "range2"))
def includes(a: Any, b: Any) -> bool:
    """Whether the range contains the point, or the first range contains the second."""
    return _dispatch("includes", a, b, rp=_includes_rp, rr=_includes_rr)


@_builtin("during", ("point", "range"), ("range1", "range2"))
def during(a: Any, b: Any) -> bool:
    """The converse of `includes`."""
    return _dispatch(
        "during",
        a,
        b,
        pr=lambda p, r: _includes_rp(r, p),
        rr=lambda r1, r2: _includes_rr(r2, r1),
    )


# ---------------------------------------------------------------- starts / started by


def _starts_pr(p: Any, r: Range) -> bool:
    return _start_in(r) and _eq(_start(r), p)


def _starts_rr(r1: Range, r2: Range) -> bool:
    return (
        _eq(_start(r1), _start(r2))
        and _start_in(r1) == _start_in(r2)
        and (
            _lt(_end(r1), _end(r2))
            or (_eq(_end(r1), _end(r2)) and (not _end_in(r1) or _end_in(r2)))
        )
    )


@_builtin("starts", ("point", "range"), ("range1", "range2"))
def starts(a: Any, b: Any) -> bool:
    """Whether the point is the included start of the range, or the first range is an
    initial part of the second (same start)."""
    return _dispatch("starts", a, b, pr=_starts_pr, rr=_starts_rr)


@_builtin("started by", ("range", "point"), ("range1", "range2"))
def started_by(a: Any, b: Any) -> bool:
    """The converse of `starts`."""
    return _dispatch(
        "started by",
        a,
        b,
        rp=lambda r, p: _starts_pr(p, r),
        rr=lambda r1, r2: _starts_rr(r2, r1),
    )


# ---------------------------------------------------------------- coincides


def _coincides_rr(r1: Range, r2: Range) -> bool:
    return (
        _eq(_start(r1), _start(r2))
        and _start_in(r1) == _start_in(r2)
        and _eq(_end(r1), _end(r2))
        and _end_in(r1) == _end_in(r2)
    )


@_builtin("coincides", ("point1", "point2"), ("range1", "range2"))
def coincides(a: Any, b: Any) -> bool:
    """Whether two points are equal, or two ranges have the same endpoints and closures."""
    return _dispatch("coincides", a, b, pp=_eq, rr=_coincides_rr)


# ---------------------------------------------------------------- range(from)

_TEMPORAL_FUNCTIONS = {"date", "time", "date and time", "duration"}
_OPENERS = {"LSQB": True, "LPAR": False, "RSQB": False}
_CLOSERS = {"RSQB": True, "RPAR": False, "LSQB": False, "LSQB_CLOSE": False}


def _endpoint_value(tokens: list[Token]) -> Any:
    """The value of one endpoint (None when absent: unbounded). It must be a literal
    (DMN 1.5 §10.3.2.7): a number, a string, `@"..."`, or `date`, `time`,
    `date and time` or `duration` applied to a string literal."""
    types = [t.type for t in tokens]
    if not tokens:
        return None
    if types in (["NUMBER"], ["MINUS", "NUMBER"]):
        try:
            return number("".join(t.value for t in tokens))
        except decimal.DecimalException as e:
            raise FeelEvalError("a range endpoint is out of the range of FEEL numbers") from e
    if types == ["STRING"]:
        return tokens[0].value
    if types == ["AT", "STRING"]:
        text = tokens[1].value
        try:
            return parse_temporal(text)
        except FeelEvalError as e:
            raise FeelEvalError(
                f'invalid range endpoint: invalid temporal literal @"{text}": {e}'
            ) from None
    if types == ["NAME", "LPAR", "STRING", "RPAR"] and tokens[0].value in _TEMPORAL_FUNCTIONS:
        # The built-in itself, so the endpoint reads exactly as the same call in FEEL.
        name = tokens[0].value
        try:
            value = TEMPORAL_BUILTINS[name].invoke([tokens[2].value])
        except FeelEvalError as e:
            raise FeelEvalError(f"invalid range endpoint: {name}: {e}") from None
        except Exception as e:  # as a FEEL call would report it, never a crash
            raise FeelEvalError(
                f"invalid range endpoint: {name}: {type(e).__name__}: {e}"
            ) from None
        if value is None:
            raise FeelEvalError("invalid range endpoint")
        return value
    text = " ".join(t.value for t in tokens)
    raise FeelEvalError(f"range endpoint {text!r} is not a literal")


def parse_range(text: str) -> Range:
    """Parse a range literal such as `[1..10)`, `]"a".."z"]` or `(..@"2020-01-01"]`."""
    try:
        tokens = list(tokenize(text, NameTable(())))
    except FeelSyntaxError as e:
        raise FeelEvalError(f"{text!r} is not a range literal: {e.message}") from None
    if len(tokens) < 3 or tokens[0].type not in _OPENERS or tokens[-1].type not in _CLOSERS:
        raise FeelEvalError(f"{text!r} is not a range literal")
    inner = tokens[1:-1]
    dots = [i for i, t in enumerate(inner) if t.type == "DOTDOT"]
    if len(dots) != 1:
        raise FeelEvalError(f"{text!r} is not a range literal")
    start_tokens, end_tokens = inner[: dots[0]], inner[dots[0] + 1 :]
    start_included = _OPENERS[tokens[0].type]
    end_included = _CLOSERS[tokens[-1].type]
    start, end = _endpoint_value(start_tokens), _endpoint_value(end_tokens)
    if start is None and end is None:
        raise FeelEvalError(f"{text!r} has no endpoints")
    if (start is None and start_included) or (end is None and end_included):
        raise FeelEvalError(f"{text!r}: a missing endpoint cannot be included")
    if start is not None and end is not None:
        c = compare(start, end)
        if c is None or kind(start) != kind(end):
            raise FeelEvalError(
                f"{text!r}: endpoints {kind(start)} and {kind(end)} are not comparable"
            )
        if c > 0:
            raise FeelEvalError(f"{text!r}: the start is after the end")
    return Range(start_included, start, end, end_included)


@_builtin("range", ("from",))
def range_(source: Any) -> Range:
    """Convert a range literal string to a range (DMN 1.5)."""
    return parse_range(string_arg(source, "from"))
