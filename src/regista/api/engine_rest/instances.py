"""Camunda 7's process instances: the list and count (`GET` with query parameters, `POST`
with a query body) with variable conditions (`variables=name_eq_value,amount_gt_3`), one
instance, deleting (cancelling) it, its variables and its activity instance tree.

Camunda 7's runtime API shows running instances only; an ended one is a 404 here (its
history is under `/v2`). Regista does not suspend instances: `suspended=true` matches none.
A list filtered by business key reads the instances of that key; one filtered only by
process, definition, incident or variable conditions the store compares as Camunda 7 does
is paged by the store (conditions on variables through its variable rows); the others read
the candidates the store selects and check each one's state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from regista.api.engine_rest.common import Count, Operator, Page, Paging, Reader, check_sort, page
from regista.api.engine_rest.shapes import (
    ProcessInstanceDto,
    instance_dto,
    like,
    running_row,
)
from regista.api.engine_rest.variables import read_value, read_variables, typed, typed_variables
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.client import Client
from regista.engine.state import InstanceState
from regista.runtime.views import instance_info
from regista.store import Instance, InstanceQuery, Transaction
from regista.store import VariableCondition as StoreCondition

__all__ = ["read_conditions", "router"]

router = APIRouter(tags=["Camunda 7: process instances"])

_RUNNING = ("active", "incident")
_OPERATORS = ("eq", "neq", "gt", "gteq", "lt", "lteq", "like")
_BATCH = 500


class VariableCondition(BaseModel):
    """`{"name": …, "operator": "eq", "value": …}`; a GET's `name_eq_value` reads as one."""

    name: str
    operator: Literal["eq", "neq", "gt", "gteq", "lt", "lteq", "like"]
    value: Any = None


class Sorting(BaseModel):
    sortBy: Literal["instanceId", "definitionKey", "definitionId", "tenantId", "businessKey"]
    sortOrder: Literal["asc", "desc"] = "asc"


class InstanceQueryDto(BaseModel):
    """The filters Regista honours of Camunda 7's process instance query."""

    model_config = ConfigDict(extra="forbid")

    processInstanceIds: list[str] | None = None
    businessKey: str | None = None
    businessKeyLike: str | None = None
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    processDefinitionKeyIn: list[str] | None = None
    processDefinitionKeyNotIn: list[str] | None = None
    active: bool | None = None
    suspended: bool | None = None
    withIncident: bool | None = None
    variables: list[VariableCondition] = Field(default_factory=list)
    variableNamesIgnoreCase: bool = False
    variableValuesIgnoreCase: bool = False
    sorting: list[Sorting] = Field(default_factory=list)


_CONDITION = re.compile(r"^(.+?)_(eq|neq|gteq|gt|lteq|lt|like)_(.*)$", re.DOTALL)


def _scalar(text: str) -> Any:
    """A GET condition's value: a number or boolean when it spells one, else the text."""
    if text in ("true", "false"):
        return text == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def read_conditions(raw: str | None) -> list[VariableCondition]:
    """The conditions of a GET's `variables` (`name_op_value`, comma separated)."""
    if not raw:
        return []
    found: list[VariableCondition] = []
    for item in raw.split(","):
        match = _CONDITION.match(item)
        if match is None:
            raise ApiError(
                400,
                f"variables: {item!r} is not a condition such as amount_gt_3 (name, operator "
                f"{', '.join(_OPERATORS)}, value, joined by underscores)",
                extra={"invalidParams": [{"name": "variables", "reason": "not a condition"}]},
            )
        name, operator, text = match.groups()
        found.append(
            VariableCondition.model_validate(
                {"name": name, "operator": operator, "value": _scalar(text)}
            )
        )
    return found


def _listed(text: str | None) -> list[str] | None:
    return None if text is None else [t for t in text.split(",") if t]


def _equal(found: Any, wanted: Any) -> bool:
    if isinstance(found, str) and not isinstance(wanted, str):
        # a GET's value is read as a number or boolean when it spells one; a text
        # variable holding that spelling still equals it
        text = ("true" if wanted else "false") if isinstance(wanted, bool) else str(wanted)
        return found == text
    if isinstance(found, bool) or isinstance(wanted, bool):
        return isinstance(found, bool) and isinstance(wanted, bool) and found == wanted
    return bool(found == wanted)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare(found: Any, condition: VariableCondition, ignore_case: bool) -> bool:
    """Whether a variable's value meets a condition (ordering compares numbers with
    numbers and texts with texts; anything else does not match)."""
    wanted = condition.value
    if ignore_case and isinstance(found, str) and isinstance(wanted, str):
        found, wanted = found.lower(), wanted.lower()
    op = condition.operator
    if op == "like":
        return isinstance(found, str) and like(str(wanted)).fullmatch(found) is not None
    if op in ("eq", "neq"):
        return _equal(found, wanted) == (op == "eq")
    if not (
        (_number(found) and _number(wanted)) or (isinstance(found, str) and isinstance(wanted, str))
    ):
        return False
    if op == "gt":
        return bool(found > wanted)
    if op == "gteq":
        return bool(found >= wanted)
    if op == "lt":
        return bool(found < wanted)
    return bool(found <= wanted)


def _variables_match(row: Instance, query: InstanceQueryDto) -> bool:
    variables = instance_info(row, []).variables
    if query.variableNamesIgnoreCase:
        variables = {name.lower(): value for name, value in variables.items()}
    for condition in query.variables:
        name = condition.name.lower() if query.variableNamesIgnoreCase else condition.name
        if name not in variables:
            return False
        if not _compare(variables[name], condition, query.variableValuesIgnoreCase):
            return False
    return True


def _statuses(query: InstanceQueryDto) -> tuple[str, ...]:
    if query.suspended or query.active is False:
        return ()
    if query.withIncident:
        return ("incident",)
    return _RUNNING


def _pushed(query: InstanceQueryDto) -> tuple[StoreCondition, ...]:
    """The variable conditions the store compares exactly as `_compare` does: orderings of
    numbers or texts, and equality with a text (a number or boolean read from a GET also
    equals a text variable that spells it, which only the state check sees). None when
    names or values are compared without regard to case."""
    if query.variableNamesIgnoreCase or query.variableValuesIgnoreCase:
        return ()
    found: list[StoreCondition] = []
    for c in query.variables:
        text = isinstance(c.value, str)
        if c.operator in ("eq", "neq", "like") and not text:
            continue
        if c.operator not in ("eq", "neq", "like") and not (text or _number(c.value)):
            continue
        try:
            found.append(StoreCondition(c.name, c.operator, c.value))
        except ValueError:
            continue  # a number beyond a double: left to the state check
    return tuple(found)


def _exact(query: InstanceQueryDto) -> bool:
    """Whether the store's variable conditions are the whole of the query's (a `like` is
    left to the state check: SQLite's LIKE ignores the case of ASCII letters)."""
    pushed = _pushed(query)
    return len(pushed) == len(query.variables) and all(c.operator != "like" for c in pushed)


def _store_query(query: InstanceQueryDto, statuses: tuple[str, ...]) -> InstanceQuery:
    return InstanceQuery(
        process_id=query.processDefinitionKey,
        definition_id=query.processDefinitionId,
        statuses=statuses,
        variables=_pushed(query),
        order="key",
    )


def _candidates(tx: Transaction, query: InstanceQueryDto) -> Iterator[Instance]:
    """The running instances the store can select by the query's indexed filters."""
    statuses = _statuses(query)
    if not statuses:
        return
    if query.processInstanceIds is not None:
        for instance_id in dict.fromkeys(query.processInstanceIds):
            row = tx.get_instance(instance_id)
            if row is not None and row.status in statuses:
                yield row
        return
    if query.businessKey is not None:
        rows = tx.list_instances(business_key=query.businessKey, limit=2**31 - 1)
        yield from sorted((r for r in rows if r.status in statuses), key=lambda r: r.id)
        return
    base = _store_query(query, statuses)
    after: str | None = None
    while True:
        rows = tx.page_instances(
            InstanceQuery(**{**_fields(base), "after_id": after, "limit": _BATCH})
        )
        yield from rows
        if len(rows) < _BATCH:
            return
        after = rows[-1].id


def _fields(query: InstanceQuery) -> dict[str, Any]:
    return {name: getattr(query, name) for name in query.__slots__}


def _keeper(query: InstanceQueryDto) -> Callable[[Instance], bool]:
    """Whether a candidate row meets every filter of `query`."""
    key_like = None if query.businessKeyLike is None else like(query.businessKeyLike)

    def keeps(row: Instance) -> bool:
        return (
            (query.businessKey is None or row.business_key == query.businessKey)
            and (key_like is None or key_like.fullmatch(row.business_key or "") is not None)
            and (
                query.processDefinitionId is None or row.definition_id == query.processDefinitionId
            )
            and (query.processDefinitionKey is None or row.process_id == query.processDefinitionKey)
            and (
                query.processDefinitionKeyIn is None
                or row.process_id in query.processDefinitionKeyIn
            )
            and (
                query.processDefinitionKeyNotIn is None
                or row.process_id not in query.processDefinitionKeyNotIn
            )
            and (not query.variables or _variables_match(row, query))
        )

    return keeps


_SORT: dict[str, Callable[[Instance], Any]] = {
    "instanceId": lambda r: r.id,
    "definitionKey": lambda r: r.process_id,
    "definitionId": lambda r: r.definition_id,
    "tenantId": lambda r: "",
    "businessKey": lambda r: r.business_key or "",
}


def _simple(query: InstanceQueryDto) -> bool:
    """Whether the store alone answers the query (paged and counted by its index)."""
    return (
        query.processInstanceIds is None
        and query.businessKey is None
        and query.businessKeyLike is None
        and query.processDefinitionKeyIn is None
        and query.processDefinitionKeyNotIn is None
        and _exact(query)
        and all(s.sortBy == "instanceId" and s.sortOrder == "asc" for s in query.sorting)
    )


def _select(
    client: Client, query: InstanceQueryDto, paging: Paging | None
) -> tuple[list[Instance], int]:
    """The page of matching instances (all when `paging` is None) and how many match."""
    with client.store.transaction(write=False) as tx:
        statuses = _statuses(query)
        if _simple(query) and statuses:
            base = _store_query(query, statuses)
            total = tx.count_instances(base, cap=2**31 - 1)
            if paging is None:
                return [], total
            limit = paging.max_results if paging.max_results is not None else 2**31 - 1
            rows = tx.page_instances(
                InstanceQuery(
                    **{
                        **_fields(base),
                        "offset": paging.first_result,
                        "limit": min(limit, 2**31 - 1),
                    }
                )
            )
            return rows, total
        keeps = _keeper(query)
        found = [row for row in _candidates(tx, query) if keeps(row)]
    for sorting in reversed(query.sorting):
        found.sort(key=_SORT[sorting.sortBy], reverse=sorting.sortOrder == "desc")
    return (page(found, paging) if paging is not None else []), len(found)


def _from_params(
    processInstanceIds: str | None,
    businessKey: str | None,
    businessKeyLike: str | None,
    processDefinitionId: str | None,
    processDefinitionKey: str | None,
    processDefinitionKeyIn: str | None,
    processDefinitionKeyNotIn: str | None,
    active: bool | None,
    suspended: bool | None,
    withIncident: bool | None,
    variables: str | None,
    variableNamesIgnoreCase: bool | None,
    variableValuesIgnoreCase: bool | None,
    sortBy: str | None,
    sortOrder: str | None,
) -> InstanceQueryDto:
    check_sort(sortBy, _SORT)
    if sortOrder is not None and sortBy is None:
        raise ApiError(
            400,
            "sortOrder needs sortBy",
            extra={"invalidParams": [{"name": "sortOrder", "reason": "without sortBy"}]},
        )
    return InstanceQueryDto(
        processInstanceIds=_listed(processInstanceIds),
        businessKey=businessKey,
        businessKeyLike=businessKeyLike,
        processDefinitionId=processDefinitionId,
        processDefinitionKey=processDefinitionKey,
        processDefinitionKeyIn=_listed(processDefinitionKeyIn),
        processDefinitionKeyNotIn=_listed(processDefinitionKeyNotIn),
        active=active,
        suspended=suspended,
        withIncident=withIncident,
        variables=read_conditions(variables),
        variableNamesIgnoreCase=bool(variableNamesIgnoreCase),
        variableValuesIgnoreCase=bool(variableValuesIgnoreCase),
        sorting=[Sorting.model_validate({"sortBy": sortBy, "sortOrder": sortOrder or "asc"})]
        if sortBy
        else [],
    )


class InstanceParams(BaseModel):
    """The query parameters of `GET /process-instance` (lists are comma-separated)."""

    processInstanceIds: str | None = None
    businessKey: str | None = None
    businessKeyLike: str | None = None
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    processDefinitionKeyIn: str | None = None
    processDefinitionKeyNotIn: str | None = None
    active: bool | None = None
    suspended: bool | None = None
    withIncident: bool | None = None
    variables: str | None = Field(default=None, description="name_eq_value,name2_gt_3")
    variableNamesIgnoreCase: bool | None = None
    variableValuesIgnoreCase: bool | None = None
    sortBy: str | None = None
    sortOrder: Literal["asc", "desc"] | None = None


Params = Annotated[InstanceParams, Query()]


def _query_of(params: InstanceParams) -> InstanceQueryDto:
    return _from_params(**params.model_dump())


@router.get(
    "/process-instance", response_model=list[ProcessInstanceDto], summary="List process instances"
)
def list_instances(
    request: Request, principal: Reader, paging: Page, params: Params
) -> list[ProcessInstanceDto]:
    rows, _total = _select(client_of(request), _query_of(params), paging)
    return [instance_dto(request, row) for row in rows]


@router.get("/process-instance/count", response_model=Count, summary="Count process instances")
def count_instances(request: Request, principal: Reader, params: Params) -> Count:
    _rows, total = _select(client_of(request), _query_of(params), None)
    return Count(count=total)


@router.post(
    "/process-instance",
    response_model=list[ProcessInstanceDto],
    summary="Query process instances (the filters in the body)",
)
def query_instances(
    request: Request, principal: Reader, paging: Page, body: InstanceQueryDto | None = None
) -> list[ProcessInstanceDto]:
    rows, _total = _select(client_of(request), body or InstanceQueryDto(), paging)
    return [instance_dto(request, row) for row in rows]


@router.post(
    "/process-instance/count",
    response_model=Count,
    summary="Count process instances (the filters in the body)",
)
def count_query(request: Request, principal: Reader, body: InstanceQueryDto | None = None) -> Count:
    _rows, total = _select(client_of(request), body or InstanceQueryDto(), None)
    return Count(count=total)


@router.get(
    "/process-instance/{id}", response_model=ProcessInstanceDto, summary="Get a process instance"
)
def get_instance(request: Request, id: str, principal: Reader) -> ProcessInstanceDto:
    return instance_dto(request, running_row(request, id))


@router.delete(
    "/process-instance/{id}",
    status_code=204,
    response_class=Response,
    summary="Delete (cancel) a running process instance",
)
def delete_instance(
    request: Request,
    id: str,
    principal: Operator,
    failIfNotExists: bool = True,
    skipCustomListeners: bool = False,
    skipIoMappings: bool = False,
    skipSubprocesses: bool = False,
    deleteReason: str | None = None,
) -> Response:
    try:
        running_row(request, id)
    except ApiError:
        if failIfNotExists:
            raise
        return Response(status_code=204)
    client_of(request).shell.cancel(
        id, deleteReason or "deleted over Camunda 7's REST API", actor=principal.username
    )
    return Response(status_code=204)


# -- variables ------------------------------------------------------------------------------


def _variables(request: Request, instance_id: str) -> dict[str, Any]:
    return instance_info(running_row(request, instance_id), []).variables


@router.get(
    "/process-instance/{id}/variables",
    summary="The variables of a process instance (typed)",
)
def get_variables(
    request: Request,
    id: str,
    principal: Reader,
    deserializeValues: bool = True,
) -> dict[str, dict[str, Any]]:
    return typed_variables(_variables(request, id))


@router.get(
    "/process-instance/{id}/variables/{varName}",
    summary="One variable of a process instance (typed)",
)
def get_variable(
    request: Request, id: str, varName: str, principal: Reader, deserializeValue: bool = True
) -> dict[str, Any]:
    variables = _variables(request, id)
    if varName not in variables:
        raise ApiError(404, f"the process instance {id!r} has no variable {varName!r}")
    return typed(variables[varName])


@router.put(
    "/process-instance/{id}/variables/{varName}",
    status_code=204,
    response_class=Response,
    summary="Set one variable of a process instance",
)
def put_variable(
    request: Request,
    id: str,
    varName: str,
    principal: Operator,
    body: Annotated[dict[str, Any], Body()],
) -> Response:
    value = read_value(varName, body)
    running_row(request, id)
    client_of(request).shell.set_variables(id, {varName: value}, actor=principal.username)
    return Response(status_code=204)


@router.delete(
    "/process-instance/{id}/variables/{varName}",
    status_code=204,
    response_class=Response,
    summary="Remove one variable of a process instance",
)
def delete_variable(request: Request, id: str, varName: str, principal: Operator) -> Response:
    running_row(request, id)
    client_of(request).shell.set_variables(id, {}, deletions=[varName], actor=principal.username)
    return Response(status_code=204)


class VariableModifications(BaseModel):
    modifications: dict[str, Any] | None = None
    deletions: list[str] | None = None


@router.post(
    "/process-instance/{id}/variables",
    status_code=204,
    response_class=Response,
    summary="Set and remove variables of a process instance in one step",
)
def modify_variables(
    request: Request, id: str, body: VariableModifications, principal: Operator
) -> Response:
    values = read_variables(body.modifications, "modifications")
    running_row(request, id)
    client_of(request).shell.set_variables(
        id, values, deletions=body.deletions or (), actor=principal.username
    )
    return Response(status_code=204)


# -- activity instances ---------------------------------------------------------------------


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


@router.get(
    "/process-instance/{id}/activity-instances",
    summary="The activity instance tree of a process instance",
)
def activity_instances(request: Request, id: str, principal: Reader) -> dict[str, Any]:
    row = running_row(request, id)
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        model = client.shell.models.get(tx, row.definition_id)
        incidents = tx.list_open_incidents(instance_id=id, limit=1000)
    state = InstanceState.from_json(row.state)
    process = model.definitions.processes.get(row.process_id)
    elements = process.elements if process is not None else {}
    by_element: dict[str, list[str]] = {}
    for incident in incidents:
        if incident.element_instance_id is not None:
            by_element.setdefault(incident.element_instance_id, []).append(incident.id)
    children: dict[str, list[str]] = {}
    for ei in state.instances.values():
        if ei.parent is not None:
            children.setdefault(ei.parent, []).append(ei.id)

    def tree(ei_id: str) -> dict[str, Any]:
        ei = state.instances[ei_id]
        root = ei_id == state.id
        node = elements.get(ei.element_id)
        name = getattr(node, "name", None) if node is not None else None
        found = by_element.get(ei_id, [])
        return {
            "id": ei_id,
            "parentActivityInstanceId": None if root else ei.parent,
            "activityId": row.definition_id if root else ei.element_id,
            "activityType": "processDefinition"
            if root
            else _camel(type(node).__name__)
            if node is not None
            else "unknown",
            "processInstanceId": id,
            "processDefinitionId": row.definition_id,
            "childActivityInstances": [tree(c) for c in children.get(ei_id, [])],
            "childTransitionInstances": [],
            "executionIds": [id if root else ei_id],
            "activityName": (process.name if process else None) if root else name,
            "name": (process.name if process else None) if root else name,
            "incidentIds": found,
            "incidents": [{"id": i, "activityId": ei.element_id} for i in found],
        }

    return tree(state.id)
