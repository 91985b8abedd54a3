"""Conversion built-ins `number` and `string` (DMN 1.5 §10.3.4.1), and the argument checks
every built-in module shares.

The helpers live here because argument checking is conversion: a built-in takes FEEL values,
checks them against its parameter types and applies the implicit conversions of §10.3.2.9
(a single value where a list is expected becomes a singleton list). They raise
`FeelEvalError` naming the parameter, which the evaluator reports as null plus a warning.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from regista.feel.values import DECIMAL, FeelEvalError, FeelFunction, kind, to_string

Impl = Callable[..., Any]
Factory = Callable[[str, Sequence[Sequence[str]], Impl], FeelFunction]

CONVERSION_BUILTINS: dict[str, FeelFunction] = {}


def registrar(
    table: dict[str, FeelFunction], factory: Factory = FeelFunction
) -> Callable[..., Callable[[Impl], Impl]]:
    """A decorator factory that registers a built-in under its FEEL name and signatures;
    `factory` builds the function value (a FeelFunction subclass may bind differently)."""

    def builtin(name: str, *signatures: Sequence[str]) -> Callable[[Impl], Impl]:
        def register(impl: Impl) -> Impl:
            table[name] = factory(name, signatures, impl)
            return impl

        return register

    return builtin


_builtin = registrar(CONVERSION_BUILTINS)


# ---------------------------------------------------------------- shared argument checks


def type_error(param: str, expected: str, value: Any) -> FeelEvalError:
    """The error for an argument of the wrong kind."""
    return FeelEvalError(f"{param!r} must be {expected}, not {kind(value)}")


def unwrap(value: Any) -> Any:
    """The implicit conversion from a singleton list (§10.3.2.9.4): where a single value is
    expected, `[x]` stands for `x`, so `upper case(names[item = "Bob"])` works."""
    if isinstance(value, list) and len(value) == 1:
        return value[0]
    return value


def string_arg(value: Any, param: str) -> str:
    """A string argument; null or any other kind is an invalid invocation."""
    value = unwrap(value)
    if not isinstance(value, str):
        raise type_error(param, "a string", value)
    return value


def number_arg(value: Any, param: str) -> Decimal:
    """A number argument; null or any other kind is an invalid invocation."""
    value = unwrap(value)
    if not isinstance(value, Decimal):
        raise type_error(param, "a number", value)
    return value


def integer_arg(value: Any, param: str) -> int:
    """A number argument used as a count or position, truncated toward zero as the TCK
    expects (`substring("foobar", 3, 3.8)` is "oba", `list replace(l, -1.5, x)` hits -1)."""
    number = number_arg(value, param)
    if not number.is_finite():
        raise FeelEvalError(f"{param!r} must be a finite number")
    return int(number)


def list_arg(value: Any, param: str) -> list[Any]:
    """A list argument; a single non-null value is converted to a singleton list (§10.3.2.9)."""
    if value is None:
        raise type_error(param, "a list", value)
    if isinstance(value, list):
        return value
    return [value]


def function_arg(value: Any, param: str) -> FeelFunction:
    """A function argument, such as the `precedes` of `sort`."""
    value = unwrap(value)
    if not isinstance(value, FeelFunction):
        raise type_error(param, "a function", value)
    return value


def position_index(position: Any, length: int, param: str) -> int:
    """The 0-based index of a 1-based FEEL position (negative counts from the end);
    positions outside the sequence, and 0, are invalid."""
    pos = integer_arg(position, param)
    if pos > 0 and pos <= length:
        return pos - 1
    if pos < 0 and -pos <= length:
        return length + pos
    raise FeelEvalError(f"{param!r} {pos} is out of range for a length of {length}")


# ---------------------------------------------------------------- number and string

_GROUPING_SEPARATORS = (" ", ",", ".")
_DECIMAL_SEPARATORS = (".", ",")
# The number syntax left after the separators are normalised: FEEL's numeric literal with
# an optional sign and exponent (as XML Schema decimals and doubles allow).
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


@_builtin("number", ("from",), ("from", "grouping separator", "decimal separator"))
def number(text: Any, grouping: Any = None, decimal_sep: Any = None) -> Decimal:
    """Parse a number, with optional grouping and decimal separators."""
    source = string_arg(text, "from")
    if grouping is not None and grouping not in _GROUPING_SEPARATORS:
        raise FeelEvalError("'grouping separator' must be a space, a comma, a period or null")
    if decimal_sep is not None and decimal_sep not in _DECIMAL_SEPARATORS:
        raise FeelEvalError("'decimal separator' must be a period, a comma or null")
    if grouping is not None and grouping == decimal_sep:
        raise FeelEvalError("the grouping and decimal separators must differ")
    if grouping is not None:
        source = source.replace(grouping, "")
    if decimal_sep == ",":
        if "." in source:  # a period is neither separator here, so it is a stray character
            raise FeelEvalError(f"{text!r} is not a number with decimal separator ','")
        source = source.replace(",", ".")
    if not _NUMBER.fullmatch(source):
        raise FeelEvalError(f"{text!r} is not a number")
    try:
        return DECIMAL.create_decimal(source)
    except decimal.DecimalException as e:
        raise FeelEvalError(f"{text!r} is out of the range of FEEL numbers") from e


@_builtin("string", ("from",))
def string(value: Any) -> str | None:
    """The canonical text of any value; `string(null)` is null."""
    if value is None:
        return None
    return to_string(value)
