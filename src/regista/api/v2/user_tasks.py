"""User tasks, as Camunda 8.8's Orchestration Cluster REST API has them: search, get, form,
assignment, unassignment, completion, update and the task's variables.

The caller sees and works only the tasks the tasklist's access rule gives them
(`api/tasklist.py`); that rule is checked inside the unit of work, on the task as it is
then. Completing validates the variables against the task's form (400, `invalidParams`
naming each field) and its four-eyes rule (403) before anything is applied; completing a
task someone else completed first is a 409 saying who and when, echoing the variables that
were not applied.
"""

from __future__ import annotations

import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response

from regista.api.context import Principal, require, services
from regista.api.problems import ApiError
from regista.api.tasklist import check_see, may_act, viewer_of
from regista.api.v2.common import iso, root_key
from regista.api.v2.search import cursor_bytes, encode_cursor
from regista.api.v2.user_task_models import (
    AssignmentRequest,
    CompletionRequest,
    FormResult,
    PageInfo,
    TaskContext,
    UpdateRequest,
    UserTaskResult,
    UserTaskSearchRequest,
    UserTaskSearchResult,
    VariableResult,
    VariableSearchRequest,
    VariableSearchResult,
    result_of,
)
from regista.forms import FormError
from regista.runtime.errors import DutiesConflict, InvalidVariables, NotFoundError, TaskConflict
from regista.runtime.shell import Shell
from regista.runtime.task_forms import task_form
from regista.runtime.user_tasks import TaskUpdate, plain_variables
from regista.store import Transaction, UserTask
from regista.store.tasklist import TaskSort, UserTaskQuery

__all__ = ["router"]

router = APIRouter(prefix="/v2/user-tasks", tags=["User task"])

Caller = Annotated[Principal, Depends(require("user", "operator"))]

SORTS: dict[str, TaskSort] = {
    "creationDate": "created_at",
    "completionDate": "completed_at",
    "dueDate": "due_at",
    "followUpDate": "follow_up_at",
    "priority": "priority",
    "name": "name",
}
STATES = {"CREATED": "open", "COMPLETED": "completed", "CANCELED": "cancelled"}
#: Camunda 8's states a task passes through while a command is processed (or fails in);
#: Regista's commands are atomic, so no task is ever found in one.
PASSING_STATES = ("CREATING", "ASSIGNING", "UPDATING", "COMPLETING", "CANCELING", "FAILED")
TEXT_FILTERS = {
    "userTaskKey": "task_id",
    "processInstanceKey": "instance_id",
    "elementId": "element_id",
    "elementInstanceKey": "element_instance_id",
    "assignee": "assignee",
    "candidateUser": "candidate_user",
    "candidateGroup": "candidate_group",
    "processDefinitionId": "process_id",
    "processDefinitionKey": "definition_id",
}


def _bad(name: str, reason: str) -> ApiError:
    return ApiError(
        400, f"{name}: {reason}", extra={"invalidParams": [{"name": name, "reason": reason}]}
    )


def _plain(name: str, value: Any) -> Any:
    """A filter's value: a plain value or `{"$eq": value}`."""
    if isinstance(value, Mapping):
        if set(value) != {"$eq"}:
            raise _bad(f"filter.{name}", 'only a value or {"$eq": value} is supported here')
        return value["$eq"]
    return value


def _states(wanted: Any) -> list[str]:
    """The store's statuses of Camunda's task states (`state` or `{"$in": [...]}`)."""
    if not isinstance(wanted, list) or not wanted:
        raise _bad("filter.state", '$in takes a list of states, e.g. ["CREATED", "COMPLETED"]')
    found: list[str] = []
    for value in wanted:
        if value not in STATES and value not in PASSING_STATES:
            raise _bad("filter.state", f"must be one of {', '.join(STATES)}")
        found.append(STATES.get(value, "none"))  # a passing state: no task stays in it
    return found


_TICK = dt.timedelta(microseconds=1)


def _due(value: Any) -> tuple[dt.datetime | None, dt.datetime | None]:
    """`filter.dueDate` (a date, or `{"$gt" | "$gte" | "$lt" | "$lte" | "$eq": date}`) as
    the half-open range [from, to) of due dates it keeps."""
    bounds = value if isinstance(value, Mapping) else {"$eq": value}
    low: dt.datetime | None = None
    high: dt.datetime | None = None
    for op, given in bounds.items():
        if op not in ("$eq", "$gt", "$gte", "$lt", "$lte"):
            raise _bad(
                "filter.dueDate", f"{op!r} is not supported; use $gt, $gte, $lt, $lte or $eq"
            )
        when = _date(given, f"filter.dueDate.{op}") if isinstance(given, str) else None
        if not when:
            raise _bad(f"filter.dueDate.{op}", "give a date-time, e.g. 2026-12-31T17:00:00Z")
        if op in ("$gt", "$gte", "$eq"):
            start = when + _TICK if op == "$gt" else when
            low = start if low is None else max(low, start)
        if op in ("$lt", "$lte", "$eq"):
            end = when if op == "$lt" else when + _TICK
            high = end if high is None else min(high, end)
    return low, high


def _query(body: UserTaskSearchRequest, principal: Principal) -> UserTaskQuery:
    given: dict[str, Any] = {}
    for name, value in body.filter.items():
        if name == "state" and isinstance(value, Mapping) and set(value) == {"$in"}:
            given["states"] = _states(value["$in"])
            continue
        if name == "assignee" and isinstance(value, Mapping) and set(value) == {"$exists"}:
            if not isinstance(value["$exists"], bool):
                raise _bad("filter.assignee.$exists", "must be true or false")
            given["unassigned"] = not value["$exists"]
            continue
        if name == "dueDate" and value is not None:
            given["due_from"], given["due_to"] = _due(value)
            continue
        value = _plain(name, value)
        if value is None:
            continue
        if name in TEXT_FILTERS:
            if not isinstance(value, str | int) or isinstance(value, bool):
                raise _bad(f"filter.{name}", "must be a text")
            given[TEXT_FILTERS[name]] = str(value)
        elif name == "state":
            given["states"] = _states([value])
        elif name == "priority":
            if not isinstance(value, int) or isinstance(value, bool):
                raise _bad("filter.priority", "must be an integer")
            given["priority"] = value
    sort = body.sort[0] if body.sort else None
    if sort is not None and sort.field not in SORTS:
        raise _bad("sort[0].field", f"cannot sort by {sort.field!r}; use one of {', '.join(SORTS)}")
    page = body.page
    if sum(x is not None for x in (page.from_, page.after, page.before)) > 1:
        raise _bad("page", "give one of from, after and before")
    descending = sort is not None and sort.order.upper() == "DESC"
    after = page.after or page.before
    return UserTaskQuery(
        **given,
        viewer=viewer_of(principal),
        sort=SORTS[sort.field] if sort else "created_at",
        descending=descending != (page.before is not None),  # before: walk back, then flip
        after=_cursor_id(after, "page.after" if page.after else "page.before") if after else None,
        offset=page.from_ or 0,
        limit=page.limit,
    )


def _cursor(task_id: str) -> str:
    return encode_cursor([task_id])


def _cursor_id(text: str, name: str) -> str:
    try:
        values = json.loads(cursor_bytes(text))
    except (binascii.Error, ValueError):
        values = None
    if not (isinstance(values, list) and len(values) == 1 and isinstance(values[0], str)):
        raise _bad(name, "not a cursor of this API: pass a startCursor or endCursor it gave")
    return values[0]


def _definitions(shell: Shell, tx: Transaction) -> Callable[[str], TaskContext | None]:
    """What tasks show of their instances, each instance read once."""
    cache: dict[str, TaskContext | None] = {}

    def of(instance_id: str) -> TaskContext | None:
        if instance_id not in cache:
            instance = tx.get_instance(instance_id)
            row = tx.get_definition(instance.definition_id) if instance else None
            if instance is None or row is None:
                cache[instance_id] = None
            else:
                process = shell.models.get(tx, row.id).definitions.processes.get(row.process_id)
                cache[instance_id] = TaskContext(
                    row.process_id,
                    row.id,
                    row.version,
                    process.name if process is not None else None,
                    root_key(tx, instance),
                    instance.business_key,
                )
        return cache[instance_id]

    return of


@router.post("/search", response_model=UserTaskSearchResult, summary="Search user tasks")
def search(body: UserTaskSearchRequest, request: Request, principal: Caller) -> Any:
    query = _query(body, principal)
    shell = services(request).client.shell
    with shell.store.transaction(write=False) as tx:
        found, total = tx.search_user_tasks(query)
        definition = _definitions(shell, tx)
        if body.page.before is not None:
            found.reverse()
        items = [result_of(t, definition(t.instance_id)) for t in found]
    page = PageInfo(
        totalItems=total,
        startCursor=_cursor(found[0].id) if found else None,
        endCursor=_cursor(found[-1].id) if found else None,
    )
    return UserTaskSearchResult(items=items, page=page)


def _task(tx: Transaction, key: str, principal: Principal) -> UserTask:
    task = tx.get_user_task(key)
    if task is None:
        raise NotFoundError(f"there is no user task {key!r}")
    check_see(principal, task)
    return task


@router.get("/{userTaskKey}", response_model=UserTaskResult, summary="Get a user task")
def get(userTaskKey: str, request: Request, principal: Caller) -> Any:
    shell = services(request).client.shell
    with shell.store.transaction(write=False) as tx:
        task = _task(tx, userTaskKey, principal)
        return result_of(task, _definitions(shell, tx)(task.instance_id))


@router.get(
    "/{userTaskKey}/form",
    response_model=FormResult,
    response_model_by_alias=True,
    summary="The form of a user task (204 when it has none)",
    responses={204: {"description": "The task has no form Regista can read"}},
)
def form(userTaskKey: str, request: Request, principal: Caller) -> Any:
    shell = services(request).client.shell
    with shell.store.transaction(write=False) as tx:
        task = _task(tx, userTaskKey, principal)
        instance = tx.get_instance(task.instance_id)
        if instance is None:  # pragma: no cover - rows of an instance go with it
            raise NotFoundError(f"there is no process instance {task.instance_id!r}")
        model = shell.models.get(tx, instance.definition_id)
        try:
            found = task_form(tx, model, task)
        except FormError as exc:
            raise _broken_form(exc) from exc
    if found is None:
        return Response(status_code=204)
    return FormResult(
        formKey=found.key or task.form_key,
        formId=found.form_id,
        schema=found.schema,
        version=found.version,
    )


def _broken_form(exc: FormError) -> ApiError:
    return ApiError(409, f"the task's form cannot be read ({exc}); fix the form and deploy it")


def _guard(
    principal: Principal, act: str, assignee: str | None = None, *, override: bool = True
) -> Callable[[UserTask], None]:
    return lambda task: may_act(principal, task, act, assignee, override=override)


def _conflict(exc: TaskConflict, extra: Mapping[str, Any] | None = None) -> ApiError:
    task = exc.task
    return ApiError(
        409,
        str(exc),
        extra={
            "userTaskKey": task.id,
            "state": {"open": "CREATED", "completed": "COMPLETED"}.get(task.status, "CANCELED"),
            "assignee": task.assignee,
            "completedBy": task.completed_by,
            "completedAt": iso(task.completed_at),
            **(extra or {}),
        },
    )


@router.post("/{userTaskKey}/assignment", status_code=204, summary="Assign a user task")
def assign(
    userTaskKey: str, body: AssignmentRequest, request: Request, principal: Caller
) -> Response:
    try:
        services(request).client.shell.assign_user_task(
            userTaskKey,
            body.assignee,
            actor=principal.username,
            allow_override=body.allowOverride is not False,
            action=body.action or "assign",
            guard=_guard(
                principal, "assign", body.assignee, override=body.allowOverride is not False
            ),
        )
    except TaskConflict as exc:
        raise _conflict(exc) from exc
    return Response(status_code=204)


@router.delete("/{userTaskKey}/assignee", status_code=204, summary="Unassign a user task")
def unassign(userTaskKey: str, request: Request, principal: Caller) -> Response:
    try:
        services(request).client.shell.assign_user_task(
            userTaskKey,
            None,
            actor=principal.username,
            action="unassign",
            guard=_guard(principal, "unassign"),
        )
    except TaskConflict as exc:
        raise _conflict(exc) from exc
    return Response(status_code=204)


@router.post("/{userTaskKey}/completion", status_code=204, summary="Complete a user task")
def complete(
    userTaskKey: str, body: CompletionRequest, request: Request, principal: Caller
) -> Response:
    variables = body.variables or {}
    try:
        services(request).client.shell.complete_user_task(
            userTaskKey,
            variables,
            by=principal.username,
            action=body.action or "complete",
            guard=_guard(principal, "complete"),
            strict=True,
        )
    except TaskConflict as exc:
        raise _conflict(exc, {"variablesNotApplied": variables}) from exc
    except InvalidVariables as exc:
        params = [{"name": f"variables.{p.name}", "reason": p.reason} for p in exc.problems]
        raise ApiError(400, str(exc), extra={"invalidParams": params}) from exc
    except DutiesConflict as exc:
        other = exc.other
        raise ApiError(
            403,
            str(exc),
            extra={
                "otherElementId": other.element_id,
                "otherUserTaskKey": other.id,
                "completedBy": other.completed_by,
                "completedAt": iso(other.completed_at),
            },
        ) from exc
    except FormError as exc:
        raise _broken_form(exc) from exc
    return Response(status_code=204)


def _date(value: str | None, name: str) -> dt.datetime | Literal[""] | None:
    if value is None:
        return None
    if value == "":
        return ""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise _bad(name, "must be a date and time with an offset, e.g. 2030-01-31T17:00:00Z")
    return parsed


@router.patch("/{userTaskKey}", status_code=204, summary="Update a user task")
def update(
    userTaskKey: str,
    body: UpdateRequest,
    request: Request,
    principal: Annotated[Principal, Depends(require("operator"))],
) -> Response:
    change = body.changeset
    if change is None:
        changes = TaskUpdate()
    else:
        changes = TaskUpdate(
            due_at=_date(change.dueDate, "changeset.dueDate"),
            follow_up_at=_date(change.followUpDate, "changeset.followUpDate"),
            candidate_users=change.candidateUsers,
            candidate_groups=change.candidateGroups,
            priority=change.priority,
        )
    try:
        services(request).client.shell.update_user_task(
            userTaskKey, changes, actor=principal.username, action=body.action or "update"
        )
    except TaskConflict as exc:
        raise _conflict(exc) from exc
    return Response(status_code=204)


@router.post(
    "/{userTaskKey}/variables/search",
    response_model=VariableSearchResult,
    summary="The variables of a user task (as they were when it was created)",
)
def variables(
    userTaskKey: str, body: VariableSearchRequest, request: Request, principal: Caller
) -> Any:
    with services(request).client.store.transaction(write=False) as tx:
        task = _task(tx, userTaskKey, principal)
    values = plain_variables(task)
    wanted = _plain("name", body.filter.get("name")) if "name" in body.filter else None
    names = sorted(n for n in values if wanted is None or n == wanted)
    start = body.page.from_ or 0
    items = [
        VariableResult(
            name=name,
            value=json.dumps(values[name], default=str),
            variableKey=f"{task.element_instance_id}:{name}",
            scopeKey=task.element_instance_id,
            processInstanceKey=task.instance_id,
        )
        for name in names[start : start + body.page.limit]
    ]
    return VariableSearchResult(items=items, page=PageInfo(totalItems=len(names)))
