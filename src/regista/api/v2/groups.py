"""Groups and their members, in the shape of Camunda 8's v2 API (`/v2/groups`), for
administrators. Regista adds `roles`: every member holds the group's roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from regista.api.v2.directory import ID_PATTERN, Admin, RoleName, directory
from regista.api.v2.listing import PageResult, SearchQuery, search
from regista.store.identity import Group

__all__ = ["router"]

router = APIRouter(prefix="/v2/groups", tags=["Groups"])

GroupId = Annotated[str, Path(description="The group's id.")]
Username = Annotated[str, Path(description="The user's username.")]


class GroupCreateRequest(BaseModel):
    groupId: str = Field(pattern=ID_PATTERN, examples=["accounting"])
    name: str = Field(min_length=1, examples=["Accounting"])
    description: str | None = None
    roles: list[RoleName] = Field(default_factory=list, description="Regista: the roles.")


class GroupUpdateRequest(BaseModel):
    name: str = Field(min_length=1)
    description: str | None = None
    roles: list[RoleName] | None = Field(default=None, description="Regista: the roles.")


class GroupResult(BaseModel):
    groupId: str
    name: str
    description: str | None = None
    roles: list[str] = Field(description="Regista: the roles every member holds.")


class GroupSearchResult(BaseModel):
    items: list[GroupResult]
    page: PageResult


class GroupUserResult(BaseModel):
    username: str


class GroupUserSearchResult(BaseModel):
    items: list[GroupUserResult]
    page: PageResult


def _result(group: Group) -> GroupResult:
    return GroupResult(
        groupId=group.id, name=group.name, description=group.description, roles=list(group.roles)
    )


@router.post("", status_code=201, response_model=GroupResult, summary="Create a group")
def create_group(body: GroupCreateRequest, request: Request, _: Admin) -> GroupResult:
    group = directory(request).create_group(
        body.groupId, body.name, description=body.description, roles=body.roles
    )
    return _result(group)


@router.post("/search", response_model=GroupSearchResult, summary="Search groups")
def search_groups(request: Request, _: Admin, body: SearchQuery | None = None) -> GroupSearchResult:
    items, page = search(
        directory(request).groups(),
        body,
        {"groupId": lambda g: g.id, "name": lambda g: g.name},
    )
    return GroupSearchResult(items=[_result(g) for g in items], page=page)


@router.get("/{groupId}", response_model=GroupResult, summary="Get a group")
def get_group(groupId: GroupId, request: Request, _: Admin) -> GroupResult:
    return _result(directory(request).group(groupId))


@router.put("/{groupId}", response_model=GroupResult, summary="Update a group")
def update_group(
    groupId: GroupId, body: GroupUpdateRequest, request: Request, _: Admin
) -> GroupResult:
    given = body.model_fields_set
    group = directory(request).update_group(
        groupId,
        name=body.name,
        roles=body.roles,
        **({"description": body.description} if "description" in given else {}),
    )
    return _result(group)


@router.delete("/{groupId}", status_code=204, summary="Delete a group")
def delete_group(groupId: GroupId, request: Request, _: Admin) -> Response:
    directory(request).delete_group(groupId)
    return Response(status_code=204)


@router.put("/{groupId}/users/{username}", status_code=204, summary="Assign a user to a group")
def assign_user(groupId: GroupId, username: Username, request: Request, _: Admin) -> Response:
    directory(request).add_member(groupId, username)
    return Response(status_code=204)


@router.delete(
    "/{groupId}/users/{username}", status_code=204, summary="Unassign a user from a group"
)
def unassign_user(groupId: GroupId, username: Username, request: Request, _: Admin) -> Response:
    directory(request).remove_member(groupId, username)
    return Response(status_code=204)


@router.post(
    "/{groupId}/users/search", response_model=GroupUserSearchResult, summary="Group members"
)
def search_members(
    groupId: GroupId, request: Request, _: Admin, body: SearchQuery | None = None
) -> GroupUserSearchResult:
    members = [GroupUserResult(username=u) for u in directory(request).members(groupId)]
    items, page = search(members, body, {"username": lambda m: m.username})
    return GroupUserSearchResult(items=items, page=page)
