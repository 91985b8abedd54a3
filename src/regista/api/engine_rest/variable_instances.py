"""Camunda 7's variable instances: the current variables of every instance, listed and
counted with Camunda 7's filters, and one by id, from the store's variable rows
(`store/variables.py`). A list in the store's order (by id) is paged by the store; one
sorted by `sortBy` reads its matches, up to `CAP`, and sorts them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from regista.api.engine_rest.common import Count, Page, Reader, check_sort, sorted_page
from regista.api.engine_rest.instances import read_conditions
from regista.api.engine_rest.variables import typed
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.store import Transaction, VariableCondition, VariableQuery, VariableValue
from regista.store.variables import is_key

__all__ = ["CAP", "router"]

router = APIRouter(tags=["Camunda 7: variable instances"])

#: How many matches a sorted list reads at most; a list matching more is refused.
CAP = 10_000


class VariableInstanceDto(BaseModel):
    id: str
    name: str
    type: str
    value: Any = None
    valueInfo: dict[str, Any] = Field(default_factory=dict)
    processDefinitionId: str | None = None
    processInstanceId: str
    executionId: str
    activityInstanceId: str
    caseInstanceId: str | None = None
    caseExecutionId: str | None = None
    taskId: str | None = None
    batchId: str | None = None
    tenantId: str | None = None
    errorMessage: str | None = None


class VariableInstanceFilter(BaseModel):
    """The query parameters of the list and the count."""

    variableName: str | None = Field(default=None, examples=["amount"])
    variableNameIn: str | None = Field(default=None, description="Names, comma separated")
    processInstanceIdIn: str | None = Field(default=None, description="Ids, comma separated")
    executionIdIn: str | None = Field(default=None, description="Scope ids, comma separated")
    activityInstanceIdIn: str | None = Field(default=None, description="Scope ids, comma separated")
    variableValues: str | None = Field(
        default=None,
        description="One condition `name_op_value` (op: eq, neq, gt, gteq, lt, lteq, like)",
        examples=["amount_gt_100"],
    )


Filter = Annotated[VariableInstanceFilter, Query()]

_SORT = {
    "variableName": lambda v: v.name,
    "variableType": lambda v: v.type,
    "activityInstanceId": lambda v: v.activityInstanceId,
    "tenantId": lambda v: "",
}


def _listed(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(t for t in text.split(",") if t)


def _query(f: VariableInstanceFilter) -> tuple[VariableQuery, tuple[str, ...] | None]:
    """The store's query, and the instances it must be asked about one by one."""
    names = _listed(f.variableNameIn)
    if f.variableName is not None:
        names = (f.variableName,) if names is None or f.variableName in names else ()
    scopes = _listed(f.executionIdIn)
    activities = _listed(f.activityInstanceIdIn)
    if activities is not None:
        scopes = activities if scopes is None else tuple(s for s in scopes if s in activities)
    conditions = read_conditions(f.variableValues)
    if len(conditions) > 1:
        raise ApiError(
            400,
            "variableValues: give one condition; a variable instance has one name and value",
            extra={"invalidParams": [{"name": "variableValues", "reason": "several"}]},
        )
    try:
        values = tuple(VariableCondition(c.name, c.operator, c.value) for c in conditions)
    except ValueError as exc:
        raise ApiError(
            400,
            f"variableValues: {exc}",
            extra={"invalidParams": [{"name": "variableValues", "reason": str(exc)}]},
        ) from None
    query = VariableQuery(names=names, scope_ids=scopes, values=values)
    return query, _listed(f.processInstanceIdIn)


def _read(
    tx: Transaction, query: VariableQuery, instances: tuple[str, ...] | None, limit: int
) -> list[VariableValue]:
    """Up to `limit` matching rows from `query.offset`, by key."""
    if instances is None:
        return tx.page_variables(_with(query, limit=limit))
    found: list[VariableValue] = []
    for instance_id in dict.fromkeys(instances):
        found.extend(
            tx.page_variables(_with(query, instance_id=instance_id, offset=0, limit=CAP + 1))
        )
    found.sort(key=lambda v: int(v.key))
    return found[query.offset : query.offset + limit]


def _with(query: VariableQuery, **changes: Any) -> VariableQuery:
    fields = {name: getattr(query, name) for name in query.__slots__}
    return VariableQuery(**{**fields, **changes})


def _dtos(tx: Transaction, rows: list[VariableValue]) -> list[VariableInstanceDto]:
    definitions: dict[str, str | None] = {}
    out: list[VariableInstanceDto] = []
    for row in rows:
        if row.instance_id not in definitions:
            instance = tx.get_instance(row.instance_id)
            definitions[row.instance_id] = None if instance is None else instance.definition_id
        shown = typed(json.loads(row.value))
        out.append(
            VariableInstanceDto(
                id=row.key,
                name=row.name,
                type=shown["type"],
                value=shown["value"],
                valueInfo=shown["valueInfo"],
                processDefinitionId=definitions[row.instance_id],
                processInstanceId=row.instance_id,
                executionId=row.scope_id,
                activityInstanceId=row.scope_id,
            )
        )
    return out


@router.get(
    "/variable-instance",
    response_model=list[VariableInstanceDto],
    summary="List the variables of every instance",
)
def list_variable_instances(
    request: Request,
    principal: Reader,
    paging: Page,
    f: Filter,
    sortBy: str | None = None,
    sortOrder: Annotated[Literal["asc", "desc"] | None, Query()] = None,
    deserializeValues: bool = True,
) -> list[VariableInstanceDto]:
    check_sort(sortBy, _SORT)
    query, instances = _query(f)
    with client_of(request).store.transaction(write=False) as tx:
        if sortBy is None:
            limit = CAP if paging.max_results is None else min(paging.max_results, 2**31 - 1)
            rows = _read(tx, _with(query, offset=paging.first_result), instances, limit)
            return _dtos(tx, rows)
        rows = _read(tx, query, instances, CAP + 1)
        if len(rows) > CAP:
            raise ApiError(
                400,
                f"more than {CAP} variable instances match: narrow the query, or leave "
                "sortBy out to page through them in the store's order",
            )
        return sorted_page(_dtos(tx, rows), _SORT, sortBy, sortOrder, paging)


@router.get(
    "/variable-instance/count",
    response_model=Count,
    summary="Count the variables of every instance",
)
def count_variable_instances(request: Request, principal: Reader, f: Filter) -> Count:
    query, instances = _query(f)
    with client_of(request).store.transaction(write=False) as tx:
        if instances is None:
            return Count(count=tx.count_variables(query, cap=2**31 - 1))
        return Count(count=len(_read(tx, query, instances, 2**31 - 1)))


@router.get(
    "/variable-instance/{id}",
    response_model=VariableInstanceDto,
    summary="Get a variable instance",
)
def get_variable_instance(request: Request, id: str, principal: Reader) -> VariableInstanceDto:
    if is_key(id):
        with client_of(request).store.transaction(write=False) as tx:
            rows = tx.page_variables(VariableQuery(key=id, limit=1))
            if rows:
                return _dtos(tx, rows)[0]
    raise ApiError(404, f"there is no variable instance with the id {id!r}")
