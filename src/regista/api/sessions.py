"""Browser sessions: the web UI's login as a cookie the API accepts, with CSRF protection.

A signed-in browser holds an access token (`api/tokens.py`, the same HS256 token
`POST /oauth/token` issues, with a longer lifetime) in an HttpOnly, SameSite=Lax cookie;
the API reads it when a request carries no `Authorization` header, so the UI reaches the
same endpoints, with the same role checks, as any other client. Because a browser sends
cookies on requests other sites start, every state-changing request authenticated by the
cookie must also carry the session's CSRF token (`X-CSRF-Token` header, or a `csrf_token`
form field on the UI's own forms): a value derived from the secret cookie that a page of
another site cannot read or compute.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from starlette.requests import HTTPConnection

from regista.api.problems import ApiError

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "check_csrf",
    "csrf_token",
    "session_authorization",
]

#: The cookie holding a signed-in browser's access token.
COOKIE = "regista_session"
#: Where a state-changing request sends the CSRF token.
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
#: Methods that change nothing, so a cookie alone may authenticate them.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(session: str) -> str:
    """The CSRF token of the session whose cookie holds `session`."""
    digest = hashlib.sha256(b"regista-csrf\0" + session.encode("utf-8", "surrogateescape"))
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode("ascii")


def check_csrf(session: str, given: str | None) -> None:
    """Refuse (403) a state-changing request whose CSRF token is missing or wrong."""
    if not given:
        raise ApiError(
            403,
            "a request signed in by the session cookie must send the session's CSRF token in "
            'the X-CSRF-Token header (the page\'s <meta name="csrf-token">), or use '
            "Authorization instead",
        )
    if not hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), csrf_token(session).encode()
    ):
        raise ApiError(
            403, "the CSRF token does not belong to this session: reload the page and try again"
        )


def _cross_origin(connection: HTTPConnection) -> bool:
    """Whether a browser sent the request from a page of another origin. The API lets
    pages on this machine call it (CORS, for the Modeler), and a browser sends the session
    cookie of `localhost:8080` with requests from `localhost:3000` too (the same site):
    such requests must bring their own credentials, never ride on the UI's session.
    A top-level navigation that changes nothing (a link to a task in a mail or a wiki)
    counts as the user's own: the other page cannot read what it shows."""
    method = connection.scope.get("method", "GET")
    if (
        method in SAFE_METHODS
        and connection.headers.get("sec-fetch-mode") == "navigate"
        and connection.headers.get("sec-fetch-dest") == "document"
    ):
        return False
    fetched_from = connection.headers.get("sec-fetch-site")
    if fetched_from is not None and fetched_from not in ("same-origin", "none"):
        return True
    origin = connection.headers.get("origin")
    if origin is None:
        return False
    host = connection.headers.get("host", "")
    return origin.split("://", 1)[-1] != host


def session_authorization(connection: HTTPConnection) -> str | None:
    """The `Authorization` header of a request, or, when it has none, the bearer
    credentials of its session cookie (after the CSRF check of a state-changing request).
    The cookie counts only for requests from the UI's own pages (same origin)."""
    header = connection.headers.get("authorization")
    if header is not None:
        return header
    session = connection.cookies.get(COOKIE)
    if not session or _cross_origin(connection):
        return None
    method = connection.scope.get("method", "GET")
    if method not in SAFE_METHODS:
        check_csrf(session, connection.headers.get(CSRF_HEADER))
    return f"Bearer {session}"
