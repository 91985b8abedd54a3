"""Name scopes for FEEL evaluation: a chain of variable maps ending in the built-ins.

A scope also carries the list that collects warnings (invalid operations that evaluated to
null), shared by every scope of one evaluation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from regista.feel.builtins import builtins as all_builtins
from regista.feel.errors import FeelBudgetExceeded
from regista.feel.values import FeelFunction, to_feel


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@cache
def default_builtins() -> Mapping[str, FeelFunction]:
    """The built-in functions with `now()`/`today()` reading the system clock."""
    return all_builtins()


class Budget:
    """How many more evaluation steps one evaluation may take: each item of an `a..b`
    iteration domain, each iteration of `for`, `some`/`every` and a filter, and each call of
    a function defined in FEEL is a step; shared by every scope of it. Spending past zero raises
    `FeelBudgetExceeded`, so a runaway `for` cannot hold a caller (and its locks) for long."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        if self.left < 0:
            raise FeelBudgetExceeded(self.limit)


class Scope:
    """Variables visible at one place of an evaluation, with a parent scope."""

    __slots__ = ("budget", "builtins", "parent", "vars", "warnings")

    def __init__(
        self,
        variables: Mapping[str, Any] | None = None,
        parent: Scope | None = None,
        warnings: list[str] | None = None,
        builtins: Mapping[str, FeelFunction] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.vars: Mapping[str, Any] = variables if variables is not None else {}
        self.parent: Scope | None = parent
        if warnings is None:
            warnings = parent.warnings if parent is not None else []
        self.warnings: list[str] = warnings
        if builtins is None:
            builtins = parent.builtins if parent is not None else default_builtins()
        self.builtins: Mapping[str, FeelFunction] = builtins
        if budget is None and parent is not None:
            budget = parent.budget
        self.budget: Budget | None = budget

    @staticmethod
    def of(
        context: Mapping[str, Any] | Scope | None,
        warnings: list[str] | None = None,
    ) -> Scope:
        """A scope for `context` (Python or FEEL values); a Scope is used as it is, with
        `warnings` (if given) collecting this evaluation's warnings."""
        if isinstance(context, Scope):
            if warnings is None or warnings is context.warnings:
                return context
            return Scope({}, context, warnings)
        variables = {str(k): to_feel(v) for k, v in (context or {}).items()}
        return Scope(variables, None, warnings if warnings is not None else [])

    @staticmethod
    def with_clock(clock: Callable[[], dt.datetime]) -> Scope:
        """An empty root scope whose `now()` and `today()` read `clock`."""
        return Scope({}, None, [], all_builtins(clock))

    def child(self, variables: Mapping[str, Any]) -> Scope:
        return Scope(variables, self, self.warnings, self.builtins, self.budget)

    def lookup(self, name: str) -> Any:
        """The value bound to `name`, or MISSING."""
        s: Scope | None = self
        while s is not None:
            v = s.vars.get(name, MISSING)
            if v is not MISSING:
                return v
            s = s.parent
        return self.builtins.get(name, MISSING)

    def names(self) -> set[str]:
        """Every variable name visible here (not the built-ins)."""
        out: set[str] = set()
        s: Scope | None = self
        while s is not None:
            out.update(s.vars)
            s = s.parent
        return out

    def warn(self, message: str) -> None:
        self.warnings.append(message)
