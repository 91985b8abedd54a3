"""The error a DMN user can meet: a malformed or unsafe model, or an unknown decision."""

from __future__ import annotations


class DmnError(Exception):
    """A DMN model cannot be loaded or a request names nothing that exists.

    `file`, `line` and `element_id` say where; `str()` puts them in front of the message.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        element_id: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line or None
        self.element_id = element_id or None
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        if self.element_id is not None:
            where = f"{where} (element {self.element_id!r})" if where else repr(self.element_id)
        return f"{where}: {self.message}" if where else self.message


class UnknownDecision(DmnError):
    """A request names a decision (or decision service) no loaded model has."""
