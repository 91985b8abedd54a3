"""What people do to user tasks, each inside one unit of work with its history event:
claim, assign, delegate, unclaim, update (dates, candidates, priority) and complete.

The instance is locked before the task row is read, so two requests on one task are
serialised and the second sees what the first did. A request may bring a `guard`: a check
of the task as found there (the API's "may this caller act on it"), which raises to refuse.
Completing checks the task's form (`runtime/task_forms.py`) and its four-eyes rule
(`bpmn/duties.py`) before anything is written; a refusal leaves everything as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from regista.bpmn.duties import four_eyes
from regista.engine import CompleteUserTask, SetVariables
from regista.engine.codec import decode_value
from regista.feel.values import to_feel, to_python
from regista.forms import validate_form
from regista.runtime.errors import (
    DutiesConflict,
    InvalidVariables,
    NotFoundError,
    RequestError,
    TaskConflict,
)
from regista.runtime.metrics import TASK
from regista.runtime.task_forms import node_of, task_form
from regista.runtime.unit_of_work import Loaded, UnitOfWork
from regista.store import Outcome, UserTask
from regista.store.tasklist import UserTaskChanges, UserTaskQuery

__all__ = [
    "Guard",
    "TaskUpdate",
    "assign",
    "complete",
    "describe",
    "plain_variables",
    "set_variables",
    "update",
]

#: A check of the task as the unit of work found it; raises to refuse the request.
Guard = Callable[[UserTask], None]

AssignKind = Literal["claimed", "assigned", "delegated", "unclaimed", "unchanged"]


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """What to change on an open task: None keeps a value; "" clears a date; an empty
    list clears the candidates."""

    due_at: dt.datetime | Literal[""] | None = None
    follow_up_at: dt.datetime | Literal[""] | None = None
    candidate_users: Sequence[str] | None = None
    candidate_groups: Sequence[str] | None = None
    priority: int | None = None


def plain_variables(task: UserTask) -> dict[str, Any]:
    """The variables the task was created with, as plain Python values."""
    plain: dict[str, Any] = to_python(decode_value(task.variables))
    return plain


def describe(task: UserTask) -> str:
    """Why a task that is not open cannot be worked any more."""
    when = task.completed_at.isoformat() if task.completed_at else "an unknown time"
    if task.status == "completed":
        who = repr(task.completed_by) if task.completed_by else "someone"
        return f"the user task {task.id!r} was already completed by {who} at {when}"
    return f"the user task {task.id!r} was cancelled by its process at {when}"


def _locked(uow: UnitOfWork, task_id: str, guard: Guard | None) -> tuple[Loaded, UserTask]:
    found = uow.tx.get_user_task(task_id)
    if found is None:
        raise NotFoundError(f"there is no user task {task_id!r}")
    loaded = uow.load(found.instance_id)
    task = uow.tx.get_user_task(task_id) or found  # as it is now that the instance is locked
    if guard is not None:
        guard(task)
    return loaded, task


def _open(uow: UnitOfWork, task_id: str, guard: Guard | None) -> tuple[Loaded, UserTask]:
    loaded, task = _locked(uow, task_id, guard)
    if task.status != "open":
        raise TaskConflict(describe(task), task)
    return loaded, task


def _record(
    uow: UnitOfWork, loaded: Loaded, task: UserTask, kind: str, command: str, **data: Any
) -> None:
    uow.record(
        loaded,
        kind,
        command=command,
        element_id=task.element_id,
        element_instance_id=task.element_instance_id,
        data={"task_id": task.id, **data},
    )


def assign(
    uow: UnitOfWork,
    task_id: str,
    assignee: str | None,
    *,
    allow_override: bool = True,
    action: str | None = None,
    guard: Guard | None = None,
) -> AssignKind:
    """Give the task to `assignee` (None: nobody). The history names what happened: the
    actor took it (claimed), handed on their own task (delegated), gave it to someone
    (assigned), or took the assignee away (unclaimed)."""
    loaded, task = _open(uow, task_id, guard)
    previous, actor = task.assignee, uow.actor
    if assignee == previous:
        return "unchanged"
    if assignee is not None and previous is not None and not allow_override:
        raise TaskConflict(
            f"the user task {task_id!r} is assigned to {previous!r}; unassign it first "
            "(or allow the override)",
            task,
        )
    kind: AssignKind
    if assignee is None:
        kind = "unclaimed"
    elif assignee == actor:
        kind = "claimed"
    elif previous is not None and previous == actor:
        kind = "delegated"
    else:
        kind = "assigned"
    if not uow.tx.assign_user_task(task_id, assignee):
        raise TaskConflict(f"the user task {task_id!r} is no longer open", task)
    details = {"assignee": assignee, "previous": previous, "action": action}
    _record(uow, loaded, task, f"user_task_{kind}", "AssignUserTask", **details)
    return kind


def update(
    uow: UnitOfWork,
    task_id: str,
    changes: TaskUpdate,
    *,
    action: str | None = None,
    guard: Guard | None = None,
) -> UserTask:
    """Change the dates, candidates or priority of an open task; returns it changed."""
    loaded, task = _open(uow, task_id, guard)
    if changes.priority is not None and not 0 <= changes.priority <= 100:
        raise RequestError(f"the priority must be from 0 to 100, not {changes.priority}")

    def date(new: dt.datetime | Literal[""] | None, old: dt.datetime | None) -> dt.datetime | None:
        return old if new is None else (None if new == "" else new)

    row = UserTaskChanges(
        due_at=date(changes.due_at, task.due_at),
        follow_up_at=date(changes.follow_up_at, task.follow_up_at),
        candidate_users=tuple(
            task.candidate_users if changes.candidate_users is None else changes.candidate_users
        ),
        candidate_groups=tuple(
            task.candidate_groups if changes.candidate_groups is None else changes.candidate_groups
        ),
        priority=task.priority if changes.priority is None else changes.priority,
    )
    uow.tx.update_user_task(task_id, row)
    changed = {
        name: value
        for name, value in (
            ("due_at", row.due_at),
            ("follow_up_at", row.follow_up_at),
            ("candidate_users", list(row.candidate_users)),
            ("candidate_groups", list(row.candidate_groups)),
            ("priority", row.priority),
        )
        if getattr(changes, name) is not None
    }
    _record(
        uow, loaded, task, "user_task_updated", "UpdateUserTask", changed=changed, action=action
    )
    return uow.tx.get_user_task(task_id) or task


def complete(
    uow: UnitOfWork,
    task_id: str,
    variables: Mapping[str, Any],
    *,
    by: str | None,
    action: str | None = None,
    guard: Guard | None = None,
    strict: bool = False,
) -> bool:
    """Complete the task as `by` with `variables` (plain JSON values). False when it was
    already completed, unless `strict`, when that is a `TaskConflict` naming who and when."""
    loaded, task = _locked(uow, task_id, guard)
    if task.status == "completed" and not strict:
        return False
    if task.status != "open":
        raise TaskConflict(describe(task), task)
    _check_form(uow, loaded, task, variables)
    _check_four_eyes(uow, loaded, task, by)
    outcome = uow.tx.complete_user_task(task_id, by=by, now=uow.now)
    if outcome is not Outcome.APPLIED:  # pragma: no cover - the instance lock rules it out
        raise TaskConflict(f"the user task {task_id!r} is no longer open", task)
    _record(uow, loaded, task, "user_task_completed", "CompleteUserTask", by=by, action=action)
    waited = (uow.now - task.created_at).total_seconds()
    uow.facts.append((TASK, loaded.state.process_id, task.element_id, waited))
    values = {str(k): to_feel(v) for k, v in variables.items()}
    uow.apply(loaded, CompleteUserTask(task_id, values))
    return True


def set_variables(
    uow: UnitOfWork, task_id: str, variables: Mapping[str, Any], *, guard: Guard | None = None
) -> None:
    """Set `variables` (plain JSON values) on the instance of the open task `task_id`, as
    one who works the task fills it in (Camunda 7's task variables)."""
    loaded, _task = _open(uow, task_id, guard)
    values = {str(k): to_feel(v) for k, v in variables.items()}
    uow.apply(loaded, SetVariables(values))


def _check_form(
    uow: UnitOfWork, loaded: Loaded, task: UserTask, variables: Mapping[str, Any]
) -> None:
    form = task_form(uow.tx, loaded.model, task)
    if form is None:
        return
    problems = validate_form(form.schema, variables, existing=plain_variables(task))
    if problems:
        listed = "; ".join(f"{p.name}: {p.reason}" for p in problems)
        raise InvalidVariables(
            f"the variables do not fit the form {form.form_id!r} of the user task "
            f"{task.id!r}, so nothing was applied: {listed}",
            problems,
        )


def _check_four_eyes(uow: UnitOfWork, loaded: Loaded, task: UserTask, by: str | None) -> None:
    node = node_of(loaded.model, task)
    if by is None or node is None:
        return  # nobody named: there is no one to compare
    for other in four_eyes(node):
        query = UserTaskQuery(
            states=["completed"], instance_id=task.instance_id, element_id=other, limit=1000
        )
        done, _ = uow.tx.search_user_tasks(query)
        for earlier in done:
            if earlier.completed_by == by:
                when = earlier.completed_at.isoformat() if earlier.completed_at else "?"
                raise DutiesConflict(
                    f"{by!r} completed the user task '{other}' of this instance at {when}; "
                    f"four eyes: someone else must complete '{task.element_id}'",
                    earlier,
                )
