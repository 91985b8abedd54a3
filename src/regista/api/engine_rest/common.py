"""Small things the `/engine-rest` resources share: the roles of each kind of endpoint,
Camunda 7's paging (`firstResult`, `maxResults`), its date format and its count answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from regista.api.context import Principal, caller, require
from regista.api.problems import ApiError

__all__ = [
    "Count",
    "Deployer",
    "Messenger",
    "Operator",
    "Page",
    "Reader",
    "SignedIn",
    "Worker",
    "c7_date",
    "check_sort",
    "page",
    "sorted_page",
]

T = TypeVar("T")

SignedIn = Annotated[Principal, Depends(caller)]
Reader = Annotated[Principal, Depends(require("operator", "modeler"))]
"""Reading deployments, definitions, instances and incidents (as under `/v2`)."""
Deployer = Annotated[Principal, Depends(require("modeler"))]
Operator = Annotated[Principal, Depends(require("operator"))]
Messenger = Annotated[Principal, Depends(require("operator", "worker"))]
"""Correlating messages and throwing signals."""
Worker = Annotated[Principal, Depends(require("operator", "worker"))]
"""External tasks and jobs."""


class Count(BaseModel):
    """The answer of every `…/count` endpoint."""

    count: int


class Paging(BaseModel):
    first_result: int
    max_results: int | None


def _paging(
    firstResult: Annotated[int, Query(ge=0, le=2**31 - 1, description="Skip this many")] = 0,
    maxResults: Annotated[
        int | None, Query(ge=0, le=2**31 - 1, description="At most this many")
    ] = None,
) -> Paging:
    return Paging(first_result=firstResult, max_results=maxResults)


Page = Annotated[Paging, Depends(_paging)]
"""`firstResult` and `maxResults` of a list endpoint."""


def check_sort(sort_by: str | None, known: Iterable[str]) -> None:
    """A 400 naming the sort keys a list knows when `sort_by` is none of them."""
    keys = list(known)
    if sort_by is not None and sort_by not in keys:
        raise ApiError(
            400,
            f"sortBy: {sort_by!r} is not one of {', '.join(keys)}",
            extra={"invalidParams": [{"name": "sortBy", "reason": "unknown"}]},
        )


def sorted_page(
    items: list[T],
    keys: Mapping[str, Callable[[T], Any]],
    sort_by: str | None,
    sort_order: str | None,
    paging: Paging,
) -> list[T]:
    """`items` sorted by the key `sort_by` names (checked), then paged."""
    check_sort(sort_by, keys)
    if sort_by is not None:
        items.sort(key=keys[sort_by], reverse=sort_order == "desc")
    return page(items, paging)


def page(items: Sequence[T], paging: Paging) -> list[T]:
    """`items` paged as Camunda 7 pages a list."""
    start = paging.first_result
    end = None if paging.max_results is None else start + paging.max_results
    return list(items[start:end])


def c7_date(value: dt.datetime | None) -> str | None:
    """A time as Camunda 7 writes it: `2013-01-23T13:42:42.000+0000`."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{value.microsecond // 1000:03d}"
        + (value.strftime("%z") or "+0000")
    )
