"""The user task search of the memory store, in the same order as the SQL stores'."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from regista.store.records import UserTask
from regista.store.tasklist import UserTaskQuery

__all__ = ["search"]


def _ts(task: UserTask, column: str) -> str:
    value = getattr(task, column)
    return "" if value is None else str(value.isoformat(timespec="microseconds"))


def sort_key(task: UserTask, sort: str) -> str:
    """The text the SQL stores order by for the column `sort`."""
    if sort == "priority":
        return f"{task.priority:03d}"
    if sort == "name":
        return task.name or ""
    if sort in ("due_at", "follow_up_at", "completed_at"):
        return _ts(task, sort)
    return _ts(task, "created_at")


def _due(t: UserTask, q: UserTaskQuery) -> bool:
    if q.due_from is None and q.due_to is None:
        return True
    if t.due_at is None:
        return False
    return (q.due_from is None or t.due_at >= q.due_from) and (
        q.due_to is None or t.due_at < q.due_to
    )


def _matches(t: UserTask, q: UserTaskQuery, processes: Mapping[str, tuple[str, str]]) -> bool:
    if q.viewer is not None:
        v = q.viewer
        offered = (
            t.assignee == v.user
            or v.user in t.candidate_users
            or any(g in t.candidate_groups for g in v.groups)
            or (t.assignee is None and not t.candidate_users and not t.candidate_groups)
        )
        if not offered:
            return False
    return (
        (not q.states or t.status in q.states)
        and q.task_id in (None, t.id)
        and q.instance_id in (None, t.instance_id)
        and q.element_id in (None, t.element_id)
        and q.element_instance_id in (None, t.element_instance_id)
        and (q.assignee is None or t.assignee == q.assignee)
        and (q.candidate_user is None or q.candidate_user in t.candidate_users)
        and (q.candidate_group is None or q.candidate_group in t.candidate_groups)
        and (q.priority is None or t.priority == q.priority)
        and (q.unassigned is None or (t.assignee is None) == q.unassigned)
        and _due(t, q)
        and (q.process_id is None or processes.get(t.instance_id, ("", ""))[0] == q.process_id)
        and (
            q.definition_id is None or processes.get(t.instance_id, ("", ""))[1] == q.definition_id
        )
    )


def search(
    tasks: Iterable[UserTask],
    by_id: dict[str, UserTask],
    q: UserTaskQuery,
    processes: Mapping[str, tuple[str, str]],
) -> tuple[list[UserTask], int]:
    """One page of the tasks matching `q` and the number of matches; `processes` gives
    each instance's (process id, definition id)."""
    found = sorted(
        (t for t in tasks if _matches(t, q, processes)),
        key=lambda t: (sort_key(t, q.sort), t.id),
        reverse=q.descending,
    )
    total = len(found)
    if q.after is not None:
        cursor = by_id.get(q.after)
        if cursor is None:
            return [], total
        mark = (sort_key(cursor, q.sort), cursor.id)
        found = [
            t
            for t in found
            if (
                (sort_key(t, q.sort), t.id) < mark
                if q.descending
                else (sort_key(t, q.sort), t.id) > mark
            )
        ]
    return found[q.offset : q.offset + q.limit], total
