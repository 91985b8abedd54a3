"""Who may call the server, as the store keeps it: users, groups, their memberships and API
keys (see docs/architecture.md, "The server").

The store only reads and writes these rows. Password and key hashes arrive already made and
are never checked here: hashing, verifying and deciding what a caller may do live above the
store (`regista.api.identity`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

__all__ = ["ApiKey", "Group", "IdentityTransaction", "User"]


@dataclass(frozen=True, slots=True)
class User:
    """A person or a service account; `roles` are its own, not its groups'."""

    username: str
    name: str | None
    email: str | None
    password_hash: str
    roles: tuple[str, ...]
    enabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Group:
    """A set of users sharing roles (and the tasks offered to the group)."""

    id: str
    name: str
    description: str | None
    roles: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A bearer credential of one user: only a hash of its secret is kept. `roles` None means
    the owner's roles; otherwise the key has those of them the owner holds."""

    id: str
    prefix: str
    secret_hash: str
    username: str
    roles: tuple[str, ...] | None
    name: str | None
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class IdentityTransaction(Protocol):
    """The identity operations of a `Transaction`. Lists come back in id order; the tables
    are small administrative ones."""

    def insert_user(self, user: User) -> None:
        """Add a user; `DuplicateKey` if the username is taken."""
        ...

    def get_setting(self, name: str) -> str | None:
        """A value configured on the database itself (e.g. the trusted-deploy key's hash)."""
        ...

    def put_setting(self, name: str, value: str, *, now: datetime) -> None:
        """Set (or replace) a value configured on the database."""
        ...

    def delete_setting(self, name: str) -> bool:
        """Remove a configured value; False if there was none."""
        ...

    def get_user(self, username: str) -> User | None: ...

    def update_user(self, user: User) -> bool:
        """Write every field of the user named `user.username`; False if there is none."""
        ...

    def delete_user(self, username: str) -> bool:
        """Remove a user with its memberships and API keys; False if there is none."""
        ...

    def list_users(self) -> list[User]: ...

    def insert_group(self, group: Group) -> None:
        """Add a group; `DuplicateKey` if the id is taken."""
        ...

    def get_group(self, group_id: str) -> Group | None: ...

    def update_group(self, group: Group) -> bool: ...

    def delete_group(self, group_id: str) -> bool:
        """Remove a group and its memberships; False if there is none."""
        ...

    def list_groups(self) -> list[Group]: ...

    def add_member(self, group_id: str, username: str) -> bool:
        """Put a user in a group; False if it already was."""
        ...

    def remove_member(self, group_id: str, username: str) -> bool: ...

    def members_of(self, group_id: str) -> list[str]:
        """The usernames in a group."""
        ...

    def groups_of(self, username: str) -> list[Group]:
        """The groups a user is in."""
        ...

    def insert_api_key(self, key: ApiKey) -> None: ...

    def get_api_key(self, key_id: str) -> ApiKey | None: ...

    def list_api_keys(self, username: str | None = None) -> list[ApiKey]:
        """Every key (revoked ones too), or those of one user."""
        ...

    def revoke_api_key(self, key_id: str, *, now: datetime) -> bool:
        """Mark a key revoked; False if there is no such key or it already was."""
        ...

    def api_key_used(self, key_id: str, *, now: datetime) -> None:
        """Note when a key was last accepted."""
        ...
