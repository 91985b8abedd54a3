"""Camunda 7's decision definitions: the list and count, one by id or key (the latest
version), the DMN XML of its model, and evaluation.

Evaluating answers as Camunda 7 does: a list with one map of typed outputs per matched
rule (a decision table with a collecting hit policy may match several; an aggregating one
gives one map), keyed by the output names; a literal expression gives one map keyed by
its variable's name. No match is an empty list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from regista.api.engine_rest.common import Count, Page, Reader, sorted_page
from regista.api.engine_rest.deployments import DecisionDefinitionDto, decision_dto
from regista.api.engine_rest.shapes import deployment_of, like
from regista.api.engine_rest.variables import read_variables, typed
from regista.api.problems import ApiError
from regista.api.v2.common import client_of, json_value
from regista.model import dmn as dmn_model
from regista.runtime.decisions import DECISION_PREFIX, decision_of, evaluate_decision
from regista.store import Definition

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: decision definitions"])

SortOrder = Annotated[Literal["asc", "desc"] | None, Query()]

_SORT: dict[str, Callable[[DecisionDefinitionDto], Any]] = {
    "id": lambda d: d.id,
    "key": lambda d: d.key,
    "name": lambda d: d.name or "",
    "version": lambda d: d.version,
    "deploymentId": lambda d: d.deploymentId or "",
    "decisionRequirementsDefinitionKey": lambda d: d.decisionRequirementsDefinitionKey or "",
    "category": lambda d: d.category or "",
    "tenantId": lambda d: d.tenantId or "",
    "versionTag": lambda d: d.versionTag or "",
}


class DecisionFilter(BaseModel):
    """The query parameters of the list and the count (lists are comma-separated)."""

    decisionDefinitionId: str | None = None
    decisionDefinitionIdIn: str | None = None
    key: str | None = None
    keyLike: str | None = None
    name: str | None = None
    nameLike: str | None = None
    version: int | None = Field(default=None, ge=0, le=2**31 - 1)
    latestVersion: bool | None = None
    deploymentId: str | None = None
    resourceName: str | None = None
    decisionRequirementsDefinitionId: str | None = None
    decisionRequirementsDefinitionKey: str | None = None


Filter = Annotated[DecisionFilter, Query()]


def _listed(request: Request, f: DecisionFilter) -> list[DecisionDefinitionDto]:
    ids = None if f.decisionDefinitionIdIn is None else set(f.decisionDefinitionIdIn.split(","))
    key_like = None if f.keyLike is None else like(f.keyLike)
    name_like = None if f.nameLike is None else like(f.nameLike)
    with client_of(request).store.transaction(write=False) as tx:
        rows = [r for r in tx.list_definitions() if r.process_id.startswith(DECISION_PREFIX)]
        owners = deployment_of(tx.list_deployments())
    latest: dict[str, int] = {}
    for row in rows:
        latest[row.process_id] = max(latest.get(row.process_id, 0), row.version)
    items = [
        decision_dto(r, owners.get(r.id))
        for r in rows
        if (not f.latestVersion or latest[r.process_id] == r.version)
    ]
    return [
        d
        for d in items
        if (f.decisionDefinitionId is None or d.id == f.decisionDefinitionId)
        and (ids is None or d.id in ids)
        and (f.key is None or d.key == f.key)
        and (key_like is None or key_like.fullmatch(d.key) is not None)
        and (f.name is None or d.name == f.name)
        and (name_like is None or name_like.fullmatch(d.name or "") is not None)
        and (f.version is None or d.version == f.version)
        and (f.deploymentId is None or d.deploymentId == f.deploymentId)
        and (f.resourceName is None or d.resource == f.resourceName)
        and (
            f.decisionRequirementsDefinitionId is None
            or d.decisionRequirementsDefinitionId == f.decisionRequirementsDefinitionId
        )
        and (
            f.decisionRequirementsDefinitionKey is None
            or d.decisionRequirementsDefinitionKey == f.decisionRequirementsDefinitionKey
        )
    ]


@router.get(
    "/decision-definition",
    response_model=list[DecisionDefinitionDto],
    summary="List decision definitions",
)
def list_decisions(
    request: Request,
    principal: Reader,
    paging: Page,
    f: Filter,
    sortBy: str | None = None,
    sortOrder: SortOrder = None,
) -> list[DecisionDefinitionDto]:
    return sorted_page(_listed(request, f), _SORT, sortBy, sortOrder, paging)


@router.get(
    "/decision-definition/count", response_model=Count, summary="Count decision definitions"
)
def count_decisions(request: Request, principal: Reader, f: Filter) -> Count:
    return Count(count=len(_listed(request, f)))


def _by_key(request: Request, key: str) -> Definition:
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.latest_definition(DECISION_PREFIX + key)
    if row is None:
        raise ApiError(404, f"no decision definition with the key {key!r} is deployed")
    return row


def _by_id(request: Request, definition_id: str) -> Definition:
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.get_definition(definition_id)
    if row is None or not row.process_id.startswith(DECISION_PREFIX):
        raise ApiError(404, f"there is no decision definition with the id {definition_id!r}")
    return row


def _dto(request: Request, row: Definition) -> DecisionDefinitionDto:
    with client_of(request).store.transaction(write=False) as tx:
        owners = deployment_of(tx.list_deployments())
    return decision_dto(row, owners.get(row.id))


class DecisionDefinitionXml(BaseModel):
    id: str
    dmnXml: str


def _xml(request: Request, row: Definition) -> DecisionDefinitionXml:
    with client_of(request).store.transaction(write=False) as tx:
        model = tx.get_definition(decision_of(row).requirements_key)
    if model is None:  # pragma: no cover - a decision row is written with its model
        raise ApiError(404, f"the model of the decision definition {row.id!r} is gone")
    return DecisionDefinitionXml(id=row.id, dmnXml=model.source)


@router.get(
    "/decision-definition/key/{key}",
    response_model=DecisionDefinitionDto,
    summary="The latest version of a decision definition",
)
def get_by_key(request: Request, key: str, principal: Reader) -> DecisionDefinitionDto:
    return _dto(request, _by_key(request, key))


@router.get(
    "/decision-definition/key/{key}/xml",
    response_model=DecisionDefinitionXml,
    summary="The DMN XML of the latest version of a decision definition",
)
def get_xml_by_key(request: Request, key: str, principal: Reader) -> DecisionDefinitionXml:
    return _xml(request, _by_key(request, key))


@router.get(
    "/decision-definition/{id}",
    response_model=DecisionDefinitionDto,
    summary="Get a decision definition",
)
def get_decision(request: Request, id: str, principal: Reader) -> DecisionDefinitionDto:
    return _dto(request, _by_id(request, id))


@router.get(
    "/decision-definition/{id}/xml",
    response_model=DecisionDefinitionXml,
    summary="The DMN XML of a decision definition",
)
def get_xml(request: Request, id: str, principal: Reader) -> DecisionDefinitionXml:
    return _xml(request, _by_id(request, id))


# -- evaluation -----------------------------------------------------------------------------


class EvaluateDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variables: dict[str, Any] | None = None


_LISTS = (
    dmn_model.HitPolicy.COLLECT,
    dmn_model.HitPolicy.RULE_ORDER,
    dmn_model.HitPolicy.OUTPUT_ORDER,
)


def result_list(decision: dmn_model.Decision, value: Any) -> list[dict[str, Any]]:
    """A decision's value as Camunda 7's list of output maps (see the module docstring)."""
    value = json_value(value)
    logic = decision.expression
    if not isinstance(logic, dmn_model.DecisionTable):
        return [{decision.variable.name or decision.name: value}]
    names = [o.name or o.label or o.id for o in logic.outputs]
    if logic.hit_policy in _LISTS and logic.aggregation is None:
        entries = value if isinstance(value, list) else [] if value is None else [value]
    else:
        entries = [] if value is None else [value]
    out: list[dict[str, Any]] = []
    for entry in entries:
        if len(names) > 1 and isinstance(entry, Mapping):
            out.append(dict(entry))
        else:
            name = names[0] if names else decision.variable.name or decision.name
            out.append({name: entry})
    return out


def _evaluate(request: Request, row: Definition, body: EvaluateDecision | None) -> Any:
    variables = read_variables((body or EvaluateDecision()).variables)
    with client_of(request).store.transaction(write=False) as tx:
        deployed, model, result = evaluate_decision(tx, row, variables)
    element = next(d for d in model.decisions if d.id == deployed.decision_id)
    return [
        {name: typed(value) for name, value in entry.items()}
        for entry in result_list(element, result.value)
    ]


@router.post(
    "/decision-definition/key/{key}/evaluate",
    summary="Evaluate the latest version of a decision",
)
def evaluate_by_key(
    request: Request, key: str, principal: Reader, body: EvaluateDecision | None = None
) -> Any:
    return _evaluate(request, _by_key(request, key), body)


@router.post("/decision-definition/{id}/evaluate", summary="Evaluate a decision definition")
def evaluate(
    request: Request, id: str, principal: Reader, body: EvaluateDecision | None = None
) -> Any:
    return _evaluate(request, _by_id(request, id), body)
