"""`/health` (the process answers) and `/ready` (it can serve: the database answers), for
orchestrators. Neither needs authentication."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from regista.api.context import services
from regista.store import StoreError

__all__ = ["router"]

router = APIRouter(tags=["Health"])


@router.get("/health", summary="Whether the process answers")
def health() -> dict[str, str]:
    return {"status": "UP"}


@router.get(
    "/ready",
    summary="Whether the server can serve requests (its database answers)",
    responses={503: {"description": "The database does not answer"}},
)
def ready(request: Request) -> Any:
    client = services(request).client
    try:
        with client.store.transaction(write=False) as tx:
            tx.get_definition("")
    except StoreError as exc:
        return JSONResponse({"status": "DOWN", "reason": str(exc)}, status_code=503)
    return {"status": "UP"}
