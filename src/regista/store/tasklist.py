"""What the tasklist asks of the store: a search over user tasks and the changes a person
may make to an open one (`Transaction.search_user_tasks`, `Transaction.update_user_task`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from regista.store.records import UserTaskStatus

__all__ = ["TaskSort", "UserTaskChanges", "UserTaskQuery", "Viewer"]

#: The columns a search may sort by (then by id).
TaskSort = Literal["created_at", "priority", "due_at", "follow_up_at", "completed_at", "name"]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose tasklist: a task is theirs to see when it is assigned to `user`, offered to
    `user` or to one of `groups`, or offered to nobody at all."""

    user: str
    groups: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class UserTaskQuery:
    """Filters (None or empty: any), the order and one page of a user task search.

    `after` is the id of the last task of the previous page (keyset pagination, in the
    order asked); `offset` skips rows instead. Missing dates and names sort first.
    """

    states: Sequence[UserTaskStatus] = ()
    task_id: str | None = None
    instance_id: str | None = None
    element_id: str | None = None
    element_instance_id: str | None = None
    assignee: str | None = None
    candidate_user: str | None = None
    candidate_group: str | None = None
    priority: int | None = None
    #: True: only tasks nobody holds; False: only tasks someone holds
    unassigned: bool | None = None
    #: due dates in [due_from, due_to) (a task without one never matches a bound)
    due_from: datetime | None = None
    due_to: datetime | None = None
    #: tasks of instances of this process (BPMN process id) or definition
    process_id: str | None = None
    definition_id: str | None = None
    viewer: Viewer | None = None
    sort: TaskSort = "created_at"
    descending: bool = False
    after: str | None = None
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class UserTaskChanges:
    """The new values of what a person may change on an open task (all are written)."""

    due_at: datetime | None
    follow_up_at: datetime | None
    candidate_users: Sequence[str]
    candidate_groups: Sequence[str]
    priority: int
