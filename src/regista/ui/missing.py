"""The page for an address under the UI that has none (mounted after every other page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from regista.api.context import Principal
from regista.ui.pages import PREFIX, PageRoute, ui, viewer

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)


@router.get("/{path:path}")
async def missing(
    request: Request, path: str, principal: Annotated[Principal, Depends(viewer)]
) -> Response:
    return ui(request).error(request, 404, f"there is no page at {request.url.path}", principal)
