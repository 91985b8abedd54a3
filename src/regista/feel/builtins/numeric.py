"""Numeric built-ins (DMN 1.5 §10.3.4.5): rounding to a scale, abs, modulo, sqrt, log, exp,
odd and even.

Every computation runs in `DECIMAL` (34 significant digits, half-even), so results are the
decimal128 values the spec prescribes and never Python floats.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from regista.feel.builtins.conversion import (
    integer_arg,
    number_arg,
    registrar,
    type_error,
    unwrap,
)
from regista.feel.values import (
    DECIMAL,
    DaysTimeDuration,
    FeelEvalError,
    FeelFunction,
    YearsMonthsDuration,
)

NUMERIC_BUILTINS: dict[str, FeelFunction] = {}
_builtin = registrar(NUMERIC_BUILTINS)

# The scales decimal128 can represent, as the rounding functions of the spec allow.
_MIN_SCALE, _MAX_SCALE = -6111, 6176


def _round(n: Any, scale: Any, rounding: str) -> Decimal:
    """`n` rounded to `scale` digits after the decimal point (negative: before it)."""
    number = number_arg(n, "n")
    places = integer_arg(scale, "scale")
    if not _MIN_SCALE <= places <= _MAX_SCALE:
        raise FeelEvalError(f"'scale' must be in [{_MIN_SCALE}..{_MAX_SCALE}], got {places}")
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int):
        raise FeelEvalError(f"{number} cannot be rounded")
    if exponent >= -places:
        # Already no finer than the scale: quantizing could only append zeros, and would
        # fail where they pass 34 digits (`round up(5.5, 6176)` is 5.5).
        return number
    try:
        result = number.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=DECIMAL)
    except decimal.DecimalException as e:
        raise FeelEvalError(f"{number} rounded to scale {places} exceeds 34 digits") from e
    return result.copy_abs() if result.is_zero() else result  # no "-0"


@_builtin("decimal", ("n", "scale"))
def decimal_(n: Any, scale: Any) -> Decimal:
    """Round half to even (banker's rounding) to the given scale."""
    return _round(n, scale, decimal.ROUND_HALF_EVEN)


@_builtin("floor", ("n",), ("n", "scale"))
def floor(n: Any, scale: Any = Decimal(0)) -> Decimal:
    return _round(n, scale, decimal.ROUND_FLOOR)


@_builtin("ceiling", ("n",), ("n", "scale"))
def ceiling(n: Any, scale: Any = Decimal(0)) -> Decimal:
    return _round(n, scale, decimal.ROUND_CEILING)


@_builtin("round up", ("n", "scale"))
def round_up(n: Any, scale: Any) -> Decimal:
    """Round away from zero."""
    return _round(n, scale, decimal.ROUND_UP)


@_builtin("round down", ("n", "scale"))
def round_down(n: Any, scale: Any) -> Decimal:
    """Round toward zero."""
    return _round(n, scale, decimal.ROUND_DOWN)


@_builtin("round half up", ("n", "scale"))
def round_half_up(n: Any, scale: Any) -> Decimal:
    """Round to nearest, ties away from zero."""
    return _round(n, scale, decimal.ROUND_HALF_UP)


@_builtin("round half down", ("n", "scale"))
def round_half_down(n: Any, scale: Any) -> Decimal:
    """Round to nearest, ties toward zero."""
    return _round(n, scale, decimal.ROUND_HALF_DOWN)


@_builtin("abs", ("n",))
def abs_(n: Any) -> Decimal | DaysTimeDuration | YearsMonthsDuration:
    """The absolute value of a number or of either kind of duration."""
    n = unwrap(n)
    if isinstance(n, Decimal):
        return n.copy_abs()
    if isinstance(n, DaysTimeDuration):
        return DaysTimeDuration(n.seconds.copy_abs())
    if isinstance(n, YearsMonthsDuration):
        return YearsMonthsDuration(abs(n.months))
    raise type_error("n", "a number or a duration", n)


@_builtin("modulo", ("dividend", "divisor"))
def modulo(dividend: Any, divisor: Any) -> Decimal:
    """`dividend - divisor * floor(dividend / divisor)`: the result has the divisor's sign."""
    a, b = number_arg(dividend, "dividend"), number_arg(divisor, "divisor")
    if b.is_zero():
        raise FeelEvalError("modulo by zero")
    # Enough precision for every digit of the integer quotient, so the remainder is exact
    # (DECIMAL's 34 digits would fail for modulo(1E+40, 3)); then round to 34 digits.
    exact = DECIMAL.copy()
    exact.prec = max(DECIMAL.prec, a.adjusted() - b.adjusted() + DECIMAL.prec + 1)
    result = exact.remainder(a, b)  # has the dividend's sign; move it to the divisor's
    if not result.is_zero() and (result < 0) != (b < 0):
        result = exact.add(result, b)
    result = DECIMAL.plus(result)
    return result.copy_abs() if result.is_zero() else result


@_builtin("sqrt", ("number",))
def sqrt(number: Any) -> Decimal:
    n = number_arg(number, "number")
    if n < 0:
        raise FeelEvalError(f"square root of the negative number {n}")
    return DECIMAL.sqrt(n)


@_builtin("log", ("number",))
def log(number: Any) -> Decimal:
    """The natural logarithm."""
    n = number_arg(number, "number")
    if n <= 0:
        raise FeelEvalError(f"logarithm of the non-positive number {n}")
    return DECIMAL.ln(n)


@_builtin("exp", ("number",))
def exp(number: Any) -> Decimal:
    """Euler's number raised to the given power."""
    n = number_arg(number, "number")
    try:
        return DECIMAL.exp(n)
    except decimal.Overflow as e:
        raise FeelEvalError(f"exp({n}) is too large for a FEEL number") from e


def _parity(number: Any) -> int | None:
    """0 for even, 1 for odd, None for a number that is not an integer."""
    n = number_arg(number, "number")
    if not n.is_finite():
        return None
    exponent = n.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return 0  # a multiple of ten
    if n != n.to_integral_value():
        return None
    return int(n) % 2


@_builtin("odd", ("number",))
def odd(number: Any) -> bool:
    """Whether the number is an odd integer (false for a fraction)."""
    return _parity(number) == 1


@_builtin("even", ("number",))
def even(number: Any) -> bool:
    """Whether the number is an even integer (false for a fraction)."""
    return _parity(number) == 0
