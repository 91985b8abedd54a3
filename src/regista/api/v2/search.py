"""What every search endpoint shares: the request (`filter`, `sort`, `page`), the answer
(`items`, `page`), keys as digit strings, opaque cursors and paging over a sorted list.

A page is `{from, limit}` (offset) or `{after | before, limit}` (keyset: the cursors of a
previous answer's `endCursor` / `startCursor`). A cursor is the sort values of an item and
its key, in URL-safe base64 JSON; clients only hand it back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from regista.api.problems import ApiError

__all__ = [
    "COUNT_CAP",
    "Key",
    "Page",
    "PageInfo",
    "SearchResult",
    "SortField",
    "cursor_bytes",
    "decode_cursor",
    "encode_cursor",
    "page_of",
    "sort_items",
]

#: Totals are counted up to this many; beyond, `hasMoreTotalItems` says there are more.
COUNT_CAP = 10_000


def _key(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


#: A key: a string of digits (Camunda 8 keys are int64 as strings); a number is accepted.
Key = Annotated[str, BeforeValidator(_key), Field(examples=["2251799813685249"])]


class Model(BaseModel):
    """A request body: unknown fields are ignored, as Camunda's API does."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SortField(Model):
    field: str
    order: Literal["ASC", "DESC", "asc", "desc"] = "ASC"

    @property
    def descending(self) -> bool:
        return self.order.upper() == "DESC"


class Page(Model):
    from_: int | None = Field(default=None, alias="from", ge=0, le=2**31 - 1)  # an int32
    limit: int = Field(default=100, ge=1, le=10_000)
    after: str | None = None
    before: str | None = None


class PageInfo(BaseModel):
    totalItems: int
    startCursor: str | None = None
    endCursor: str | None = None
    hasMoreTotalItems: bool = False


T = TypeVar("T")


class SearchResult(BaseModel, Generic[T]):
    items: list[T]
    page: PageInfo


def encode_cursor(values: Sequence[Any]) -> str:
    """A page cursor holding `values`: standard base64 with padding, the pattern Camunda's
    API declares for cursors (the Camunda 8 SDKs check it)."""
    raw = json.dumps(list(values), separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def cursor_bytes(text: str) -> bytes:
    """What a cursor holds; cursors made before they were standard base64 (URL-safe,
    unpadded) are read too. Raises `binascii.Error` or `ValueError` when it is none."""
    plain = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(plain + "=" * (-len(plain) % 4), validate=True)


def decode_cursor(text: str, field: str) -> list[Any]:
    """The values of a cursor; a 400 naming `field` when it is not one of ours."""
    try:
        raw = cursor_bytes(text)
        values = json.loads(raw)
    except (binascii.Error, ValueError):
        values = None
    if not isinstance(values, list):
        raise ApiError(
            400,
            f"{field} is not a cursor of this API: pass the startCursor or endCursor of a "
            "previous answer",
            extra={"invalidParams": [{"name": field, "reason": "not a cursor"}]},
        )
    return values


def check_page(page: Page | None) -> Page:
    """The page asked for; a 400 when it mixes offsets and cursors."""
    page = page or Page()
    given = [name for name, v in (("from", page.from_), ("after", page.after)) if v is not None]
    if page.before is not None:
        given.append("before")
    if len(given) > 1:
        raise ApiError(
            400,
            f"page: give one of from, after and before, not {' and '.join(given)}",
            extra={"invalidParams": [{"name": "page", "reason": "conflicting fields"}]},
        )
    return page


def check_sort(sort: Sequence[SortField], allowed: Sequence[str]) -> None:
    """A 400 naming a sort field the search cannot order by."""
    for i, item in enumerate(sort):
        if item.field not in allowed:
            raise ApiError(
                400,
                f"sort[{i}].field: cannot sort by {item.field!r}; sort by one of "
                + ", ".join(allowed),
                extra={"invalidParams": [{"name": f"sort[{i}].field", "reason": "unknown"}]},
            )


def page_of(
    items: Sequence[T],
    page: Page | None,
    cursor: Callable[[T], Sequence[Any]],
) -> tuple[list[T], PageInfo]:
    """One page of `items` (already filtered and sorted, each with a unique `cursor`)."""
    page = check_page(page)
    values = [list(cursor(item)) for item in items]
    start, end = 0, len(items)
    if page.after is not None:
        mark = decode_cursor(page.after, "page.after")
        start = next((i + 1 for i, v in enumerate(values) if v == mark), len(items))
        end = min(start + page.limit, len(items))
    elif page.before is not None:
        mark = decode_cursor(page.before, "page.before")
        end = next((i for i, v in enumerate(values) if v == mark), 0)
        start = max(end - page.limit, 0)
    else:
        start = min(page.from_ or 0, len(items))
        end = min(start + page.limit, len(items))
    chosen = list(items[start:end])
    info = PageInfo(
        totalItems=len(items),
        startCursor=encode_cursor(values[start]) if chosen else None,
        endCursor=encode_cursor(values[end - 1]) if chosen else None,
    )
    return chosen, info


def _sort_value(field: str) -> Callable[[Any], tuple[bool, Any]]:
    def value(item: Any) -> tuple[bool, Any]:
        found = getattr(item, field)
        if found is None:
            return True, ""
        if field.endswith("Key") and isinstance(found, str):
            return False, (len(found), found)  # keys of digits: numeric order
        return False, found

    return value


def sort_items(items: Sequence[T], sort: Sequence[SortField], tiebreak: str) -> list[T]:
    """Items of a search held in memory, sorted by the fields asked for, then `tiebreak`."""
    out = sorted(items, key=_sort_value(tiebreak))
    for item in reversed(sort):
        out.sort(key=_sort_value(item.field), reverse=item.descending)
    return out
