"""Errors a FEEL user can meet: a syntax error carries the line, column and a caret; an
invalid operation during evaluation becomes null and a warning."""

from __future__ import annotations


class FeelSyntaxError(ValueError):
    """The text is not valid FEEL. `str()` shows the offending line with a caret under it."""

    def __init__(self, message: str, expression: str, line: int, column: int) -> None:
        self.message = message
        self.expression = expression
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        lines = self.expression.split("\n")
        src = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        caret = " " * max(self.column - 1, 0) + "^"
        where = f"line {self.line}, column {self.column}"
        return f"FEEL syntax error at {where}: {self.message}\n  {src}\n  {caret}"


class FeelEvalError(Exception):
    """An invalid operation during evaluation; the evaluator turns it into null + warning."""


class FeelBudgetExceeded(Exception):
    """An evaluation took more steps (loop iterations, function calls) than its budget
    (`Budget`): the whole evaluation stops, it does not become null. Not a `FeelEvalError`,
    so that no handler of invalid operations swallows it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the evaluation took more than {limit} steps")
