"""The context of one step: everything the pure core needs from the outside world.

Time and identifiers come in here, so `step` never reads a clock or draws a random number
and a replay with the same context gives the same result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from regista.dmn import DecisionModels
from regista.model.bpmn import Definitions

if TYPE_CHECKING:
    from regista.engine.expressions import StepBuiltins

__all__ = ["Context"]


@dataclass(frozen=True)
class Context:
    """Inputs of a step besides the state and the command.

    `now` is the aware UTC time of the step, `new_id` a source of unique ids (element
    instances, jobs, timers, ...), `definitions` the deployed model holding the process,
    `decisions` the DMN models for business rule tasks, `trusted` allows Python scripts and
    expressions, `expression_language` is the language of scripts that name none, and
    `max_steps` stops a loop without wait states with an incident once a step has
    activated that many elements.
    """

    now: dt.datetime
    new_id: Callable[[], str]
    definitions: Definitions
    decisions: DecisionModels | None = None
    trusted: bool = False
    expression_language: str = "feel"
    max_steps: int = 10_000

    @cached_property
    def feel_builtins(self) -> StepBuiltins:
        """The FEEL built-ins of this step, `now()`/`today()` reading `now` (made once)."""
        from regista.engine.expressions import StepBuiltins

        return StepBuiltins(self.now)
