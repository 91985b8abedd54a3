"""Decision requirements (a deployed DMN model, its decision requirements graph), as Camunda
8.8's Orchestration Cluster REST API has them: search, get and the DMN XML.

Each version of a DMN model is a definition row `dmn:<id>` (`runtime/definitions.py`), whose
key is the `decisionRequirementsKey` its decisions name. They are few, so a search reads
them all and pages the sorted list, as the definition searches do.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

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
from regista.dmn import DmnError
from regista.dmn.parser import parse_bytes
from regista.runtime.definitions import DMN_PREFIX
from regista.store import Definition

__all__ = ["describe", "router"]

router = APIRouter(prefix="/v2/decision-requirements", tags=["Decision requirements"])


class DecisionRequirements(BaseModel):
    decisionRequirementsKey: str
    decisionRequirementsId: str
    decisionRequirementsName: str
    version: int
    resourceName: str | None
    tenantId: str = TENANT


class DecisionRequirementsFilter(Model):
    decisionRequirementsKey: Key | None = None
    decisionRequirementsId: str | None = None
    decisionRequirementsName: str | None = None
    version: int | None = None
    resourceName: str | None = None
    tenantId: str | None = None


class DecisionRequirementsSearch(Model):
    filter: DecisionRequirementsFilter = Field(default_factory=DecisionRequirementsFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def describe(row: Definition) -> DecisionRequirements:
    """A DMN row as Camunda describes decision requirements (the id and name the model
    declares; its row name when it cannot be read)."""
    drg_id, name = row.process_id[len(DMN_PREFIX) :], ""
    try:
        model = parse_bytes(row.source.encode("utf-8"), file=row.resource_name)
        drg_id, name = model.id or drg_id, model.name or ""
    except DmnError:  # pragma: no cover - it was validated when deployed
        pass
    return DecisionRequirements(
        decisionRequirementsKey=row.id,
        decisionRequirementsId=drg_id,
        decisionRequirementsName=name,
        version=row.version,
        resourceName=row.resource_name,
    )


_SORT = (
    "decisionRequirementsKey",
    "decisionRequirementsId",
    "decisionRequirementsName",
    "version",
)


@router.post(
    "/search",
    response_model=SearchResult[DecisionRequirements],
    summary="Search decision requirements",
)
def search(
    request: Request, body: DecisionRequirementsSearch, principal: Reader
) -> SearchResult[DecisionRequirements]:
    check_sort(body.sort, _SORT)
    f = body.filter
    with client_of(request).store.transaction(write=False) as tx:
        rows = [r for r in tx.list_definitions() if r.process_id.startswith(DMN_PREFIX)]
    items = [
        d
        for d in map(describe, rows)
        if (
            f.decisionRequirementsKey is None
            or d.decisionRequirementsKey == f.decisionRequirementsKey
        )
        and (
            f.decisionRequirementsId is None or d.decisionRequirementsId == f.decisionRequirementsId
        )
        and (
            f.decisionRequirementsName is None
            or d.decisionRequirementsName == f.decisionRequirementsName
        )
        and (f.version is None or d.version == f.version)
        and (f.resourceName is None or d.resourceName == f.resourceName)
        and (f.tenantId is None or f.tenantId == TENANT)
    ]
    items = sort_items(items, body.sort, "decisionRequirementsKey")
    chosen, info = page_of(items, body.page, lambda d: [d.decisionRequirementsKey])
    return SearchResult[DecisionRequirements](items=chosen, page=info)


def _row(request: Request, key: str) -> Definition:
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.get_definition(key)
    if row is None or not row.process_id.startswith(DMN_PREFIX):
        raise no_such("decision requirements", key)
    return row


@router.get(
    "/{decisionRequirementsKey}",
    response_model=DecisionRequirements,
    summary="Get decision requirements",
)
def get(request: Request, decisionRequirementsKey: str, principal: Reader) -> DecisionRequirements:
    return describe(_row(request, decisionRequirementsKey))


@router.get(
    "/{decisionRequirementsKey}/xml",
    summary="The DMN XML of decision requirements",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}}},
)
def get_xml(request: Request, decisionRequirementsKey: str, principal: Reader) -> Response:
    return Response(_row(request, decisionRequirementsKey).source, media_type="text/xml")
