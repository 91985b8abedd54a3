"""Who may call the API: HTTP Basic credentials and bearer API keys.

`EnvironmentAdmin` knows one administrator, named by `REGISTA_ADMIN_USER` and
`REGISTA_ADMIN_PASSWORD` (the first admin of a new server); stored users, groups and API
keys build on it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os
from collections.abc import Mapping

from regista.api.context import ROLES, Principal

__all__ = ["EnvironmentAdmin", "basic_credentials"]


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


class EnvironmentAdmin:
    """One administrator from the environment; nobody when the variables are unset."""

    def __init__(self, username: str | None, password: str | None) -> None:
        self._username = username or None
        self._password = password or None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EnvironmentAdmin:
        source = os.environ if env is None else env
        return cls(source.get("REGISTA_ADMIN_USER"), source.get("REGISTA_ADMIN_PASSWORD"))

    def authenticate(self, authorization: str | None) -> Principal | None:
        given = basic_credentials(authorization)
        if given is None or self._username is None or self._password is None:
            return None
        username, password = given
        same_user = hmac.compare_digest(username.encode(), self._username.encode())
        same_password = hmac.compare_digest(password.encode(), self._password.encode())
        if same_user and same_password:
            return Principal(username, frozenset(ROLES))
        return None
