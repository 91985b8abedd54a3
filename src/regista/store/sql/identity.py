"""The identity operations of the SQL stores (`IdentityTransaction`), a part of
`SqlTransaction`: named statements of `identity.sql`, rows mapped to records here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from regista.store.errors import DuplicateKey
from regista.store.identity import ApiKey, Group, IdentityTransaction, User
from regista.store.sql.base import Codec
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession

__all__ = ["SqlIdentity"]


def _roles(codec: Codec, value: Any) -> tuple[str, ...]:
    return tuple(str(role) for role in codec.json_out(value))


class SqlIdentity(IdentityTransaction):
    """Users, groups, memberships and API keys over the transaction's `SqlSession`."""

    session: SqlSession

    # -- settings ---------------------------------------------------------------------------

    def get_setting(self, name: str) -> str | None:
        row = self.session.one("setting_get", name=name)
        return None if row is None else str(row["value"])

    def put_setting(self, name: str, value: str, *, now: datetime) -> None:
        self.session.write("setting_put", name=name, value=value, now=self.session.codec.ts(now))

    def delete_setting(self, name: str) -> bool:
        return self.session.one("setting_delete", write=True, name=name) is not None

    # -- users ------------------------------------------------------------------------------

    def _user(self, r: Row) -> User:
        c = self.session.codec
        return User(
            username=r["username"],
            name=r["name"],
            email=r["email"],
            password_hash=r["password_hash"],
            roles=_roles(c, r["roles"]),
            enabled=bool(r["enabled"]),
            created_at=c.ts_out(r["created_at"]),
        )

    def _user_params(self, user: User) -> dict[str, Any]:
        c = self.session.codec
        return {
            "username": user.username,
            "name": user.name,
            "email": user.email,
            "password_hash": user.password_hash,
            "roles": c.json(list(user.roles), f"roles of user {user.username!r}"),
            "enabled": user.enabled,
            "created_at": c.ts(user.created_at),
        }

    def insert_user(self, user: User) -> None:
        if self.session.one("user_insert", write=True, **self._user_params(user)) is None:
            raise DuplicateKey(f"a user named {user.username!r} exists already")

    def get_user(self, username: str) -> User | None:
        row = self.session.one("user_get", username=username)
        return None if row is None else self._user(row)

    def update_user(self, user: User) -> bool:
        params = self._user_params(user)
        del params["created_at"]
        return self.session.one("user_update", write=True, **params) is not None

    def delete_user(self, username: str) -> bool:
        s = self.session
        if s.one("user_delete", write=True, username=username) is None:
            return False
        s.write("user_delete_memberships", username=username)
        s.write("user_delete_api_keys", username=username)
        return True

    def list_users(self) -> list[User]:
        return [self._user(r) for r in self.session.all("user_list")]

    # -- groups -----------------------------------------------------------------------------

    def _group(self, r: Row) -> Group:
        c = self.session.codec
        return Group(
            id=r["id"],
            name=r["name"],
            description=r["description"],
            roles=_roles(c, r["roles"]),
            created_at=c.ts_out(r["created_at"]),
        )

    def _group_params(self, group: Group) -> dict[str, Any]:
        c = self.session.codec
        return {
            "id": group.id,
            "name": group.name,
            "description": group.description,
            "roles": c.json(list(group.roles), f"roles of group {group.id!r}"),
            "created_at": c.ts(group.created_at),
        }

    def insert_group(self, group: Group) -> None:
        if self.session.one("group_insert", write=True, **self._group_params(group)) is None:
            raise DuplicateKey(f"a group with id {group.id!r} exists already")

    def get_group(self, group_id: str) -> Group | None:
        row = self.session.one("group_get", id=group_id)
        return None if row is None else self._group(row)

    def update_group(self, group: Group) -> bool:
        params = self._group_params(group)
        del params["created_at"]
        return self.session.one("group_update", write=True, **params) is not None

    def delete_group(self, group_id: str) -> bool:
        s = self.session
        if s.one("group_delete", write=True, id=group_id) is None:
            return False
        s.write("group_delete_memberships", id=group_id)
        return True

    def list_groups(self) -> list[Group]:
        return [self._group(r) for r in self.session.all("group_list")]

    # -- memberships ------------------------------------------------------------------------

    def add_member(self, group_id: str, username: str) -> bool:
        row = self.session.one("member_add", write=True, group_id=group_id, username=username)
        return row is not None

    def remove_member(self, group_id: str, username: str) -> bool:
        row = self.session.one("member_remove", write=True, group_id=group_id, username=username)
        return row is not None

    def members_of(self, group_id: str) -> list[str]:
        return [r["username"] for r in self.session.all("members_of", group_id=group_id)]

    def groups_of(self, username: str) -> list[Group]:
        return [self._group(r) for r in self.session.all("groups_of", username=username)]

    # -- API keys ---------------------------------------------------------------------------

    def _api_key(self, r: Row) -> ApiKey:
        c = self.session.codec
        return ApiKey(
            id=r["id"],
            prefix=r["prefix"],
            secret_hash=r["secret_hash"],
            username=r["username"],
            roles=None if r["roles"] is None else _roles(c, r["roles"]),
            name=r["name"],
            created_at=c.ts_out(r["created_at"]),
            last_used_at=c.ts_opt(r["last_used_at"]),
            revoked_at=c.ts_opt(r["revoked_at"]),
        )

    def insert_api_key(self, key: ApiKey) -> None:
        c = self.session.codec
        roles = None if key.roles is None else c.json(list(key.roles), "roles of an API key")
        self.session.write(
            "api_key_insert",
            id=key.id,
            prefix=key.prefix,
            secret_hash=key.secret_hash,
            username=key.username,
            roles=roles,
            name=key.name,
            created_at=c.ts(key.created_at),
            last_used_at=c.ts(key.last_used_at),
            revoked_at=c.ts(key.revoked_at),
        )

    def get_api_key(self, key_id: str) -> ApiKey | None:
        row = self.session.one("api_key_get", id=key_id)
        return None if row is None else self._api_key(row)

    def list_api_keys(self, username: str | None = None) -> list[ApiKey]:
        return [self._api_key(r) for r in self.session.all("api_key_list", username=username)]

    def revoke_api_key(self, key_id: str, *, now: datetime) -> bool:
        s = self.session
        return s.one("api_key_revoke", write=True, id=key_id, now=s.codec.ts(now)) is not None

    def api_key_used(self, key_id: str, *, now: datetime) -> None:
        s = self.session
        s.write("api_key_used", id=key_id, now=s.codec.ts(now))
