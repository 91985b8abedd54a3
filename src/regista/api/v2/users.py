"""Users, in the shape of Camunda 8's v2 API (`/v2/users`), for administrators. Regista adds
`roles` (the user's own; a group's come on top) and `enabled` (a disabled user is refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from regista.api.v2.directory import ID_PATTERN, Admin, RoleName, directory
from regista.api.v2.listing import PageResult, SearchQuery, search
from regista.store.identity import User

__all__ = ["router"]

router = APIRouter(prefix="/v2/users", tags=["Users"])

Username = Annotated[str, Path(description="The user's username.")]


class UserRequest(BaseModel):
    username: str = Field(pattern=ID_PATTERN, examples=["ann"])
    password: str = Field(min_length=1, max_length=1024)
    name: str | None = Field(default=None, examples=["Ann Smith"])
    email: str | None = Field(default=None, examples=["ann@example.com"])
    roles: list[RoleName] = Field(default_factory=list, description="Regista: the user's roles.")


class UserUpdateRequest(BaseModel):
    """What to change; a field left out stays as it is."""

    password: str | None = Field(default=None, min_length=1, max_length=1024)
    name: str | None = None
    email: str | None = None
    enabled: bool | None = Field(default=None, description="Regista: false refuses the user.")
    roles: list[RoleName] | None = Field(default=None, description="Regista: the own roles.")


class UserResult(BaseModel):
    username: str
    name: str | None = None
    email: str | None = None
    roles: list[str] = Field(description="Regista: the user's own roles (not the groups').")
    groups: list[str] = Field(description="Regista: the ids of the user's groups.")
    enabled: bool
    createdAt: datetime


class UserSearchResult(BaseModel):
    items: list[UserResult]
    page: PageResult


def _result(user: User, groups: list[str]) -> UserResult:
    return UserResult(
        username=user.username,
        name=user.name,
        email=user.email,
        roles=list(user.roles),
        groups=groups,
        enabled=user.enabled,
        createdAt=user.created_at,
    )


@router.post("", status_code=201, response_model=UserResult, summary="Create a user")
def create_user(body: UserRequest, request: Request, _: Admin) -> UserResult:
    user = directory(request).create_user(
        body.username, body.password, name=body.name, email=body.email, roles=body.roles
    )
    return _result(user, [])


@router.post("/search", response_model=UserSearchResult, summary="Search users")
def search_users(request: Request, _: Admin, body: SearchQuery | None = None) -> UserSearchResult:
    found = directory(request)
    groups = found.memberships()
    items, page = search(
        found.users(),
        body,
        {
            "username": lambda u: u.username,
            "name": lambda u: u.name,
            "email": lambda u: u.email,
            "enabled": lambda u: u.enabled,
        },
    )
    return UserSearchResult(
        items=[_result(u, groups.get(u.username, [])) for u in items], page=page
    )


@router.get("/{username}", response_model=UserResult, summary="Get a user")
def get_user(username: Username, request: Request, _: Admin) -> UserResult:
    found = directory(request)
    return _result(found.user(username), found.memberships().get(username, []))


@router.put("/{username}", response_model=UserResult, summary="Update a user")
def update_user(
    username: Username, body: UserUpdateRequest, request: Request, _: Admin
) -> UserResult:
    given = body.model_fields_set
    found = directory(request)
    user = found.update_user(
        username,
        password=body.password,
        enabled=body.enabled,
        roles=body.roles,
        **{f: getattr(body, f) for f in ("name", "email") if f in given},
    )
    return _result(user, found.memberships().get(username, []))


@router.delete("/{username}", status_code=204, summary="Delete a user (and their API keys)")
def delete_user(username: Username, request: Request, _: Admin) -> Response:
    directory(request).delete_user(username)
    return Response(status_code=204)
