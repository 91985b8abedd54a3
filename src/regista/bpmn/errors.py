"""The typed error raised for a BPMN file that cannot be read."""

from __future__ import annotations

from regista.model.bpmn import Problem


class BpmnParseError(ValueError):
    """A BPMN file could not be parsed: names the file, line and element, says how to fix.

    `problems` lists every problem found when several were collected before giving up.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        element_id: str | None = None,
        problems: tuple[Problem, ...] = (),
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.element_id = element_id
        self.problems = problems
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = self.file or "<bpmn>"
        if self.line is not None:
            where += f":{self.line}"
        element = f" (element '{self.element_id}')" if self.element_id else ""
        text = f"{where}{element}: {self.message}"
        if len(self.problems) > 1:
            text += "".join(f"\n  {p}" for p in self.problems)
        return text
