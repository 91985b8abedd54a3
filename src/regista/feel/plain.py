"""FEEL values as plain JSON, as the API shows variables and decision results."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from regista.feel.values import to_python, to_string

__all__ = ["plain_value"]


def plain_value(value: Any) -> Any:
    """A FEEL or plain Python value as plain JSON: numbers as numbers (a decimal that a
    float cannot hold exactly as text), dates, times and durations as FEEL writes them."""
    value = to_python(value)
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, Decimal):
        if value.is_finite() and Decimal(repr(float(value))) == value:
            return float(value)
        return str(value)
    if isinstance(value, list | tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    return to_string(value)
