"""Camunda 7's task API: query (`GET` / `POST /task`, `/task/count`), get, claim, unclaim,
assignee, delegate, complete, submit-form, the form, its deployed schema and variables,
and a task's variables.

The same rules as `/v2/user-tasks` (`api/tasklist.py`): the caller sees and acts on only
the tasks offered to them or their groups (operators on all), checked in the unit of work
on the task as it is then. Completing validates the variables against the task's form
(400 with `invalidParams` per field) and its four-eyes rule (403); completing a task
someone else completed first is a 400 `BadUserRequestException` naming who and when
(never a silent success), claiming one another user holds a 400
`TaskAlreadyClaimedException`.

Differences from Camunda 7 kept on purpose: only open tasks exist here (a completed task is
a 404 on `GET`); `owner` and `delegationState` stay null (a delegated task is handed on,
and there is no resolve); a task's variables are those it was created with, overlaid by
the instance's current ones, and setting one sets it on the instance.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from regista.api.context import Principal, require, services
from regista.api.engine_rest.common import Count, c7_date
from regista.api.engine_rest.task_filters import PAGING, read_filter, search_tasks
from regista.api.engine_rest.variables import read_value, read_variables, typed, typed_variables
from regista.api.problems import ApiError
from regista.api.tasklist import check_see, may_act
from regista.api.v2.common import json_value
from regista.forms import FormError
from regista.runtime import user_tasks
from regista.runtime.definitions import Model
from regista.runtime.errors import DutiesConflict, InvalidVariables, NotFoundError, TaskConflict
from regista.runtime.shell import Shell
from regista.runtime.task_forms import node_of, task_form
from regista.runtime.user_tasks import describe, plain_variables
from regista.store import Transaction, UserTask

__all__ = ["router"]

router = APIRouter(prefix="/task", tags=["Camunda 7: tasks"])

Caller = Annotated[Principal, Depends(require("user", "operator"))]
"""Working user tasks (as `/v2/user-tasks`)."""

_MISSING = {"description": "The task does not exist (any more)"}
_REFUSED = {"description": "The task cannot be worked so (claimed or completed already)"}


def _shell(request: Request) -> Shell:
    return services(request).client.shell


def _c7_error(status: int, kind: str, message: str, **extra: Any) -> JSONResponse:
    """A Camunda 7 error with a given exception type (and Regista's details beside it)."""
    return JSONResponse({"type": kind, "message": message, **extra}, status_code=status)


def _conflict(exc: TaskConflict, kind: str = "BadUserRequestException") -> JSONResponse:
    task = exc.task
    return _c7_error(
        400,
        kind,
        str(exc),
        taskId=task.id,
        assignee=task.assignee,
        completedBy=task.completed_by,
        completedAt=c7_date(task.completed_at),
    )


# -- the task as Camunda 7 shows it ----------------------------------------------------------


class _Describer:
    """Turns task rows into Camunda 7's Task JSON, reading each instance and model once."""

    def __init__(self, shell: Shell, tx: Transaction) -> None:
        self.shell = shell
        self.tx = tx
        self.models: dict[str, Model | None] = {}

    def model(self, instance_id: str) -> Model | None:
        if instance_id not in self.models:
            row = self.tx.get_instance(instance_id)
            self.models[instance_id] = (
                self.shell.models.get(self.tx, row.definition_id) if row is not None else None
            )
        return self.models[instance_id]

    def __call__(self, task: UserTask) -> dict[str, Any]:
        model = self.model(task.instance_id)
        node = node_of(model, task) if model is not None else None
        form_ref = None
        if node is not None and node.form_id:
            form_ref = {"key": node.form_id, "binding": "latest", "version": None}
        return {
            "id": task.id,
            "name": task.name,
            "assignee": task.assignee,
            "owner": None,
            "created": c7_date(task.created_at),
            "lastUpdated": None,
            "due": c7_date(task.due_at),
            "followUp": c7_date(task.follow_up_at),
            "delegationState": None,
            "description": node.documentation if node is not None else None,
            "executionId": task.element_instance_id,
            "parentTaskId": None,
            "priority": task.priority,
            "processDefinitionId": model.definition_id if model is not None else None,
            "processInstanceId": task.instance_id,
            "taskDefinitionKey": task.element_id,
            "caseExecutionId": None,
            "caseInstanceId": None,
            "caseDefinitionId": None,
            "suspended": False,
            "formKey": task.form_key,
            "camundaFormRef": form_ref,
            "tenantId": None,
        }


def _open_task(tx: Transaction, task_id: str, principal: Principal) -> UserTask:
    """The open task `task_id` the caller may see; else a 404 (or the 403 of `check_see`)."""
    task = tx.get_user_task(task_id)
    if task is None:
        raise ApiError(404, f"there is no task {task_id!r}")
    check_see(principal, task)
    if task.status != "open":
        raise ApiError(404, f"there is no open task {task_id!r}: {describe(task)}")
    return task


# -- queries ---------------------------------------------------------------------------------


def _paging(raw: Mapping[str, Any]) -> tuple[int, int | None]:
    def number(name: str) -> int | None:
        text = raw.get(name)
        if text is None:
            return None
        try:
            value = int(text)
        except (TypeError, ValueError):
            raise ApiError(400, f"{name}: must be a whole number, not {text!r}") from None
        if value < 0:
            raise ApiError(400, f"{name}: must not be negative")
        return value

    return number("firstResult") or 0, number("maxResults")


def _query(
    request: Request, principal: Principal, raw: Mapping[str, Any], *, from_query: bool
) -> tuple[list[dict[str, Any]], int]:
    found = read_filter(raw, from_query=from_query)
    first, most = _paging(request.query_params)
    shell = _shell(request)
    with shell.store.transaction(write=False) as tx:
        tasks, total = search_tasks(tx, principal, found, first, most)
        describe_task = _Describer(shell, tx)
        return [describe_task(t) for t in tasks], total


def _params(request: Request) -> dict[str, str]:
    return {name: request.query_params[name] for name in request.query_params}


@router.get("", summary="Query tasks (filters as query parameters)")
def list_tasks(request: Request, principal: Caller) -> list[dict[str, Any]]:
    return _query(request, principal, _params(request), from_query=True)[0]


@router.post("", summary="Query tasks (filters in the body)")
def query_tasks(
    request: Request, principal: Caller, body: Annotated[dict[str, Any] | None, Body()] = None
) -> list[dict[str, Any]]:
    return _query(request, principal, body or {}, from_query=False)[0]


@router.get("/count", response_model=Count, summary="Count tasks")
def count_tasks(request: Request, principal: Caller) -> Count:
    raw = {k: v for k, v in _params(request).items() if k not in PAGING}
    found = read_filter(raw, from_query=True)
    with _shell(request).store.transaction(write=False) as tx:
        return Count(count=search_tasks(tx, principal, found, 0, 0)[1])


@router.post("/count", response_model=Count, summary="Count tasks (filters in the body)")
def query_count(
    request: Request, principal: Caller, body: Annotated[dict[str, Any] | None, Body()] = None
) -> Count:
    found = read_filter(body or {}, from_query=False)
    with _shell(request).store.transaction(write=False) as tx:
        return Count(count=search_tasks(tx, principal, found, 0, 0)[1])


@router.get("/{id}", summary="Get a task", responses={404: _MISSING})
def get_task(id: str, request: Request, principal: Caller) -> dict[str, Any]:
    shell = _shell(request)
    with shell.store.transaction(write=False) as tx:
        return _Describer(shell, tx)(_open_task(tx, id, principal))


@router.get(
    "/{id}/identity-links",
    summary="Who a task is assigned and offered to",
    responses={404: _MISSING},
)
def identity_links(
    id: str, request: Request, principal: Caller, type: str | None = None
) -> list[dict[str, Any]]:
    with _shell(request).store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
    links = (
        [{"userId": task.assignee, "groupId": None, "type": "assignee"}] if task.assignee else []
    )
    links += [{"userId": u, "groupId": None, "type": "candidate"} for u in task.candidate_users]
    links += [{"userId": None, "groupId": g, "type": "candidate"} for g in task.candidate_groups]
    return [link for link in links if type is None or link["type"] == type]


# -- assignment ------------------------------------------------------------------------------


class UserIdRequest(BaseModel):
    userId: str | None = None


def _guard(
    principal: Principal, act: str, assignee: str | None = None, *, override: bool = True
) -> Callable[[UserTask], None]:
    return lambda task: may_act(principal, task, act, assignee, override=override)


def _assign(
    request: Request,
    principal: Principal,
    task_id: str,
    assignee: str | None,
    *,
    action: str,
    override: bool = True,
    refused: str = "BadUserRequestException",
) -> Response:
    act = "assign" if assignee is not None else "unassign"
    try:
        _shell(request).assign_user_task(
            task_id,
            assignee,
            actor=principal.username,
            allow_override=override,
            action=action,
            guard=_guard(principal, act, assignee, override=override),
        )
    except TaskConflict as exc:
        # a task someone holds is "already claimed"; one that ended is a plain refusal
        return _conflict(exc, refused if exc.task.status == "open" else "BadUserRequestException")
    return Response(status_code=204)


_ASSIGN_RESPONSES: dict[int | str, dict[str, Any]] = {400: _REFUSED, 404: _MISSING}


@router.post(
    "/{id}/claim",
    status_code=204,
    response_class=Response,
    summary="Claim a task (for userId)",
    responses=_ASSIGN_RESPONSES,
)
def claim(id: str, body: UserIdRequest, request: Request, principal: Caller) -> Response:
    if not body.userId:
        raise ApiError(400, "userId: name the user who claims the task")
    return _assign(
        request,
        principal,
        id,
        body.userId,
        action="claim",
        override=False,
        refused="TaskAlreadyClaimedException",
    )


@router.post(
    "/{id}/unclaim",
    status_code=204,
    response_class=Response,
    summary="Unclaim a task",
    responses=_ASSIGN_RESPONSES,
)
def unclaim(id: str, request: Request, principal: Caller) -> Response:
    return _assign(request, principal, id, None, action="unclaim")


@router.post(
    "/{id}/assignee",
    status_code=204,
    response_class=Response,
    summary="Set a task's assignee (null: nobody)",
    responses=_ASSIGN_RESPONSES,
)
def set_assignee(id: str, body: UserIdRequest, request: Request, principal: Caller) -> Response:
    return _assign(request, principal, id, body.userId or None, action="assign")


@router.post(
    "/{id}/delegate",
    status_code=204,
    response_class=Response,
    summary="Delegate a task to userId",
    responses=_ASSIGN_RESPONSES,
)
def delegate(id: str, body: UserIdRequest, request: Request, principal: Caller) -> Response:
    if not body.userId:
        raise ApiError(400, "userId: name the user the task is delegated to")
    return _assign(request, principal, id, body.userId, action="delegate")


# -- completion ------------------------------------------------------------------------------


class CompleteRequest(BaseModel):
    variables: dict[str, Any] | None = None
    withVariablesInReturn: bool = False


def _complete(request: Request, principal: Principal, task_id: str, body: CompleteRequest) -> Any:
    variables = read_variables(body.variables)
    shell = _shell(request)
    with shell.store.transaction(write=False) as tx:
        found = tx.get_user_task(task_id)
    if found is None:
        raise NotFoundError(f"there is no task {task_id!r}")
    try:
        shell.complete_user_task(
            task_id,
            variables,
            by=principal.username,
            action="complete",
            guard=_guard(principal, "complete"),
            strict=True,
        )
    except TaskConflict as exc:
        return _conflict(exc)
    except InvalidVariables as exc:
        params = [{"name": f"variables.{p.name}", "reason": p.reason} for p in exc.problems]
        raise ApiError(400, str(exc), extra={"invalidParams": params}) from exc
    except DutiesConflict as exc:
        raise ApiError(403, str(exc)) from exc
    except FormError as exc:
        raise ApiError(
            400, f"the task's form cannot be read ({exc}); fix the form and deploy it"
        ) from exc
    if not body.withVariablesInReturn:
        return Response(status_code=204)
    values = json_value(services(request).client.instance(found.instance_id).variables)
    return JSONResponse(typed_variables(values))


_COMPLETE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The instance's variables (withVariablesInReturn)"},
    400: {"description": "Completed already, or the variables do not fit the form"},
    403: {"description": "The caller may not complete it (assigned to another, four eyes)"},
    404: _MISSING,
}


@router.post(
    "/{id}/complete",
    status_code=204,
    summary="Complete a task",
    responses=_COMPLETE_RESPONSES,
    response_model=None,
)
def complete(
    id: str, request: Request, principal: Caller, body: CompleteRequest | None = None
) -> Any:
    return _complete(request, principal, id, body or CompleteRequest())


@router.post(
    "/{id}/submit-form",
    status_code=204,
    summary="Submit a task's form (validated) and complete it",
    responses=_COMPLETE_RESPONSES,
    response_model=None,
)
def submit_form(
    id: str, request: Request, principal: Caller, body: CompleteRequest | None = None
) -> Any:
    return _complete(request, principal, id, body or CompleteRequest())


# -- forms and variables ---------------------------------------------------------------------


def _visible(request: Request, task: UserTask) -> dict[str, Any]:
    """The task's variables: those it was created with, overlaid by the instance's own."""
    values = dict(plain_variables(task))
    current = services(request).client.instance(task.instance_id).variables
    values.update(current)
    found: dict[str, Any] = json_value(values)
    return found


@router.get("/{id}/form", summary="A task's form key", responses={404: _MISSING})
def form(id: str, request: Request, principal: Caller) -> dict[str, Any]:
    shell = _shell(request)
    with shell.store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
        described = _Describer(shell, tx)(task)
    return {
        "key": described["formKey"],
        "contextPath": None,
        "camundaFormRef": described["camundaFormRef"],
    }


@router.get(
    "/{id}/deployed-form",
    summary="The Camunda Form (or JSON Schema) of a task",
    responses={404: _MISSING},
)
def deployed_form(id: str, request: Request, principal: Caller) -> dict[str, Any]:
    shell = _shell(request)
    with shell.store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
        model = _Describer(shell, tx).model(task.instance_id)
        try:
            found = task_form(tx, model, task) if model is not None else None
        except FormError as exc:
            raise ApiError(400, f"the task's form cannot be read ({exc})") from exc
    if found is None:
        raise ApiError(404, f"the task {id!r} has no form Regista can read (formKey or formRef)")
    return found.schema


@router.get("/{id}/form-variables", summary="The variables a task's form shows")
def form_variables(
    id: str, request: Request, principal: Caller, variableNames: str | None = None
) -> dict[str, dict[str, Any]]:
    with _shell(request).store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
    values = _visible(request, task)
    if variableNames:
        wanted = {n.strip() for n in variableNames.split(",")}
        values = {k: v for k, v in values.items() if k in wanted}
    return typed_variables(values)


@router.get("/{id}/variables", summary="A task's variables")
def variables(id: str, request: Request, principal: Caller) -> dict[str, dict[str, Any]]:
    with _shell(request).store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
    return typed_variables(_visible(request, task))


@router.get("/{id}/variables/{name}", summary="One variable of a task", responses={404: _MISSING})
def variable(id: str, name: str, request: Request, principal: Caller) -> dict[str, Any]:
    with _shell(request).store.transaction(write=False) as tx:
        task = _open_task(tx, id, principal)
    values = _visible(request, task)
    if name not in values:
        raise ApiError(404, f"the task {id!r} has no variable {name!r}")
    return typed(values[name])


def _set(request: Request, principal: Principal, task_id: str, values: dict[str, Any]) -> None:
    # who may complete the task may fill it in; checked on the task as the unit of work
    # finds it
    guard = _guard(principal, "complete")
    try:
        _shell(request).transact(
            lambda uow: user_tasks.set_variables(uow, task_id, values, guard=guard),
            actor=principal.username,
        )
    except TaskConflict as exc:
        raise ApiError(404, f"there is no open task {task_id!r}: {exc}") from exc


@router.put(
    "/{id}/variables/{name}",
    status_code=204,
    response_class=Response,
    summary="Set a variable (on the task's instance)",
)
def put_variable(
    id: str,
    name: str,
    request: Request,
    principal: Caller,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    _set(request, principal, id, {name: read_value(name, body)})
    return Response(status_code=204)


class Modifications(BaseModel):
    modifications: dict[str, Any] | None = None
    deletions: list[str] | None = None


@router.post(
    "/{id}/variables",
    status_code=204,
    response_class=Response,
    summary="Set several variables (on the task's instance)",
)
def modify_variables(id: str, body: Modifications, request: Request, principal: Caller) -> Response:
    if body.deletions:
        raise ApiError(
            400,
            "deletions: Regista does not delete variables; set them to null instead",
            extra={"invalidParams": [{"name": "deletions", "reason": "not supported"}]},
        )
    values = read_variables(body.modifications, "modifications")
    if values:
        _set(request, principal, id, values)
    return Response(status_code=204)
