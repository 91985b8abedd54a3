"""Errors of the durable runtime that users can meet: each says what to do."""

from __future__ import annotations

from collections.abc import Sequence

from regista.forms import FieldProblem
from regista.store import UserTask

__all__ = [
    "DuplicateMessage",
    "DutiesConflict",
    "InvalidVariables",
    "LimitExceeded",
    "NotFoundError",
    "RequestError",
    "TaskConflict",
]


class RequestError(ValueError):
    """A request the runtime cannot carry out (no such process, a command the instance
    refuses, bad variables, ...); the message says why and what is there instead."""


class NotFoundError(RequestError):
    """The instance, task, incident or process named does not exist."""


class DuplicateMessage(RequestError):
    """A message published again with the `message_id` of one that still lives."""


class TaskConflict(RequestError):
    """A user task is not in the state the request needs: completed or cancelled already, or
    assigned to someone else when reassigning is not allowed. `task` is the row as found."""

    def __init__(self, message: str, task: UserTask) -> None:
        super().__init__(message)
        self.task = task


class DutiesConflict(RequestError):
    """Separation of duties: the person completed `other` (an element id), which the task
    says its completer may not have done."""

    def __init__(self, message: str, other: UserTask) -> None:
        super().__init__(message)
        self.other = other


class InvalidVariables(RequestError):
    """The variables submitted do not fit the task's form; `problems` names each field."""

    def __init__(self, message: str, problems: Sequence[FieldProblem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class LimitExceeded(RequestError):
    """A request would take an instance past a configured limit (variable payload size,
    history events of one command); nothing of it is applied. `setting` names the limit."""

    def __init__(self, message: str, setting: str) -> None:
        super().__init__(message)
        self.setting = setting
