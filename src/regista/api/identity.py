"""Users, groups, roles and API keys above the store: hashing, checks and what a caller is.

`Directory` is every identity change and lookup, each one transaction of the store, used by
the API, the CLI and the authenticator (`api/authenticator.py`). Passwords are hashed with
argon2id (deliberately slow, salted). An API key is `rgk_<id>_<secret>` with a secret of 256
random bits; only its SHA-256 is kept: a secret that cannot be guessed needs no slow hash
(nothing to brute-force), and a fast one lets a key be checked on every request, while a
copy of the database still reveals no key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from regista.api.context import ROLES, Principal
from regista.runtime.errors import NotFoundError, RequestError
from regista.store import DuplicateKey, Store
from regista.store.identity import ApiKey, Group, User

__all__ = [
    "KEY_PREFIX",
    "Directory",
    "Passwords",
    "basic_credentials",
    "bearer_token",
    "check_id",
    "check_roles",
]

KEY_PREFIX = "rgk_"
"""How every Regista API key begins (so that a leaked one is recognised by scanners)."""

_ID = re.compile(r"^[A-Za-z0-9_~@.+-]{1,256}$")


class _Unset(Enum):
    UNSET = "unset"


_UNSET = _Unset.UNSET
Keep = Literal[_Unset.UNSET]
"""The type of `_UNSET`: a field left as it is."""


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The user name and password of an HTTP Basic `Authorization` header (None when the
    header is not Basic or not well formed)."""
    if not authorization:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case, as
    the Camunda 7 external task client may send it), or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def check_id(value: str, what: str) -> str:
    """A username or group id: 1 to 256 letters, digits or `_~@.+-` (no `:`, which would
    break HTTP Basic credentials)."""
    if not _ID.match(value):
        raise RequestError(
            f"{what} {value!r} is not valid: use 1 to 256 letters, digits or _ ~ @ . + -"
        )
    return value


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """Roles without repeats, each one of `ROLES`."""
    found: list[str] = []
    for role in roles:
        if role not in ROLES:
            raise RequestError(f"there is no role {role!r}: the roles are {', '.join(ROLES)}")
        if role not in found:
            found.append(role)
    return tuple(found)


class Passwords:
    """argon2id hashes of passwords (argon2-cffi's defaults: 64 MiB, 3 passes)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash(self, password: str) -> str:
        if not password:
            raise RequestError("a password may not be empty")
        return self._hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored`; None (no such user) costs the same time."""
        if stored is None and self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        try:
            return self._hasher.verify(stored or self._dummy or "", password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class NewKey:
    """An API key just made: `text` is shown once and kept nowhere."""

    key: ApiKey
    text: str


def _key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_key(text: str) -> tuple[str, str] | None:
    """The id and secret of an API key's text, or None when it is not one."""
    if not text.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = text[len(KEY_PREFIX) :].partition("_")
    return (key_id, secret) if sep and key_id and secret else None


class Directory:
    """Identity changes and lookups over a store, each in one transaction. `listeners` are
    called after every change (the authenticator drops its cached credentials)."""

    def __init__(
        self,
        store: Store,
        *,
        passwords: Passwords | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.passwords = passwords or Passwords()
        self.now = now or (lambda: datetime.now(UTC))
        self.listeners: list[Callable[[], None]] = []

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()

    # -- users ------------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        password: str,
        *,
        name: str | None = None,
        email: str | None = None,
        roles: Sequence[str] = (),
        groups: Sequence[str] = (),
    ) -> User:
        """A new user (`DuplicateKey` if the name is taken), put in `groups`."""
        user = User(
            username=check_id(username, "username"),
            name=name,
            email=email,
            password_hash=self.passwords.hash(password),
            roles=check_roles(roles),
            enabled=True,
            created_at=self.now(),
        )
        with self.store.transaction() as tx:
            tx.insert_user(user)
            for group_id in groups:
                if tx.get_group(group_id) is None:
                    raise NotFoundError(f"there is no group {group_id!r}")
                tx.add_member(group_id, username)
        self._changed()
        return user

    def user(self, username: str) -> User:
        with self.store.transaction(write=False) as tx:
            found = tx.get_user(username)
        if found is None:
            raise NotFoundError(f"there is no user {username!r}")
        return found

    def update_user(
        self,
        username: str,
        *,
        name: str | Keep | None = _UNSET,
        email: str | Keep | None = _UNSET,
        password: str | None = None,
        enabled: bool | None = None,
        roles: Sequence[str] | None = None,
    ) -> User:
        """Change what is given of a user; the rest stays."""
        changes: dict[str, object] = {}
        if name is not _UNSET:
            changes["name"] = name
        if email is not _UNSET:
            changes["email"] = email
        if password is not None:
            changes["password_hash"] = self.passwords.hash(password)
        if enabled is not None:
            changes["enabled"] = enabled
        if roles is not None:
            changes["roles"] = check_roles(roles)
        with self.store.transaction() as tx:
            old = tx.get_user(username)
            if old is None:
                raise NotFoundError(f"there is no user {username!r}")
            user = replace(old, **changes)  # type: ignore[arg-type]
            tx.update_user(user)
        self._changed()
        return user

    def delete_user(self, username: str) -> None:
        """Remove a user, its memberships and its API keys."""
        with self.store.transaction() as tx:
            if not tx.delete_user(username):
                raise NotFoundError(f"there is no user {username!r}")
        self._changed()

    def users(self) -> list[User]:
        with self.store.transaction(write=False) as tx:
            return tx.list_users()

    def memberships(self) -> dict[str, list[str]]:
        """The group ids of every user who is in a group."""
        found: dict[str, list[str]] = {}
        with self.store.transaction(write=False) as tx:
            for group in tx.list_groups():
                for username in tx.members_of(group.id):
                    found.setdefault(username, []).append(group.id)
        return found

    # -- groups -----------------------------------------------------------------------------

    def create_group(
        self,
        group_id: str,
        name: str | None = None,
        *,
        description: str | None = None,
        roles: Sequence[str] = (),
    ) -> Group:
        group = Group(
            id=check_id(group_id, "group id"),
            name=name or group_id,
            description=description,
            roles=check_roles(roles),
            created_at=self.now(),
        )
        with self.store.transaction() as tx:
            tx.insert_group(group)
        self._changed()
        return group

    def group(self, group_id: str) -> Group:
        with self.store.transaction(write=False) as tx:
            found = tx.get_group(group_id)
        if found is None:
            raise NotFoundError(f"there is no group {group_id!r}")
        return found

    def update_group(
        self,
        group_id: str,
        *,
        name: str | None = None,
        description: str | Keep | None = _UNSET,
        roles: Sequence[str] | None = None,
    ) -> Group:
        with self.store.transaction() as tx:
            old = tx.get_group(group_id)
            if old is None:
                raise NotFoundError(f"there is no group {group_id!r}")
            group = replace(
                old,
                name=old.name if name is None else name,
                description=old.description if description is _UNSET else description,
                roles=old.roles if roles is None else check_roles(roles),
            )
            tx.update_group(group)
        self._changed()
        return group

    def delete_group(self, group_id: str) -> None:
        with self.store.transaction() as tx:
            if not tx.delete_group(group_id):
                raise NotFoundError(f"there is no group {group_id!r}")
        self._changed()

    def groups(self) -> list[Group]:
        with self.store.transaction(write=False) as tx:
            return tx.list_groups()

    def members(self, group_id: str) -> list[str]:
        with self.store.transaction(write=False) as tx:
            if tx.get_group(group_id) is None:
                raise NotFoundError(f"there is no group {group_id!r}")
            return tx.members_of(group_id)

    def add_member(self, group_id: str, username: str) -> None:
        """Put a user in a group (`DuplicateKey` if it already is)."""
        with self.store.transaction() as tx:
            self._both(tx.get_group(group_id), group_id, tx.get_user(username), username)
            if not tx.add_member(group_id, username):
                raise DuplicateKey(f"the user {username!r} is already in the group {group_id!r}")
        self._changed()

    def remove_member(self, group_id: str, username: str) -> None:
        with self.store.transaction() as tx:
            self._both(tx.get_group(group_id), group_id, tx.get_user(username), username)
            if not tx.remove_member(group_id, username):
                raise NotFoundError(f"the user {username!r} is not in the group {group_id!r}")
        self._changed()

    @staticmethod
    def _both(group: Group | None, group_id: str, user: User | None, username: str) -> None:
        if group is None:
            raise NotFoundError(f"there is no group {group_id!r}")
        if user is None:
            raise NotFoundError(f"there is no user {username!r}")

    # -- roles ------------------------------------------------------------------------------

    def grant(self, role: str, *, username: str | None = None, group_id: str | None = None) -> None:
        """Give a role to a user or a group (`DuplicateKey` if it has it already)."""
        self._change_role(role, True, username=username, group_id=group_id)

    def revoke(
        self, role: str, *, username: str | None = None, group_id: str | None = None
    ) -> None:
        """Take a role from a user or a group (`NotFoundError` if it does not have it)."""
        self._change_role(role, False, username=username, group_id=group_id)

    def _change_role(
        self, role: str, grant: bool, *, username: str | None, group_id: str | None
    ) -> None:
        if role not in ROLES:
            raise NotFoundError(f"there is no role {role!r}: the roles are {', '.join(ROLES)}")
        with self.store.transaction() as tx:
            holder: User | Group | None
            if username is not None:
                holder, what = tx.get_user(username), f"user {username!r}"
            else:
                assert group_id is not None
                holder, what = tx.get_group(group_id), f"group {group_id!r}"
            if holder is None:
                raise NotFoundError(f"there is no {what}")
            has = role in holder.roles
            if grant and has:
                raise DuplicateKey(f"the {what} has the role {role!r} already")
            if not grant and not has:
                raise NotFoundError(f"the {what} does not have the role {role!r}")
            roles = (*holder.roles, role) if grant else tuple(r for r in holder.roles if r != role)
            if isinstance(holder, User):
                tx.update_user(replace(holder, roles=roles))
            else:
                tx.update_group(replace(holder, roles=roles))
        self._changed()

    def role_holders(self, role: str) -> tuple[list[str], list[str]]:
        """The usernames and the group ids that have `role` themselves."""
        if role not in ROLES:
            raise NotFoundError(f"there is no role {role!r}: the roles are {', '.join(ROLES)}")
        with self.store.transaction(write=False) as tx:
            users = [u.username for u in tx.list_users() if role in u.roles]
            groups = [g.id for g in tx.list_groups() if role in g.roles]
        return users, groups

    # -- API keys ---------------------------------------------------------------------------

    def create_api_key(
        self, username: str, *, roles: Sequence[str] | None = None, name: str | None = None
    ) -> NewKey:
        """A new key of `username` with `roles` (None: whatever roles the user has, now and
        later); the user must hold each role named."""
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        key = ApiKey(
            id=key_id,
            prefix=f"{KEY_PREFIX}{key_id}",
            secret_hash=_key_hash(secret),
            username=username,
            roles=None if roles is None else check_roles(roles),
            name=name,
            created_at=self.now(),
        )
        with self.store.transaction() as tx:
            owner = tx.get_user(username)
            if owner is None:
                raise NotFoundError(f"there is no user {username!r}")
            held = self._principal(tx.groups_of(username), owner)
            for role in key.roles or ():
                if not held.has(role):
                    raise RequestError(
                        f"the user {username!r} does not hold the role {role!r}, so a key of "
                        f"theirs cannot have it"
                    )
            tx.insert_api_key(key)
        return NewKey(key, f"{KEY_PREFIX}{key_id}_{secret}")

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke a key; False if it already was."""
        with self.store.transaction() as tx:
            if tx.get_api_key(key_id) is None:
                raise NotFoundError(f"there is no API key {key_id!r}")
            revoked = tx.revoke_api_key(key_id, now=self.now())
        self._changed()
        return revoked

    def api_keys(self, username: str | None = None) -> list[ApiKey]:
        with self.store.transaction(write=False) as tx:
            return tx.list_api_keys(username)

    # -- who is calling ---------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> Principal | None:
        """The enabled user with this password, or None."""
        with self.store.transaction(write=False) as tx:
            user = tx.get_user(username)
            groups = tx.groups_of(username) if user is not None else []
        ok = self.passwords.verify(None if user is None else user.password_hash, password)
        if user is None or not ok or not user.enabled:
            return None
        return self._principal(groups, user)

    def check_api_key(self, text: str) -> Principal | None:
        """The caller an unrevoked key of an enabled user stands for, or None; notes the
        use."""
        parts = split_key(text)
        if parts is None:
            return None
        key_id, secret = parts
        with self.store.transaction() as tx:
            key = tx.get_api_key(key_id)
            if key is None or not hmac.compare_digest(key.secret_hash, _key_hash(secret)):
                return None
            owner = tx.get_user(key.username)
            if key.revoked_at is not None or owner is None or not owner.enabled:
                return None
            tx.api_key_used(key_id, now=self.now())
            held = self._principal(tx.groups_of(owner.username), owner)
        if key.roles is None:
            return held
        return replace(held, roles=frozenset(r for r in key.roles if held.has(r)))

    def token_principal(self, username: str, key_id: str | None) -> Principal | None:
        """The caller an access token issued to `username` (through the API key `key_id`,
        if any) stands for now: None when the user was disabled or removed, or the key
        revoked, since the token was issued."""
        with self.store.transaction(write=False) as tx:
            owner = tx.get_user(username)
            if owner is None or not owner.enabled:
                return None
            key = tx.get_api_key(key_id) if key_id is not None else None
            if key_id is not None and (
                key is None or key.revoked_at is not None or key.username != username
            ):
                return None
            held = self._principal(tx.groups_of(username), owner)
        if key is None or key.roles is None:
            return held
        return replace(held, roles=frozenset(r for r in key.roles if held.has(r)))

    def client_credentials(
        self, client_id: str, secret: str
    ) -> tuple[Principal, str | None] | None:
        """The caller an OAuth client stands for, with the id of the API key it used: an
        API key (`client_id` its `rgk_<id>` prefix or bare id, `secret` its secret or its
        whole text) or a user (`client_id` the username, `secret` the password); None when
        neither matches."""
        bare = client_id[len(KEY_PREFIX) :] if client_id.startswith(KEY_PREFIX) else client_id
        texts = [secret] if split_key(secret) is not None else []
        texts.append(f"{KEY_PREFIX}{bare}_{secret}")
        for text in texts:
            parts = split_key(text)
            if parts is None or parts[0] != bare:
                continue
            found = self.check_api_key(text)
            if found is not None:
                return found, parts[0]
        if client_id.startswith(KEY_PREFIX):
            return None
        user = self.check_password(client_id, secret)
        return None if user is None else (user, None)

    def principal(self, username: str) -> Principal:
        """A user as a caller: their roles and their groups' roles, and their group ids."""
        with self.store.transaction(write=False) as tx:
            user = tx.get_user(username)
            if user is None:
                raise NotFoundError(f"there is no user {username!r}")
            return self._principal(tx.groups_of(username), user)

    @staticmethod
    def _principal(groups: Sequence[Group], user: User) -> Principal:
        roles = set(user.roles)
        for group in groups:
            roles.update(group.roles)
        return Principal(
            user.username,
            frozenset(roles),
            groups=frozenset(g.id for g in groups),
            display_name=user.name,
            email=user.email,
        )

    # -- the first administrator ------------------------------------------------------------

    def ensure_admin(self, username: str, password: str) -> Literal["created", "exists", "taken"]:
        """Create `username` as an administrator when no enabled user is one (directly or
        through a group): "created"; "exists" when there is an administrator already;
        "taken" when the name is a user who is not one (never changed here)."""
        with self.store.transaction(write=False) as tx:
            admin_groups = {g.id for g in tx.list_groups() if "admin" in g.roles}
            for user in tx.list_users():
                if not user.enabled:
                    continue
                if "admin" in user.roles or any(
                    g.id in admin_groups for g in tx.groups_of(user.username)
                ):
                    return "exists"
            if tx.get_user(username) is not None:
                return "taken"
        try:
            self.create_user(username, password, roles=["admin"])
        except DuplicateKey:  # another server sharing the database made it first
            return "exists"
        return "created"
