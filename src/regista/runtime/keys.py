"""Correlation keys as the store keeps them: text, so that a key given as a number and
the same key given as text meet."""

from __future__ import annotations

from typing import Any

from regista.feel.values import to_python

__all__ = ["correlation_key"]


def correlation_key(value: Any) -> str | None:
    """A correlation key as text (`1` and `"1"` match; booleans as `true`/`false`)."""
    if value is None:
        return None
    plain = to_python(value)
    return str(plain).lower() if isinstance(plain, bool) else str(plain)
