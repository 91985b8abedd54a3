"""Who may see and work which user task (the tasklist's access rule, as Camunda Tasklist's
user task access restrictions).

An administrator or operator sees and acts on every task. Anyone else with the role `user`
sees a task assigned to them, offered to them (candidate user) or to one of their groups
(candidate group), or offered to nobody at all (no assignee, no candidates); they may claim
what they see and nobody holds, complete what they see unless it is assigned to someone
else, hand on (delegate) or give back (unclaim) only their own tasks, and change dates,
candidates and priorities of none.
"""

from __future__ import annotations

from regista.api.context import Principal
from regista.api.problems import ApiError
from regista.store import UserTask
from regista.store.tasklist import Viewer

__all__ = ["may_act", "may_see", "viewer_of"]

MANAGERS = ("operator",)


def viewer_of(principal: Principal) -> Viewer | None:
    """Whose tasks a search shows the caller: None for everyone's."""
    if principal.has(*MANAGERS):
        return None
    return Viewer(principal.username, tuple(sorted(principal.groups)))


def may_see(principal: Principal, task: UserTask) -> bool:
    """Whether the caller may see `task`."""
    if principal.has(*MANAGERS):
        return True
    me = principal.username
    return (
        task.assignee == me
        or me in task.candidate_users
        or any(group in principal.groups for group in task.candidate_groups)
        or (task.assignee is None and not task.candidate_users and not task.candidate_groups)
    )


def refuse(principal: Principal, task: UserTask, what: str) -> ApiError:
    return ApiError(
        403, f"the user {principal.username!r} may not {what} the user task {task.id!r}"
    )


def check_see(principal: Principal, task: UserTask) -> None:
    """A 403 unless the caller may see `task`."""
    if not may_see(principal, task):
        raise refuse(principal, task, "see")


def may_act(
    principal: Principal,
    task: UserTask,
    act: str,
    assignee: str | None = None,
    *,
    override: bool = True,
) -> None:
    """A 403 unless the caller may `act` ("assign", "unassign", "complete") on `task` (for
    "assign", to `assignee`; without `override`, a claim of a task someone else holds is
    left to the runtime's 409)."""
    if principal.has(*MANAGERS):
        return
    check_see(principal, task)
    me = principal.username
    if act == "assign" and task.assignee == me:
        return  # hand on (or keep) one's own task
    if act == "assign" and assignee == me and (task.assignee is None or not override):
        return  # claim what one sees and nobody holds
    if act == "unassign" and task.assignee == me:
        return
    if act == "complete" and task.assignee in (None, me):
        return
    if act == "complete":
        raise ApiError(
            403,
            f"the user task {task.id!r} is assigned to {task.assignee!r}; only they (or an "
            "operator) may complete it",
        )
    raise refuse(principal, task, act)
