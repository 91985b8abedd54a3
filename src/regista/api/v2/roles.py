"""Roles, in the shape of Camunda 8's v2 API (`/v2/roles`), for administrators. Regista's
roles are fixed (admin, modeler, operator, worker, user); they are assigned to users and
groups as Camunda assigns its roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel

from regista.api.context import ROLES
from regista.api.v2.directory import Admin, directory
from regista.api.v2.listing import PageResult, SearchQuery, search
from regista.runtime.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/v2/roles", tags=["Roles"])

RoleId = Annotated[str, Path(description="The role's id: admin, modeler, operator, ...")]
Username = Annotated[str, Path(description="The user's username.")]
GroupId = Annotated[str, Path(description="The group's id.")]

DESCRIPTIONS = {
    "admin": "Everything, including users, groups and API keys.",
    "modeler": "Deploys processes, decisions and forms.",
    "operator": "Process instances, incidents and jobs.",
    "worker": "Activates and completes jobs and external tasks.",
    "user": "The tasklist: the user tasks offered to the user or their groups.",
}


class RoleResult(BaseModel):
    roleId: str
    name: str
    description: str | None = None


class RoleSearchResult(BaseModel):
    items: list[RoleResult]
    page: PageResult


class RoleUserResult(BaseModel):
    username: str


class RoleUserSearchResult(BaseModel):
    items: list[RoleUserResult]
    page: PageResult


class RoleGroupResult(BaseModel):
    groupId: str


class RoleGroupSearchResult(BaseModel):
    items: list[RoleGroupResult]
    page: PageResult


def _role(role_id: str) -> RoleResult:
    if role_id not in ROLES:
        raise NotFoundError(f"there is no role {role_id!r}: the roles are {', '.join(ROLES)}")
    return RoleResult(roleId=role_id, name=role_id, description=DESCRIPTIONS.get(role_id))


@router.post("/search", response_model=RoleSearchResult, summary="Search roles")
def search_roles(_: Admin, body: SearchQuery | None = None) -> RoleSearchResult:
    roles = [_role(r) for r in ROLES]
    items, page = search(roles, body, {"roleId": lambda r: r.roleId, "name": lambda r: r.name})
    return RoleSearchResult(items=items, page=page)


@router.get("/{roleId}", response_model=RoleResult, summary="Get a role")
def get_role(roleId: RoleId, _: Admin) -> RoleResult:
    return _role(roleId)


@router.put("/{roleId}/users/{username}", status_code=204, summary="Assign a role to a user")
def assign_to_user(roleId: RoleId, username: Username, request: Request, _: Admin) -> Response:
    directory(request).grant(roleId, username=username)
    return Response(status_code=204)


@router.delete("/{roleId}/users/{username}", status_code=204, summary="Unassign a role from a user")
def unassign_from_user(roleId: RoleId, username: Username, request: Request, _: Admin) -> Response:
    directory(request).revoke(roleId, username=username)
    return Response(status_code=204)


@router.put("/{roleId}/groups/{groupId}", status_code=204, summary="Assign a role to a group")
def assign_to_group(roleId: RoleId, groupId: GroupId, request: Request, _: Admin) -> Response:
    directory(request).grant(roleId, group_id=groupId)
    return Response(status_code=204)


@router.delete(
    "/{roleId}/groups/{groupId}", status_code=204, summary="Unassign a role from a group"
)
def unassign_from_group(roleId: RoleId, groupId: GroupId, request: Request, _: Admin) -> Response:
    directory(request).revoke(roleId, group_id=groupId)
    return Response(status_code=204)


@router.post(
    "/{roleId}/users/search",
    response_model=RoleUserSearchResult,
    summary="The users who have a role themselves",
)
def search_role_users(
    roleId: RoleId, request: Request, _: Admin, body: SearchQuery | None = None
) -> RoleUserSearchResult:
    users, _groups = directory(request).role_holders(roleId)
    items, page = search(
        [RoleUserResult(username=u) for u in users], body, {"username": lambda r: r.username}
    )
    return RoleUserSearchResult(items=items, page=page)


@router.post(
    "/{roleId}/groups/search", response_model=RoleGroupSearchResult, summary="Groups with a role"
)
def search_role_groups(
    roleId: RoleId, request: Request, _: Admin, body: SearchQuery | None = None
) -> RoleGroupSearchResult:
    _users, groups = directory(request).role_holders(roleId)
    items, page = search(
        [RoleGroupResult(groupId=g) for g in groups], body, {"groupId": lambda r: r.groupId}
    )
    return RoleGroupSearchResult(items=items, page=page)
