"""Variables in the shape of Camunda's variable search: the current value of each variable
of every instance, from the store's variable rows (`store/variables.py`), which the unit
of work keeps with each state. Across instances, pages walk the store's indexes in key
order; the variables of one instance (`filter.processInstanceKey`) are few, read whole
and sorted as asked."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Reader, client_of, no_such, root_key
from regista.api.v2.filters import one_of, value_conditions, values
from regista.api.v2.instances import instance_row
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
    page_of,
    sort_items,
)
from regista.store import Transaction, VariableQuery, VariableValue
from regista.store.variables import is_key

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Variables"])

#: How many variables of one instance are read to be sorted in memory.
_ONE_INSTANCE = 10_000


class Variable(BaseModel):
    variableKey: str
    name: str
    value: str = Field(description="The value as JSON text")
    processInstanceKey: str
    scopeKey: str
    isTruncated: bool = False
    tenantId: str = TENANT
    rootProcessInstanceKey: str | None = None


class VariableFilter(Model):
    processInstanceKey: Any = Field(default=None, description="A key, or $eq")
    scopeKey: Any = Field(default=None, description="A key, or $eq / $in")
    name: Any = Field(default=None, description="A name, or $eq / $in", examples=["orderId"])
    value: Any = Field(
        default=None,
        description="The value as JSON text (a string is quoted), or $eq, $neq, $in, $gt, "
        "$gte, $lt, $lte of JSON texts, or $like of a pattern with * and ?",
        examples=['"A-7"', {"$gt": "100"}, {"$like": "A-*"}],
    )
    variableKey: Any = None
    isTruncated: bool | None = None
    tenantId: Any = None


class VariableSearch(Model):
    filter: VariableFilter = Field(default_factory=VariableFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


def _key(raw: Any) -> str | None:
    key = one_of(raw, "variableKey")
    if key is not None and not is_key(key):
        raise ApiError(
            400,
            f"filter.variableKey: {key!r} is not a key; keys are digits within int64",
            extra={"invalidParams": [{"name": "filter.variableKey", "reason": "not a key"}]},
        )
    return key


def _query(f: VariableFilter) -> VariableQuery:
    names = values(f.name, "name")
    scopes = values(f.scopeKey, "scopeKey")
    return VariableQuery(
        names=None if names is None else tuple(names),
        instance_id=one_of(f.processInstanceKey, "processInstanceKey"),
        scope_ids=None if scopes is None else tuple(scopes),
        key=_key(f.variableKey),
        values=() if f.value is None else tuple(value_conditions(None, f.value, "value")),
    )


def _items(tx: Transaction, rows: list[VariableValue]) -> list[Variable]:
    roots: dict[str, str | None] = {}
    items: list[Variable] = []
    for row in rows:
        if row.instance_id not in roots:
            roots[row.instance_id] = root_key(tx, tx.get_instance(row.instance_id))
        items.append(
            Variable(
                variableKey=row.key,
                name=row.name,
                value=row.value,
                processInstanceKey=row.instance_id,
                scopeKey=row.scope_id,
                rootProcessInstanceKey=roots[row.instance_id],
            )
        )
    return items


@router.post(
    "/variables/search",
    response_model=SearchResult[Variable],
    summary="Search variables",
    description="The current variables of every instance, or of one "
    "(`filter.processInstanceKey`). `value` is the variable's value as JSON text, as in "
    "Camunda. Across instances the order is by variableKey; the variables of one instance "
    "sort by name, scopeKey or variableKey.",
)
def search_variables(
    request: Request, body: VariableSearch, principal: Reader
) -> SearchResult[Variable]:
    f = body.filter
    query = _query(f)
    if f.isTruncated is True:  # Regista answers values whole
        query = VariableQuery(names=())
    if query.instance_id is not None:
        return _one_instance(request, body, query)
    check_sort(body.sort, ("variableKey",))
    page = check_page(body.page)
    backwards = page.before is not None
    cursor = page.after or page.before
    after: str | None = None
    if cursor is not None:
        mark = decode_cursor(cursor, "page.before" if backwards else "page.after")
        if len(mark) != 1 or not is_key(str(mark[0])):
            raise ApiError(400, "page: the cursor is not one of a variable search")
        after = str(mark[0])
    descending = bool(body.sort and body.sort[0].descending)
    paged = VariableQuery(
        names=query.names,
        scope_ids=query.scope_ids,
        key=query.key,
        values=query.values,
        descending=descending != backwards,
        after_key=after,
        offset=page.from_ or 0,
        limit=page.limit,
    )
    with client_of(request).store.transaction(write=False) as tx:
        rows = tx.page_variables(paged)
        if backwards:
            rows.reverse()
        total = tx.count_variables(paged, cap=COUNT_CAP)
        items = _items(tx, rows)
    info = PageInfo(
        totalItems=total,
        hasMoreTotalItems=total >= COUNT_CAP,
        startCursor=encode_cursor([rows[0].key]) if rows else None,
        endCursor=encode_cursor([rows[-1].key]) if rows else None,
    )
    return SearchResult[Variable](items=items, page=info)


def _one_instance(
    request: Request, body: VariableSearch, query: VariableQuery
) -> SearchResult[Variable]:
    """The variables of one instance, sorted as asked (its own scope's first by default)."""
    check_sort(body.sort, ("name", "scopeKey", "variableKey"))
    key = query.instance_id or ""
    with client_of(request).store.transaction(write=False) as tx:
        instance_row(tx, key)
        whole = VariableQuery(
            names=query.names,
            instance_id=key,
            scope_ids=query.scope_ids,
            key=query.key,
            values=query.values,
            limit=_ONE_INSTANCE,
        )
        items = _items(tx, tx.page_variables(whole))
    items.sort(key=lambda v: (v.scopeKey != key, v.scopeKey, v.name))
    items = sort_items(items, body.sort, "processInstanceKey")
    chosen, info = page_of(items, body.page, lambda v: [v.variableKey])
    return SearchResult[Variable](items=chosen, page=info)


@router.get(
    "/variables/{variableKey}",
    response_model=Variable,
    summary="Get a variable",
)
def get_variable(request: Request, variableKey: str, principal: Reader) -> Variable:
    found: list[VariableValue] = []
    if is_key(variableKey):
        with client_of(request).store.transaction(write=False) as tx:
            found = tx.page_variables(VariableQuery(key=variableKey, limit=1))
            items = _items(tx, found)
    if not found:
        raise no_such("variable", variableKey)
    return items[0]
