"""Access tokens for clients configured for OAuth (the Camunda SDKs, the Modeler): what
`POST /oauth/token` hands out and the authenticator accepts as `Authorization: Bearer`.

A token is a JWT signed with HMAC-SHA256 (`HS256`), so checking one costs a hash and no
database write; clients that read a token's expiry find it in the standard `exp` claim. It
names the user (`sub`) and, when the client authenticated with an API key, the key
(`rgk`), so the caller it stands for is looked up again (`Directory.token_principal`): a
user disabled or a key revoked stops its tokens at once (at most the authenticator's few
seconds of cache later). The signing secret is 256 random bits kept in the database's
`settings` table, made by the first server that needs it, so every server sharing the
database accepts the tokens of the others.

A token issued for an audience (the web UI's sessions) can be revoked: signing out records,
in the same `settings` table, the moment before which that user's tokens of that audience
no longer count (`revoke`). One row per user and audience, so the table never grows with
sign-outs; signing out of one browser signs the user out of every browser, which is what a
shared or lost machine needs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regista.store import Store

__all__ = ["SIGNING_SETTING", "AccessTokens", "Claims", "looks_like_token"]

SIGNING_SETTING = "oauth_token_signing_secret"
#: Prefix of the settings naming when a user's tokens of an audience were revoked.
REVOKED_SETTING = "tokens_revoked:"
_ISSUER = "regista"
_HEADER = {"alg": "HS256", "typ": "JWT"}


@dataclass(frozen=True, slots=True)
class Claims:
    """Who a valid token was issued to, and until when (UNIX seconds)."""

    username: str
    key_id: str | None
    expires: int
    audience: str | None = None
    #: when it was issued, in UNIX milliseconds (None for tokens made before revocation)
    issued_ms: int | None = None


def looks_like_token(text: str) -> bool:
    """Whether a bearer credential has the shape of an access token (three dotted parts),
    not of an API key."""
    return text.count(".") == 2


def _revocation(claims: Claims) -> str:
    """The setting that records when the tokens of a user and audience were revoked."""
    return f"{REVOKED_SETTING}{claims.audience}:{claims.username}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class AccessTokens:
    """Issues and checks access tokens over the secret kept in `store` (see the module
    docstring); `lifetime` seconds each. Thread-safe."""

    def __init__(
        self,
        store: Store,
        *,
        lifetime: int = 3600,
        now: Callable[[], datetime] | None = None,
        reload_after: float = 1.0,
    ) -> None:
        self.store = store
        self.lifetime = lifetime
        self._now = now or (lambda: datetime.now(UTC))
        self._secret: bytes | None = None
        self._lock = threading.Lock()
        self._reload_after = reload_after
        self._loaded_at = float("-inf")

    def _load(self, *, create: bool) -> bytes | None:
        """The signing secret as the database has it (made there first when `create`)."""
        with self.store.transaction(write=False) as tx:
            stored = tx.get_setting(SIGNING_SETTING)
        if stored is None and create:  # once per database: a write only then
            with self.store.transaction() as tx:
                stored = tx.get_setting(SIGNING_SETTING)
                if stored is None:
                    stored = secrets.token_hex(32)
                    tx.put_setting(SIGNING_SETTING, stored, now=self._now())
            # two servers may have raced to make it: the one committed last stands
            with self.store.transaction(write=False) as tx:
                stored = tx.get_setting(SIGNING_SETTING) or stored
        secret = bytes.fromhex(stored) if stored else None
        with self._lock:
            self._secret = secret
            self._loaded_at = time.monotonic()
        return secret

    def _sign(self, secret: bytes, signing_input: str) -> str:
        return _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())

    def issue(self, username: str, key_id: str | None, *, audience: str | None = None) -> str:
        """A token for `username` (through the API key `key_id`), valid `lifetime`
        seconds."""
        secret = self._load(create=True)
        assert secret is not None
        now = self._now().timestamp()
        issued = int(now)
        claims: dict[str, Any] = {
            "iss": _ISSUER,
            "sub": username,
            "iat": issued,
            # milliseconds: a sign-in right after a sign-out (same second) must count
            "rgi": int(now * 1000),
            "exp": issued + self.lifetime,
            "jti": secrets.token_hex(8),
        }
        if key_id is not None:
            claims["rgk"] = key_id
        if audience:
            claims["aud"] = audience
        head = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{head}.{body}.{self._sign(secret, f'{head}.{body}')}"

    def verify(self, token: str) -> Claims | None:
        """The claims of a token this database's secret signed and that has not expired;
        None otherwise."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        head, body, signature = parts
        with self._lock:
            secret = self._secret
            stale = time.monotonic() - self._loaded_at > self._reload_after
        # another server may have made the secret after this one read it: read it again
        # (at most every `reload_after` seconds, so forged tokens cannot flood the database)
        if not self._signed_by(secret, head, body, signature) and (
            not stale or not self._signed_by(self._load(create=False), head, body, signature)
        ):
            return None
        try:
            header = json.loads(_unb64(head))
            claims = json.loads(_unb64(body))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            return None
        if not isinstance(claims, dict) or claims.get("iss") != _ISSUER:
            return None
        username, key_id, expires = claims.get("sub"), claims.get("rgk"), claims.get("exp")
        if not isinstance(username, str) or not isinstance(expires, int):
            return None
        if key_id is not None and not isinstance(key_id, str):
            return None
        if expires <= self._now().timestamp():
            return None
        audience, issued_ms = claims.get("aud"), claims.get("rgi")
        if not isinstance(audience, str):
            audience = None
        if not isinstance(issued_ms, int):
            issued_ms = None
        found = Claims(username, key_id, expires, audience, issued_ms)
        return None if audience is not None and self._revoked(found) else found

    def _revoked(self, claims: Claims) -> bool:
        """Whether the user's tokens of the claims' audience were revoked after this one
        was issued."""
        with self.store.transaction(write=False) as tx:
            before = tx.get_setting(_revocation(claims))
        if before is None:
            return False
        return claims.issued_ms is None or claims.issued_ms <= int(before)

    def revoke(self, token: str) -> bool:
        """Revoke every token issued so far to the user of `token` for its audience (a
        sign-out); False when `token` is not a valid token with an audience."""
        claims = self.verify(token)
        if claims is None or claims.audience is None:
            return False
        moment = int(self._now().timestamp() * 1000)
        with self.store.transaction() as tx:
            tx.put_setting(_revocation(claims), str(moment), now=self._now())
        return True

    def _signed_by(self, secret: bytes | None, head: str, body: str, signature: str) -> bool:
        if secret is None:
            return False
        try:
            expected = self._sign(secret, f"{head}.{body}")
        except UnicodeEncodeError:
            return False
        return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8"))
