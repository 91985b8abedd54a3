"""The authenticator of `regista server` in basic mode: HTTP Basic (username and password)
and `Authorization: Bearer <API key>` or `Bearer <access token>` (what `POST /oauth/token`
issued, `api/tokens.py`), checked against the users and keys of the store.

Verified credentials are cached for a few seconds (argon2 is deliberately slow, and a worker
calling a thousand times a second must not pay it on every request), keyed by a SHA-256 of
the whole header so the cache holds no password. Any identity change made through this
process's `Directory` empties the cache at once. A change made by another server sharing the
database (a password changed, a user disabled, a key revoked there) reaches this one when its
cached entry expires: at most `ttl` seconds of staleness. Failed attempts are not cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from regista.api.context import Principal
from regista.api.identity import Directory, basic_credentials, bearer_token
from regista.api.tokens import AccessTokens, looks_like_token

__all__ = ["StoredAuthenticator"]


class StoredAuthenticator:
    """Users, API keys and access tokens of the store (see the module docstring); `ttl`
    seconds of cache, `max_entries` callers at most (the oldest go first)."""

    def __init__(
        self,
        directory: Directory,
        *,
        ttl: float = 5.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        tokens: AccessTokens | None = None,
    ) -> None:
        self.directory = directory
        self.tokens = tokens or AccessTokens(directory.store, now=directory.now)
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[bytes, tuple[float, Principal]] = {}
        directory.listeners.append(self.forget_all)

    def cached(self, authorization: str | None) -> Principal | None:
        """The caller these credentials were verified as a moment ago, without verifying
        them again (None when they are not in the cache): cheap enough for the event loop."""
        if not authorization:
            return None
        digest = hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).digest()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(digest)
        return cached[1] if cached is not None and cached[0] > now else None

    def authenticate(self, authorization: str | None) -> Principal | None:
        if not authorization:
            return None
        digest = hashlib.sha256(authorization.encode("utf-8", "surrogateescape")).digest()
        now = self._clock()
        with self._lock:
            cached = self._cache.get(digest)
            if cached is not None and cached[0] > now:
                return cached[1]
        principal = self._verify(authorization)
        if principal is not None:
            with self._lock:
                if len(self._cache) >= self._max:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[digest] = (now + self._ttl, principal)
        return principal

    def _verify(self, authorization: str) -> Principal | None:
        token = bearer_token(authorization)
        if token is not None and looks_like_token(token):
            claims = self.tokens.verify(token)
            if claims is None:
                return None
            return self.directory.token_principal(claims.username, claims.key_id)
        if token is not None:
            return self.directory.check_api_key(token)
        given = basic_credentials(authorization)
        if given is None:
            return None
        return self.directory.check_password(*given)

    def forget_all(self) -> None:
        """Drop every cached credential (called on any identity change)."""
        with self._lock:
            self._cache.clear()
