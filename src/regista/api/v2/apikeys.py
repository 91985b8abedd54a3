"""API keys, Regista's addition in the v2 style (`/v2/api-keys`), for administrators. A key
is sent as `Authorization: Bearer <key>`; its text is answered once, when it is created, and
kept nowhere (only a hash). Revoking keeps the row, for the record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from regista.api.v2.directory import ID_PATTERN, Admin, RoleName, directory
from regista.api.v2.listing import PageResult, SearchQuery, search
from regista.store.identity import ApiKey

__all__ = ["router"]

router = APIRouter(prefix="/v2/api-keys", tags=["API keys"])

ApiKeyId = Annotated[str, Path(description="The key's id (the hex after `rgk_`).")]


class ApiKeyRequest(BaseModel):
    username: str = Field(pattern=ID_PATTERN, description="The user the key acts as.")
    roles: list[RoleName] | None = Field(
        default=None,
        description="The key's roles, each held by the user; left out: the user's roles, "
        "whatever they are when the key is used.",
    )
    name: str | None = Field(default=None, description="What the key is for.", examples=["ci"])


class ApiKeyResult(BaseModel):
    apiKeyId: str
    prefix: str = Field(description="The key's first characters, to recognise it.")
    username: str
    roles: list[str] | None = None
    name: str | None = None
    createdAt: datetime
    lastUsedAt: datetime | None = None
    revokedAt: datetime | None = None


class ApiKeyCreateResult(ApiKeyResult):
    key: str = Field(description="The key itself: shown this once, kept nowhere.")


class ApiKeySearchResult(BaseModel):
    items: list[ApiKeyResult]
    page: PageResult


def _fields(key: ApiKey) -> dict[str, object]:
    return {
        "apiKeyId": key.id,
        "prefix": key.prefix,
        "username": key.username,
        "roles": None if key.roles is None else list(key.roles),
        "name": key.name,
        "createdAt": key.created_at,
        "lastUsedAt": key.last_used_at,
        "revokedAt": key.revoked_at,
    }


@router.post("", status_code=201, response_model=ApiKeyCreateResult, summary="Create an API key")
def create_api_key(body: ApiKeyRequest, request: Request, _: Admin) -> ApiKeyCreateResult:
    made = directory(request).create_api_key(body.username, roles=body.roles, name=body.name)
    return ApiKeyCreateResult.model_validate({**_fields(made.key), "key": made.text})


@router.post("/search", response_model=ApiKeySearchResult, summary="Search API keys")
def search_api_keys(
    request: Request, _: Admin, body: SearchQuery | None = None
) -> ApiKeySearchResult:
    items, page = search(
        directory(request).api_keys(),
        body,
        {
            "apiKeyId": lambda k: k.id,
            "username": lambda k: k.username,
            "name": lambda k: k.name,
            "createdAt": lambda k: k.created_at,
            "lastUsedAt": lambda k: k.last_used_at,
            "revoked": lambda k: k.revoked_at is not None,
        },
    )
    return ApiKeySearchResult(
        items=[ApiKeyResult.model_validate(_fields(k)) for k in items], page=page
    )


@router.delete("/{apiKeyId}", status_code=204, summary="Revoke an API key")
def revoke_api_key(apiKeyId: ApiKeyId, request: Request, _: Admin) -> Response:
    directory(request).revoke_api_key(apiKeyId)
    return Response(status_code=204)
