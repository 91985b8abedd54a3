"""The filters and sorting of Camunda 7's task query (`GET /task` parameters, `POST /task`
body), and the search that answers them over the tasklist store.

What the store indexes (open tasks the caller may see, by instance, element, assignee,
candidate group, priority, with one sort) is paged in the database. Any other filter
(names and `…Like` patterns, dates, process definition or business key, candidate users,
assigned/unassigned, several sort keys) is applied in memory over the caller's matching
open tasks, read up to `CAP`; a query whose matches pass that (or an unpaged one that
would answer more) is refused with a 400 asking to narrow it, never answered in part. A
filter Regista does not know is a 400 too: ignoring it would answer tasks the caller did
not ask for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from regista.api.context import Principal
from regista.api.problems import ApiError
from regista.api.tasklist import viewer_of
from regista.store import Instance, Transaction, UserTask
from regista.store.tasklist import TaskSort, UserTaskQuery

__all__ = ["CAP", "TaskFilter", "read_filter", "search_tasks"]

#: The most matching tasks a query filtered in memory reads.
CAP = 10_000

#: Sort keys the store orders by, and those sorted in memory.
_STORE_SORTS: dict[str, TaskSort] = {
    "created": "created_at",
    "dueDate": "due_at",
    "followUpDate": "follow_up_at",
    "priority": "priority",
    "name": "name",
}
_MEMORY_SORTS: dict[str, Callable[[UserTask], Any]] = {
    "created": lambda t: t.created_at,
    "dueDate": lambda t: t.due_at,
    "followUpDate": lambda t: t.follow_up_at,
    "priority": lambda t: t.priority,
    "name": lambda t: t.name,
    "nameCaseInsensitive": lambda t: t.name.lower() if t.name else None,
    "id": lambda t: int(t.id) if t.id.isdigit() else t.id,
    "assignee": lambda t: t.assignee,
    "instanceId": lambda t: t.instance_id,
    "executionId": lambda t: t.element_instance_id,
}
_LISTS = (
    "taskIdIn",
    "processInstanceIdIn",
    "processDefinitionKeyIn",
    "taskDefinitionKeyIn",
    "assigneeIn",
    "assigneeNotIn",
    "candidateGroups",
    "tenantIdIn",
)
#: Query parameters that are not filters.
PAGING = ("firstResult", "maxResults")


class Sorting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sortBy: str
    sortOrder: str = "asc"


class TaskFilter(BaseModel):
    """Camunda 7's task query, the part Regista answers."""

    model_config = ConfigDict(extra="forbid")

    taskId: str | None = None
    taskIdIn: list[str] | None = None
    processInstanceId: str | None = None
    processInstanceIdIn: list[str] | None = None
    processInstanceBusinessKey: str | None = None
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    processDefinitionKeyIn: list[str] | None = None
    executionId: str | None = None
    taskDefinitionKey: str | None = None
    taskDefinitionKeyIn: list[str] | None = None
    name: str | None = None
    nameNotEqual: str | None = None
    nameLike: str | None = None
    nameNotLike: str | None = None
    assignee: str | None = None
    assigneeIn: list[str] | None = None
    assigneeNotIn: list[str] | None = None
    assigneeLike: str | None = None
    candidateUser: str | None = None
    candidateGroup: str | None = None
    candidateGroups: list[str] | None = None
    includeAssignedTasks: bool = False
    involvedUser: str | None = None
    assigned: bool = False
    unassigned: bool = False
    withCandidateGroups: bool = False
    withoutCandidateGroups: bool = False
    withCandidateUsers: bool = False
    withoutCandidateUsers: bool = False
    dueDate: dt.datetime | None = None
    dueBefore: dt.datetime | None = None
    dueAfter: dt.datetime | None = None
    withoutDueDate: bool = False
    followUpDate: dt.datetime | None = None
    followUpBefore: dt.datetime | None = None
    followUpAfter: dt.datetime | None = None
    followUpBeforeOrNotExistent: dt.datetime | None = None
    createdOn: dt.datetime | None = None
    createdBefore: dt.datetime | None = None
    createdAfter: dt.datetime | None = None
    priority: int | None = None
    minPriority: int | None = None
    maxPriority: int | None = None
    active: bool = False
    suspended: bool = False
    tenantIdIn: list[str] | None = None
    withoutTenantId: bool = False
    sortBy: str | None = None
    sortOrder: str | None = None
    sorting: list[Sorting] | None = Field(default=None, description="Sort keys, first first")

    @field_validator(
        "dueDate",
        "dueBefore",
        "dueAfter",
        "followUpDate",
        "followUpBefore",
        "followUpAfter",
        "followUpBeforeOrNotExistent",
        "createdOn",
        "createdBefore",
        "createdAfter",
        mode="before",
    )
    @classmethod
    def _date(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            when = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"{value!r} is not a date such as 2013-01-23T14:42:45.000+0200"
            ) from None
        return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def read_filter(raw: Mapping[str, Any], *, from_query: bool) -> TaskFilter:
    """The filter of a request (query parameters, lists comma separated, or a JSON body);
    a 400 naming each field that is unknown or malformed."""
    given = {k: v for k, v in raw.items() if k not in PAGING}
    if from_query:
        given = {k: (v.split(",") if k in _LISTS else v) for k, v in given.items()}
    try:
        found = TaskFilter.model_validate(given)
    except ValidationError as exc:
        params = []
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"])
            reason = (
                "is not a filter of the task query Regista answers"
                if error["type"] == "extra_forbidden"
                else str(error["msg"])
            )
            params.append({"name": name, "reason": reason})
        named = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        raise ApiError(
            400, f"the task query is invalid: {named}", extra={"invalidParams": params}
        ) from None
    for key in _sort_keys(found):
        if key.sortBy not in _MEMORY_SORTS:
            raise ApiError(
                400,
                f"sortBy: cannot sort tasks by {key.sortBy!r}; use one of "
                + ", ".join(_MEMORY_SORTS),
            )
        if key.sortOrder not in ("asc", "desc"):
            raise ApiError(400, f"sortOrder: {key.sortOrder!r} is neither asc nor desc")
    if (found.sortBy is None) != (found.sortOrder is None):
        raise ApiError(400, "sortBy and sortOrder go together: give both or neither")
    return found


def _sort_keys(f: TaskFilter) -> list[Sorting]:
    if f.sorting:
        return list(f.sorting)
    if f.sortBy is not None:
        return [Sorting(sortBy=f.sortBy, sortOrder=f.sortOrder or "asc")]
    return []


def _like(pattern: str) -> re.Pattern[str]:
    """SQL LIKE (`%` any text, `_` one character), without regard to case, as Camunda 7."""
    parts = ("." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, slots=True)
class _Plan:
    store: UserTaskQuery
    keep: Callable[[UserTask], bool] | None
    sorts: list[Sorting]


def _day(moment: dt.datetime | None, on: dt.datetime) -> bool:
    return moment is not None and moment.astimezone(dt.UTC).date() == on.astimezone(dt.UTC).date()


def _plan(
    f: TaskFilter, principal: Principal, instances: Callable[[str], Instance | None]
) -> _Plan | None:
    """How to answer `f`: the store's query and what is left to check in memory; None when
    no task can match (Regista has no tenants and never suspends a task)."""
    if f.suspended or f.tenantIdIn:
        return None
    checks: list[Callable[[UserTask], bool]] = []

    def check(test: Callable[[UserTask], bool]) -> None:
        checks.append(test)

    ids = set(f.taskIdIn or ())
    if ids:
        check(lambda t: t.id in ids)
    if f.taskId is not None:
        check(lambda t: t.id == f.taskId)
    if f.processInstanceIdIn:
        check(lambda t: t.instance_id in set(f.processInstanceIdIn or ()))
    if f.executionId is not None:
        check(lambda t: t.element_instance_id == f.executionId)
    if f.taskDefinitionKeyIn:
        check(lambda t: t.element_id in set(f.taskDefinitionKeyIn or ()))
    if f.processInstanceBusinessKey is not None or f.processDefinitionId is not None:

        def by_instance(t: UserTask) -> bool:
            row = instances(t.instance_id)
            return row is not None and (
                f.processInstanceBusinessKey in (None, row.business_key)
                and f.processDefinitionId in (None, row.definition_id)
            )

        check(by_instance)
    keys = set(f.processDefinitionKeyIn or ())
    if f.processDefinitionKey is not None:
        keys.add(f.processDefinitionKey)
    if keys:
        check(lambda t: (row := instances(t.instance_id)) is not None and row.process_id in keys)
    if f.name is not None:
        check(lambda t: t.name == f.name)
    if f.nameNotEqual is not None:
        check(lambda t: t.name != f.nameNotEqual)
    if f.nameLike is not None:
        name_like = _like(f.nameLike)
        check(lambda t: t.name is not None and name_like.fullmatch(t.name) is not None)
    if f.nameNotLike is not None:
        name_unlike = _like(f.nameNotLike)
        check(lambda t: t.name is None or name_unlike.fullmatch(t.name) is None)
    if f.assigneeIn:
        check(lambda t: t.assignee in set(f.assigneeIn or ()))
    if f.assigneeNotIn:
        check(lambda t: t.assignee not in set(f.assigneeNotIn or ()))
    if f.assigneeLike is not None:
        assignee_like = _like(f.assigneeLike)
        check(lambda t: t.assignee is not None and assignee_like.fullmatch(t.assignee) is not None)
    if f.assigned:
        check(lambda t: t.assignee is not None)
    if f.unassigned:
        check(lambda t: t.assignee is None)
    if f.candidateUser is not None:
        # offered to the user, or to a group of theirs (known for the caller only)
        groups = principal.groups if f.candidateUser == principal.username else frozenset()
        user = f.candidateUser
        check(lambda t: user in t.candidate_users or any(g in groups for g in t.candidate_groups))
    if f.candidateGroups:
        check(lambda t: any(g in t.candidate_groups for g in f.candidateGroups or ()))
    candidate_filter = (
        f.candidateUser is not None or f.candidateGroup is not None or bool(f.candidateGroups)
    )
    if candidate_filter and not f.includeAssignedTasks:
        check(lambda t: t.assignee is None)  # a claimed task is no longer a candidate's
    if f.involvedUser is not None:
        involved = f.involvedUser
        check(lambda t: t.assignee == involved or involved in t.candidate_users)
    if f.withCandidateGroups:
        check(lambda t: bool(t.candidate_groups))
    if f.withoutCandidateGroups:
        check(lambda t: not t.candidate_groups)
    if f.withCandidateUsers:
        check(lambda t: bool(t.candidate_users))
    if f.withoutCandidateUsers:
        check(lambda t: not t.candidate_users)
    if f.dueDate is not None:
        due = f.dueDate
        check(lambda t: _day(t.due_at, due))
    if f.dueBefore is not None:
        before = f.dueBefore
        check(lambda t: t.due_at is not None and t.due_at < before)
    if f.dueAfter is not None:
        after = f.dueAfter
        check(lambda t: t.due_at is not None and t.due_at > after)
    if f.withoutDueDate:
        check(lambda t: t.due_at is None)
    if f.followUpDate is not None:
        follow = f.followUpDate
        check(lambda t: _day(t.follow_up_at, follow))
    if f.followUpBefore is not None:
        fb = f.followUpBefore
        check(lambda t: t.follow_up_at is not None and t.follow_up_at < fb)
    if f.followUpAfter is not None:
        fa = f.followUpAfter
        check(lambda t: t.follow_up_at is not None and t.follow_up_at > fa)
    if f.followUpBeforeOrNotExistent is not None:
        fn = f.followUpBeforeOrNotExistent
        check(lambda t: t.follow_up_at is None or t.follow_up_at < fn)
    if f.createdOn is not None:
        created = f.createdOn
        check(lambda t: _day(t.created_at, created))
    if f.createdBefore is not None:
        cb = f.createdBefore
        check(lambda t: t.created_at < cb)
    if f.createdAfter is not None:
        ca = f.createdAfter
        check(lambda t: t.created_at > ca)
    if f.minPriority is not None:
        low = f.minPriority
        check(lambda t: t.priority >= low)
    if f.maxPriority is not None:
        high = f.maxPriority
        check(lambda t: t.priority <= high)
    sorts = _sort_keys(f)
    store = UserTaskQuery(
        states=["open"],
        instance_id=f.processInstanceId,
        element_id=f.taskDefinitionKey,
        assignee=f.assignee,
        candidate_group=f.candidateGroup,
        priority=f.priority,
        viewer=viewer_of(principal),
    )
    keep = None if not checks else (lambda t: all(test(t) for test in checks))
    return _Plan(store, keep, sorts)


def search_tasks(
    tx: Transaction,
    principal: Principal,
    f: TaskFilter,
    first: int,
    most: int | None,
) -> tuple[list[UserTask], int]:
    """One page (`first`, at most `most`) of the open tasks that match `f` and the caller
    may see, and how many match in all."""
    cache: dict[str, Instance | None] = {}

    def instance(instance_id: str) -> Instance | None:
        if instance_id not in cache:
            cache[instance_id] = tx.get_instance(instance_id)
        return cache[instance_id]

    plan = _plan(f, principal, instance)
    if plan is None:
        return [], 0
    sorts = plan.sorts
    if plan.keep is None and len(sorts) <= 1 and (not sorts or sorts[0].sortBy in _STORE_SORTS):
        query = plan.store
        if sorts:
            sort = _STORE_SORTS[sorts[0].sortBy]
            query = replace(query, sort=sort, descending=sorts[0].sortOrder == "desc")
        limit = CAP + 1 if most is None else most
        page, total = tx.search_user_tasks(replace(query, offset=first, limit=limit))
        if most is None and len(page) > CAP:
            raise _too_many("; page it with firstResult and maxResults")
        return page, total
    found, total = tx.search_user_tasks(replace(plan.store, limit=CAP + 1))
    if total > CAP:
        raise _too_many(" before its in-memory filters")
    if plan.keep is not None:
        found = [t for t in found if plan.keep(t)]
    for key in reversed(sorts):  # stable sorts: the first key decides last
        _ordered(found, key)
    end = None if most is None else first + most
    return found[first:end], len(found)


def _too_many(where: str) -> ApiError:
    """The refusal of a query that would be answered in part."""
    return ApiError(
        400,
        f"the task query matches more than {CAP} tasks{where}; narrow it with "
        "processInstanceId, taskDefinitionKey, assignee, candidateGroup or priority",
    )


def _ordered(tasks: list[UserTask], key: Sorting) -> None:
    """Sort `tasks` in place by one key, missing values first (as the store does)."""
    value = _MEMORY_SORTS[key.sortBy]
    tasks.sort(key=lambda t: (value(t) is not None, value(t)), reverse=key.sortOrder == "desc")
