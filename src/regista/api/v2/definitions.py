"""Process and decision definitions: search, get, the BPMN XML, and decision evaluation.

Definitions are few (one row per deployed version), so a search reads them all and pages
the sorted list; the versions of a process are kept in the store's (process, version)
index.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Reader, client_of, no_such
from regista.api.v2.search import (
    Key,
    Model,
    Page,
    SearchResult,
    SortField,
    check_sort,
    page_of,
    sort_items,
)
from regista.api.v2.user_task_models import FormResult
from regista.client import Client
from regista.dmn.report import evaluated_decisions, json_text
from regista.forms import FormError
from regista.runtime.decision_records import record_evaluation
from regista.runtime.decisions import (
    DECISION_PREFIX,
    DeployedDecision,
    decision_of,
    evaluate_decision,
    find_decision,
)
from regista.runtime.definitions import DMN_PREFIX, is_process
from regista.runtime.errors import NotFoundError
from regista.runtime.task_forms import start_form, start_form_named
from regista.store import Definition

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Process definitions", "Decision definitions"])


# -- process definitions --------------------------------------------------------------------


class ProcessDefinition(BaseModel):
    processDefinitionKey: str
    processDefinitionId: str
    name: str | None
    version: int
    versionTag: str | None = None
    resourceName: str | None
    tenantId: str = TENANT
    hasStartForm: bool = False
    state: str = Field(default="ACTIVE", description="Regista keeps every version ACTIVE")


class ProcessDefinitionFilter(Model):
    processDefinitionKey: Key | None = None
    processDefinitionId: str | None = None
    name: str | None = None
    version: int | None = None
    resourceName: str | None = None
    isLatestVersion: bool | None = None
    tenantId: str | None = None


class ProcessDefinitionSearch(Model):
    filter: ProcessDefinitionFilter = Field(default_factory=ProcessDefinitionFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _process_definition(client: Client, row: Definition) -> ProcessDefinition:
    name: str | None = None
    with client.store.transaction(write=False) as tx:
        model = client.shell.models.get(tx, row.id)
    process = model.definitions.processes.get(row.process_id)
    if process is not None:
        name = process.name
    return ProcessDefinition(
        processDefinitionKey=row.id,
        processDefinitionId=row.process_id,
        name=name,
        version=row.version,
        resourceName=row.resource_name,
        hasStartForm=start_form_named(model),
    )


def _latest(rows: list[Definition]) -> set[str]:
    latest: dict[str, Definition] = {}
    for row in rows:
        if row.process_id not in latest or row.version > latest[row.process_id].version:
            latest[row.process_id] = row
    return {row.id for row in latest.values()}


_PROCESS_SORT = ("processDefinitionKey", "processDefinitionId", "name", "version", "resourceName")


@router.post(
    "/process-definitions/search",
    response_model=SearchResult[ProcessDefinition],
    summary="Search process definitions",
)
def search_process_definitions(
    request: Request, body: ProcessDefinitionSearch, principal: Reader
) -> SearchResult[ProcessDefinition]:
    check_sort(body.sort, _PROCESS_SORT)
    client = client_of(request)
    f = body.filter
    with client.store.transaction(write=False) as tx:
        rows = [r for r in tx.list_definitions(f.processDefinitionId) if is_process(r.process_id)]
    latest = _latest(rows)
    rows = [
        r
        for r in rows
        if (f.processDefinitionKey is None or r.id == f.processDefinitionKey)
        and (f.version is None or r.version == f.version)
        and (f.resourceName is None or r.resource_name == f.resourceName)
        and (f.isLatestVersion is None or (r.id in latest) == f.isLatestVersion)
        and (f.tenantId is None or f.tenantId == TENANT)
    ]
    items = [_process_definition(client, r) for r in rows]
    if f.name is not None:
        items = [i for i in items if i.name == f.name]
    items = sort_items(items, body.sort, "processDefinitionKey")
    chosen, info = page_of(items, body.page, lambda i: [i.processDefinitionKey])
    return SearchResult[ProcessDefinition](items=chosen, page=info)


def _process_row(client: Client, key: str) -> Definition:
    with client.store.transaction(write=False) as tx:
        row = tx.get_definition(key)
    if row is None or not is_process(row.process_id):
        raise no_such("process definition", key)
    return row


@router.get(
    "/process-definitions/{processDefinitionKey}",
    response_model=ProcessDefinition,
    summary="Get a process definition",
)
def get_process_definition(
    request: Request, processDefinitionKey: str, principal: Reader
) -> ProcessDefinition:
    client = client_of(request)
    return _process_definition(client, _process_row(client, processDefinitionKey))


@router.get(
    "/process-definitions/{processDefinitionKey}/xml",
    summary="The BPMN XML of a process definition",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
)
def get_process_definition_xml(
    request: Request, processDefinitionKey: str, principal: Reader
) -> Response:
    row = _process_row(client_of(request), processDefinitionKey)
    return Response(row.source, media_type="text/xml")


@router.get(
    "/process-definitions/{processDefinitionKey}/form",
    response_model=FormResult,
    response_model_by_alias=True,
    summary="The start form of a process definition (204 when it has none)",
    responses={204: {"description": "The process has no start form Regista can read"}},
)
def get_start_form(request: Request, processDefinitionKey: str, principal: Reader) -> Any:
    client = client_of(request)
    row = _process_row(client, processDefinitionKey)
    with client.store.transaction(write=False) as tx:
        model = client.shell.models.get(tx, row.id)
        try:
            found = start_form(tx, model)
        except FormError as exc:
            raise ApiError(
                409, f"the start form cannot be read ({exc}); fix the form and deploy it"
            ) from exc
    if found is None:
        return Response(status_code=204)
    return FormResult(
        formKey=found.key, formId=found.form_id, schema=found.schema, version=found.version
    )


# -- decision definitions -------------------------------------------------------------------


class DecisionDefinition(BaseModel):
    decisionDefinitionKey: str
    decisionDefinitionId: str
    name: str
    version: int
    decisionRequirementsKey: str
    decisionRequirementsId: str
    decisionRequirementsName: str
    decisionRequirementsVersion: int | None = None
    tenantId: str = TENANT


class DecisionDefinitionFilter(Model):
    decisionDefinitionKey: Key | None = None
    decisionDefinitionId: str | None = None
    name: str | None = None
    version: int | None = None
    decisionRequirementsKey: Key | None = None
    decisionRequirementsId: str | None = None
    tenantId: str | None = None


class DecisionDefinitionSearch(Model):
    filter: DecisionDefinitionFilter = Field(default_factory=DecisionDefinitionFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _decision(d: DeployedDecision, versions: dict[str, int]) -> DecisionDefinition:
    """A decision as Camunda describes it; `versions` are those of the DMN models."""
    return DecisionDefinition(
        decisionDefinitionKey=d.key,
        decisionDefinitionId=d.decision_id,
        name=d.name,
        version=d.version,
        decisionRequirementsKey=d.requirements_key,
        decisionRequirementsId=d.requirements_id,
        decisionRequirementsName=d.requirements_name,
        decisionRequirementsVersion=versions.get(d.requirements_key),
    )


_DECISION_SORT = ("decisionDefinitionKey", "decisionDefinitionId", "name", "version")


@router.post(
    "/decision-definitions/search",
    response_model=SearchResult[DecisionDefinition],
    summary="Search decision definitions",
)
def search_decision_definitions(
    request: Request, body: DecisionDefinitionSearch, principal: Reader
) -> SearchResult[DecisionDefinition]:
    check_sort(body.sort, _DECISION_SORT)
    f = body.filter
    with client_of(request).store.transaction(write=False) as tx:
        every = tx.list_definitions()
    rows = [r for r in every if r.process_id.startswith(DECISION_PREFIX)]
    versions = {r.id: r.version for r in every if r.process_id.startswith(DMN_PREFIX)}
    items = [
        _decision(d, versions)
        for d in map(decision_of, rows)
        if (f.decisionDefinitionKey is None or d.key == f.decisionDefinitionKey)
        and (f.decisionDefinitionId is None or d.decision_id == f.decisionDefinitionId)
        and (f.name is None or d.name == f.name)
        and (f.version is None or d.version == f.version)
        and (f.decisionRequirementsKey is None or d.requirements_key == f.decisionRequirementsKey)
        and (f.decisionRequirementsId is None or d.requirements_id == f.decisionRequirementsId)
        and (f.tenantId is None or f.tenantId == TENANT)
    ]
    items = sort_items(items, body.sort, "decisionDefinitionKey")
    chosen, info = page_of(items, body.page, lambda i: [i.decisionDefinitionKey])
    return SearchResult[DecisionDefinition](items=chosen, page=info)


@router.get(
    "/decision-definitions/{decisionDefinitionKey}",
    response_model=DecisionDefinition,
    summary="Get a decision definition",
)
def get_decision_definition(
    request: Request, decisionDefinitionKey: str, principal: Reader
) -> DecisionDefinition:
    with client_of(request).store.transaction(write=False) as tx:
        try:
            row = find_decision(tx, key=decisionDefinitionKey, decision_id=None)
        except NotFoundError:
            raise no_such("decision definition", decisionDefinitionKey) from None
        decision = decision_of(row)
        drg = tx.get_definition(decision.requirements_key)
    return _decision(decision, {drg.id: drg.version} if drg is not None else {})


@router.get(
    "/decision-definitions/{decisionDefinitionKey}/xml",
    summary="The DMN XML of a decision definition",
    description="The XML of the decision requirements the decision belongs to, as Camunda "
    "8.8 answers it.",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
)
def get_decision_definition_xml(
    request: Request, decisionDefinitionKey: str, principal: Reader
) -> Response:
    with client_of(request).store.transaction(write=False) as tx:
        try:
            row = find_decision(tx, key=decisionDefinitionKey, decision_id=None)
        except NotFoundError:
            raise no_such("decision definition", decisionDefinitionKey) from None
        drg = tx.get_definition(decision_of(row).requirements_key)
    if drg is None:
        raise no_such("decision requirements of the decision", decisionDefinitionKey)
    return Response(drg.source, media_type="text/xml")


class EvaluateDecision(Model):
    decisionDefinitionKey: Key | None = None
    decisionDefinitionId: str | None = None
    variables: dict[str, Any] = Field(default_factory=dict)
    tenantId: str | None = None


@router.post(
    "/decision-definitions/evaluation",
    summary="Evaluate a decision",
    description="By `decisionDefinitionKey`, or the latest version of `decisionDefinitionId`.",
)
def evaluate(request: Request, body: EvaluateDecision, principal: Reader) -> dict[str, Any]:
    if (body.decisionDefinitionKey is None) == (body.decisionDefinitionId is None):
        raise ApiError(
            400,
            "give either decisionDefinitionKey or decisionDefinitionId",
            extra={
                "invalidParams": [
                    {"name": "decisionDefinitionKey", "reason": "one of the two is needed"}
                ]
            },
        )
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        row = find_decision(
            tx, key=body.decisionDefinitionKey, decision_id=body.decisionDefinitionId
        )
        decision, model, result = evaluate_decision(tx, row, body.variables)
        versions = {d.id: tx.latest_definition(DECISION_PREFIX + d.id) for d in model.decisions}
    evaluation = client.shell.ids()  # each decision's evaluation is "<this>-<n>", as Camunda's
    evaluated: list[dict[str, Any]] = []
    for n, item in enumerate(evaluated_decisions(result, model.decisions), start=1):
        version_row = versions.get(item["decisionDefinitionId"])
        evaluated.append(
            {
                **item,
                "decisionDefinitionKey": version_row.id if version_row is not None else None,
                "decisionDefinitionVersion": version_row.version if version_row else None,
                "tenantId": TENANT,
                "decisionEvaluationInstanceKey": f"{evaluation}-{n}",
            }
        )
    record_evaluation(client.store, evaluation, evaluated, client.shell.clock())
    return {
        "decisionDefinitionId": decision.decision_id,
        "decisionDefinitionKey": decision.key,
        "decisionDefinitionName": decision.name,
        "decisionDefinitionVersion": decision.version,
        "decisionRequirementsId": decision.requirements_id,
        "decisionRequirementsKey": decision.requirements_key,
        "output": json_text(result.value),
        "failedDecisionDefinitionId": None,
        "failureMessage": None,
        "tenantId": TENANT,
        "decisionEvaluationKey": evaluation,
        "decisionInstanceKey": evaluation,  # the older name of the same key
        "evaluatedDecisions": evaluated,
        "warnings": list(result.warnings),
    }
