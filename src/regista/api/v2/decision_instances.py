"""Decision instances in the shape of Camunda 8's decision instance search: each decision
of each evaluation, a business rule task's or one asked for through
`/v2/decision-definitions/evaluation`, from the store's records
(`runtime/decision_records.py`), paged by key through an index."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Reader, client_of, iso, no_such
from regista.api.v2.filters import one_of, values
from regista.api.v2.search import (
    COUNT_CAP,
    Model,
    Page,
    PageInfo,
    SearchResult,
    SortField,
    check_page,
    check_sort,
    decode_cursor,
    encode_cursor,
)
from regista.store import DecisionInstance, DecisionInstanceQuery

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Decision instances"])


class DecisionInstanceItem(BaseModel):
    decisionEvaluationInstanceKey: str
    decisionEvaluationKey: str
    state: Literal["EVALUATED", "FAILED"]
    evaluationDate: str | None
    evaluationFailure: str | None = None
    processDefinitionKey: str | None = None
    processInstanceKey: str | None = None
    elementInstanceKey: str | None = None
    decisionDefinitionKey: str | None = None
    decisionDefinitionId: str
    decisionDefinitionName: str
    decisionDefinitionVersion: int | None = None
    decisionDefinitionType: str
    rootDecisionDefinitionKey: str | None = None
    result: str = Field(description="The decision's output as JSON text")
    tenantId: str = TENANT


class DecisionInstanceDetail(DecisionInstanceItem):
    evaluatedInputs: list[dict[str, Any]] = Field(default_factory=list)
    matchedRules: list[dict[str, Any]] = Field(default_factory=list)


def _item(row: DecisionInstance) -> dict[str, Any]:
    return {
        "decisionEvaluationInstanceKey": row.key,
        "decisionEvaluationKey": row.evaluation_key,
        "state": row.state,
        "evaluationDate": iso(row.evaluated_at),
        "evaluationFailure": row.failure,
        "processDefinitionKey": row.process_definition_key,
        "processInstanceKey": row.instance_id,
        "elementInstanceKey": row.element_instance_id,
        "decisionDefinitionKey": row.definition_key,
        "decisionDefinitionId": row.decision_id,
        "decisionDefinitionName": row.decision_name,
        "decisionDefinitionVersion": row.version,
        "decisionDefinitionType": row.decision_type,
        "result": row.result,
    }


class DecisionInstanceFilter(Model):
    decisionEvaluationInstanceKey: Any = Field(default=None, examples=["2251799813685249-1"])
    decisionDefinitionId: Any = Field(default=None, examples=["discount"])
    decisionDefinitionKey: Any = None
    processInstanceKey: Any = None
    state: Any = Field(default=None, description="EVALUATED or FAILED; or $eq / $in")
    tenantId: Any = None


class DecisionInstanceSearch(Model):
    filter: DecisionInstanceFilter = Field(default_factory=DecisionInstanceFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


@router.post(
    "/decision-instances/search",
    response_model=SearchResult[DecisionInstanceItem],
    summary="Search decision instances",
    description="Each decision of each evaluation, newest last (sort by "
    "decisionEvaluationInstanceKey DESC for newest first).",
)
def search(
    request: Request, body: DecisionInstanceSearch, principal: Reader
) -> SearchResult[DecisionInstanceItem]:
    check_sort(body.sort, ("decisionEvaluationInstanceKey",))
    page = check_page(body.page)
    f = body.filter
    states = values(f.state, "state")
    if states is not None and not {s.upper() for s in states} <= {"EVALUATED", "FAILED"}:
        raise ApiError(
            400,
            "filter.state: use EVALUATED or FAILED",
            extra={"invalidParams": [{"name": "filter.state", "reason": "unknown state"}]},
        )
    backwards = page.before is not None
    cursor = page.after or page.before
    after: str | None = None
    if cursor is not None:
        mark = decode_cursor(cursor, "page.before" if backwards else "page.after")
        if len(mark) != 1 or not isinstance(mark[0], str):
            raise ApiError(400, "page: the cursor is not one of a decision instance search")
        after = mark[0]
    descending = bool(body.sort and body.sort[0].descending)
    query = DecisionInstanceQuery(
        key=one_of(f.decisionEvaluationInstanceKey, "decisionEvaluationInstanceKey"),
        decision_id=one_of(f.decisionDefinitionId, "decisionDefinitionId"),
        definition_key=one_of(f.decisionDefinitionKey, "decisionDefinitionKey"),
        instance_id=one_of(f.processInstanceKey, "processInstanceKey"),
        descending=descending != backwards,
        after_key=after,
        offset=page.from_ or 0,
        limit=page.limit,
    )
    if states is not None and "EVALUATED" not in {s.upper() for s in states}:
        rows: list[DecisionInstance] = []  # Regista records the evaluations that succeeded
        total = 0
    else:
        with client_of(request).store.transaction(write=False) as tx:
            rows = tx.page_decision_instances(query)
            total = tx.count_decision_instances(query, cap=COUNT_CAP)
        if backwards:
            rows.reverse()
    info = PageInfo(
        totalItems=total,
        hasMoreTotalItems=total >= COUNT_CAP,
        startCursor=encode_cursor([rows[0].key]) if rows else None,
        endCursor=encode_cursor([rows[-1].key]) if rows else None,
    )
    items = [DecisionInstanceItem(**_item(r)) for r in rows]
    return SearchResult[DecisionInstanceItem](items=items, page=info)


@router.get(
    "/decision-instances/{decisionEvaluationInstanceKey}",
    response_model=DecisionInstanceDetail,
    summary="Get a decision instance",
)
def get(
    request: Request, decisionEvaluationInstanceKey: str, principal: Reader
) -> DecisionInstanceDetail:
    with client_of(request).store.transaction(write=False) as tx:
        rows = tx.page_decision_instances(
            DecisionInstanceQuery(key=decisionEvaluationInstanceKey, limit=1)
        )
    if not rows:
        raise no_such("decision instance", decisionEvaluationInstanceKey)
    row = rows[0]
    return DecisionInstanceDetail(
        **_item(row), evaluatedInputs=list(row.inputs), matchedRules=list(row.rules)
    )
