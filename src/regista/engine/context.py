"""The context of one step: everything the pure core needs from the outside world.

Time and identifiers come in here, so `step` never reads a clock or draws a random number
and a replay with the same context gives the same result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from regista.dmn import DecisionModels
from regista.feel.builtins import BUILTINS
from regista.feel.builtins.temporal import clock_builtins
from regista.feel.values import FeelFunction
from regista.model.bpmn import Definitions

__all__ = ["Context", "StepBuiltins"]


class StepBuiltins(Mapping[str, FeelFunction]):
    """The FEEL built-ins with `now()`/`today()` reading the step's time."""

    __slots__ = ("_clock", "_now")

    def __init__(self, now: dt.datetime) -> None:
        self._now = now
        self._clock: dict[str, FeelFunction] | None = None

    def _clocked(self) -> dict[str, FeelFunction]:
        if self._clock is None:
            now = self._now
            self._clock = clock_builtins(lambda: now)
        return self._clock

    def __getitem__(self, name: str) -> FeelFunction:
        if name == "now" or name == "today":
            return self._clocked()[name]
        return BUILTINS[name]

    def get(self, name: str, default: Any = None) -> Any:
        if name == "now" or name == "today":
            return self._clocked()[name]
        return BUILTINS.get(name, default)

    def __iter__(self) -> Iterator[str]:
        yield from BUILTINS
        yield from ("now", "today")

    def __len__(self) -> int:
        return len(BUILTINS) + 2


@dataclass(frozen=True)
class Context:
    """Inputs of a step besides the state and the command.

    `now` is the aware UTC time of the step, `new_id` a source of unique ids (element
    instances, jobs, timers, ...), `definitions` the deployed model holding the process,
    `decisions` the DMN models for business rule tasks, `trusted` allows Python scripts and
    expressions (the model's deployment was trusted), with the restricted builtins unless
    `full_builtins`, `expression_language` is the language of scripts that name none,
    `max_steps` stops a loop without wait states with an incident once a step has
    activated that many elements, `max_multi_instance` refuses (with an incident) a
    multi-instance activity of more inner instances, `feel_budget` is how many evaluation
    steps one FEEL expression may take, and `backoff` says how long a job whose attempt `n`
    failed waits before it runs again (the shell's retry policy).
    """

    now: dt.datetime
    new_id: Callable[[], str]
    definitions: Definitions
    decisions: DecisionModels | None = None
    trusted: bool = False
    full_builtins: bool = False
    expression_language: str = "feel"
    max_steps: int = 10_000
    max_multi_instance: int = 10_000
    feel_budget: int = 100_000
    backoff: Callable[[int], dt.timedelta] = field(default=lambda attempt: dt.timedelta(0))

    @cached_property
    def feel_builtins(self) -> StepBuiltins:
        """The FEEL built-ins of this step, `now()`/`today()` reading `now` (made once)."""
        return StepBuiltins(self.now)
