"""The errors users can meet in process intelligence: each names the place and the fix."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["InsightError", "LogFormatError", "MappingError"]


class InsightError(Exception):
    """An analysis, export or import that cannot be done as asked; `field` names the
    option (scope or analysis parameter) at fault, when one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class LogFormatError(InsightError):
    """An event log file that does not parse: names the file, the line and the field."""

    def __init__(self, path: str, line: int | None, field: str | None, problem: str) -> None:
        self.path, self.line, self.problem = path, line, problem
        where = path if line is None else f"{path}, line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}", field=field)


class MappingError(InsightError):
    """A CSV column mapping that names columns the file does not have."""

    def __init__(self, path: str, missing: Sequence[tuple[str, str]], found: Sequence[str]):
        self.missing, self.found = list(missing), list(found)
        wanted = ", ".join(f"--{role} {column!r}" for role, column in missing)
        super().__init__(
            f"{path}: no column {wanted}; the columns found are: "
            + ", ".join(repr(c) for c in found)
            + ". Name them with --case, --activity, --timestamp, --resource, --lifecycle"
        )
