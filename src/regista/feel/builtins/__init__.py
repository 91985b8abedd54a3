"""The built-in functions of FEEL (DMN 1.5 §10.3.4), by FEEL name.

`BUILTINS` holds every function that needs no clock; `builtins(clock)` adds `now()` and
`today()` reading the given clock, so that evaluation stays deterministic where the caller
supplies the time (the engine's core never reads the system clock itself).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from regista.feel.builtins.booleans import BOOLEAN_BUILTINS
from regista.feel.builtins.contexts import CONTEXT_BUILTINS
from regista.feel.builtins.conversion import CONVERSION_BUILTINS
from regista.feel.builtins.lists import LIST_BUILTINS
from regista.feel.builtins.numeric import NUMERIC_BUILTINS
from regista.feel.builtins.ranges import RANGE_BUILTINS
from regista.feel.builtins.strings import STRING_BUILTINS
from regista.feel.builtins.temporal import TEMPORAL_BUILTINS, clock_builtins
from regista.feel.values import FeelFunction

__all__ = ["BUILTINS", "builtins"]

BUILTINS: dict[str, FeelFunction] = {
    **CONVERSION_BUILTINS,
    **BOOLEAN_BUILTINS,
    **STRING_BUILTINS,
    **LIST_BUILTINS,
    **NUMERIC_BUILTINS,
    **CONTEXT_BUILTINS,
    **TEMPORAL_BUILTINS,
    **RANGE_BUILTINS,
}


def builtins(clock: Callable[[], dt.datetime] | None = None) -> dict[str, FeelFunction]:
    """All built-ins, with `now()`/`today()` reading `clock` (by default the system clock,
    as a date and time with the local UTC offset)."""
    if clock is None:

        def clock() -> dt.datetime:
            return dt.datetime.now(dt.UTC).astimezone()

    return {**BUILTINS, **clock_builtins(clock)}
