"""Search requests in the shape of Camunda 8's v2 API, over a list already in memory:
`{filter, sort: [{field, order}], page: {from, limit} | {after | before, limit}}` answered
with `{items, page: {totalItems, startCursor, endCursor, hasMoreTotalItems}}`.

For the small administrative lists (users, groups, roles, API keys), which are read whole.
A filter value is a plain value (equality) or an object of operators: `$eq`, `$neq`,
`$exists`, `$in`, `$notIn`, `$like` (`*` any characters, `?` one). Cursors are opaque.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from regista.api.problems import ApiError

__all__ = ["PageResult", "SearchPage", "SearchQuery", "search"]

T = TypeVar("T")


class SearchPage(BaseModel):
    """Which part of the results: an offset (`from`) or a cursor (`after` / `before`)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: int | None = Field(default=None, alias="from", ge=0)
    limit: int = Field(default=100, ge=1, le=10_000)
    after: str | None = None
    before: str | None = None


class SortField(BaseModel):
    field: str
    order: Literal["ASC", "DESC", "asc", "desc"] = "ASC"


class SearchQuery(BaseModel):
    """The body of a search; every part may be left out."""

    filter: dict[str, Any] | None = None
    sort: list[SortField] = Field(default_factory=list)
    page: SearchPage = Field(default_factory=SearchPage)


class PageResult(BaseModel):
    totalItems: int
    startCursor: str | None = None
    endCursor: str | None = None
    hasMoreTotalItems: bool = False


def _bad(name: str, reason: str) -> ApiError:
    return ApiError(
        400,
        f"the request is invalid: {name}: {reason}",
        extra={"invalidParams": [{"name": name, "reason": reason}]},
    )


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


def _matches(value: Any, condition: Any, name: str) -> bool:
    if not isinstance(condition, dict):
        return bool(value == condition)
    for op, operand in condition.items():
        if op == "$eq":
            ok = value == operand
        elif op == "$neq":
            ok = value != operand
        elif op == "$exists":
            ok = (value is not None) == bool(operand)
        elif op in ("$in", "$notIn"):
            if not isinstance(operand, list):
                raise _bad(f"{name}.{op}", "must be a list")
            ok = (value in operand) == (op == "$in")
        elif op == "$like":
            if not isinstance(operand, str):
                raise _bad(f"{name}.{op}", "must be a string")
            ok = isinstance(value, str) and _like(operand).match(value) is not None
        else:
            raise _bad(
                f"{name}.{op}", "is not an operator: use $eq, $neq, $exists, $in, $notIn or $like"
            )
        if not ok:
            return False
    return True


def _cursor(index: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"i": index}).encode()).decode()


def _index(cursor: str, name: str) -> int:
    try:
        found = json.loads(base64.urlsafe_b64decode(cursor.encode()))["i"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise _bad(name, "is not a cursor this server gave") from None
    if not isinstance(found, int) or found < 0:
        raise _bad(name, "is not a cursor this server gave")
    return found


def search(
    rows: Sequence[T],
    query: SearchQuery | None,
    fields: Mapping[str, Callable[[T], Any]],
) -> tuple[list[T], PageResult]:
    """The page of `rows` the query asks for; `fields` names what may be filtered and
    sorted on (unknown filter fields are ignored, as unknown request fields are)."""
    query = query or SearchQuery()
    found = list(rows)
    for name, condition in (query.filter or {}).items():
        get = fields.get(name)
        if get is not None:
            found = [r for r in found if _matches(get(r), condition, f"filter.{name}")]
    for i, sort in reversed(list(enumerate(query.sort))):
        get = fields.get(sort.field)
        if get is None:
            raise _bad(
                f"sort.{i}.field", f"cannot sort by {sort.field!r}: use one of {', '.join(fields)}"
            )
        key: Callable[[T], Any] = get
        present = [r for r in found if key(r) is not None]
        absent = [r for r in found if key(r) is None]
        present.sort(key=key, reverse=sort.order.upper() == "DESC")
        found = present + absent
    page = query.page
    if page.after is not None:
        start = _index(page.after, "page.after") + 1
    elif page.before is not None:
        start = max(0, _index(page.before, "page.before") - page.limit)
    else:
        start = page.from_ or 0
    end = start + page.limit
    if page.before is not None and page.after is None:
        end = min(end, _index(page.before, "page.before"))
    items = found[start:end]
    return items, PageResult(
        totalItems=len(found),
        startCursor=_cursor(start) if items else None,
        endCursor=_cursor(start + len(items) - 1) if items else None,
    )
