"""The identity operations of the memory store (`IdentityTransaction`), a part of
`MemoryTransaction`: rows in `tables.IdentityTables`, changed through the transaction's journal."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from regista.store.errors import DuplicateKey
from regista.store.identity import ApiKey, Group, IdentityTransaction, User
from regista.store.memory.tables import IdentityTables, Journal
from regista.store.values import utc

__all__ = ["MemoryIdentity"]


class MemoryIdentity(IdentityTransaction):
    """Users, groups, memberships and API keys of the memory store."""

    journal: Journal

    @property
    def _it(self) -> IdentityTables:
        return self.journal.tables.identity

    # -- settings ---------------------------------------------------------------------------

    def get_setting(self, name: str) -> str | None:
        self.journal.check()
        return self._it.settings.get(name)

    def put_setting(self, name: str, value: str, *, now: datetime) -> None:
        self.journal.check(write=True)
        self.journal.set(self._it.settings, name, value)

    def delete_setting(self, name: str) -> bool:
        self.journal.check(write=True)
        return self.journal.delete(self._it.settings, name) is not None

    # -- users ------------------------------------------------------------------------------

    def insert_user(self, user: User) -> None:
        self.journal.check(write=True)
        if user.username in self._it.users:
            raise DuplicateKey(f"a user named {user.username!r} exists already")
        self.journal.set(
            self._it.users, user.username, replace(user, created_at=utc(user.created_at))
        )

    def get_user(self, username: str) -> User | None:
        self.journal.check()
        return self._it.users.get(username)

    def update_user(self, user: User) -> bool:
        self.journal.check(write=True)
        old = self._it.users.get(user.username)
        if old is None:
            return False
        self.journal.set(self._it.users, user.username, replace(user, created_at=old.created_at))
        return True

    def delete_user(self, username: str) -> bool:
        if self.journal.delete(self._it.users, username) is None:
            return False
        for pair in [p for p in self._it.members if p[1] == username]:
            self.journal.delete(self._it.members, pair)
        for key in [k.id for k in self._it.api_keys.values() if k.username == username]:
            self.journal.delete(self._it.api_keys, key)
        return True

    def list_users(self) -> list[User]:
        self.journal.check()
        return [self._it.users[name] for name in sorted(self._it.users)]

    # -- groups -----------------------------------------------------------------------------

    def insert_group(self, group: Group) -> None:
        self.journal.check(write=True)
        if group.id in self._it.groups:
            raise DuplicateKey(f"a group with id {group.id!r} exists already")
        self.journal.set(
            self._it.groups, group.id, replace(group, created_at=utc(group.created_at))
        )

    def get_group(self, group_id: str) -> Group | None:
        self.journal.check()
        return self._it.groups.get(group_id)

    def update_group(self, group: Group) -> bool:
        self.journal.check(write=True)
        old = self._it.groups.get(group.id)
        if old is None:
            return False
        self.journal.set(self._it.groups, group.id, replace(group, created_at=old.created_at))
        return True

    def delete_group(self, group_id: str) -> bool:
        if self.journal.delete(self._it.groups, group_id) is None:
            return False
        for pair in [p for p in self._it.members if p[0] == group_id]:
            self.journal.delete(self._it.members, pair)
        return True

    def list_groups(self) -> list[Group]:
        self.journal.check()
        return [self._it.groups[gid] for gid in sorted(self._it.groups)]

    # -- memberships ------------------------------------------------------------------------

    def add_member(self, group_id: str, username: str) -> bool:
        self.journal.check(write=True)
        if (group_id, username) in self._it.members:
            return False
        self.journal.set(self._it.members, (group_id, username), True)
        return True

    def remove_member(self, group_id: str, username: str) -> bool:
        return self.journal.delete(self._it.members, (group_id, username)) is not None

    def members_of(self, group_id: str) -> list[str]:
        self.journal.check()
        return sorted(user for gid, user in self._it.members if gid == group_id)

    def groups_of(self, username: str) -> list[Group]:
        self.journal.check()
        ids = sorted(gid for gid, user in self._it.members if user == username)
        return [self._it.groups[gid] for gid in ids if gid in self._it.groups]

    # -- API keys ---------------------------------------------------------------------------

    def insert_api_key(self, key: ApiKey) -> None:
        self.journal.check(write=True)
        if key.id in self._it.api_keys:
            raise DuplicateKey(f"an API key with id {key.id!r} exists already")
        self.journal.set(self._it.api_keys, key.id, replace(key, created_at=utc(key.created_at)))

    def get_api_key(self, key_id: str) -> ApiKey | None:
        self.journal.check()
        return self._it.api_keys.get(key_id)

    def list_api_keys(self, username: str | None = None) -> list[ApiKey]:
        self.journal.check()
        found = [k for k in self._it.api_keys.values() if username in (None, k.username)]
        return sorted(found, key=lambda k: (k.created_at, k.id))

    def revoke_api_key(self, key_id: str, *, now: datetime) -> bool:
        self.journal.check(write=True)
        key = self._it.api_keys.get(key_id)
        if key is None or key.revoked_at is not None:
            return False
        self.journal.set(self._it.api_keys, key_id, replace(key, revoked_at=utc(now)))
        return True

    def api_key_used(self, key_id: str, *, now: datetime) -> None:
        self.journal.check(write=True)
        key = self._it.api_keys.get(key_id)
        if key is not None:
            self.journal.set(self._it.api_keys, key_id, replace(key, last_used_at=utc(now)))
