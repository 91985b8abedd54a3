"""What the identity endpoints share: the application's `Directory`, the admin-only
dependency and the role names as a type (so a wrong name is a 400 naming the field)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request

from regista.api.context import Principal, require
from regista.api.identity import Directory

__all__ = ["ID_PATTERN", "Admin", "RoleName", "directory"]

ID_PATTERN = r"^[A-Za-z0-9_~@.+-]{1,256}$"
"""A username or group id (as `regista.api.identity.check_id` requires)."""

RoleName = Literal["admin", "modeler", "operator", "worker", "user"]
"""One of `regista.api.context.ROLES`."""

Admin = Annotated[Principal, Depends(require("admin"))]
"""The caller of an administrator's endpoint."""


def directory(request: Request) -> Directory:
    """The users, groups and keys of the application serving `request`."""
    found: Directory = request.app.state.directory
    return found
