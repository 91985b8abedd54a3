"""Signing in and out of the UI: a login form checked against the server's users, which
sets the session cookie (`api/sessions.py`), and a logout that clears it and revokes the
user's sessions in the database (`AccessTokens.revoke`)."""

from __future__ import annotations

import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from regista.api.context import OpenDoor, services
from regista.api.problems import ApiError
from regista.api.sessions import COOKIE, CSRF_FIELD, check_csrf
from regista.api.tokens import AccessTokens
from regista.ui.pages import PREFIX, PageRoute, ui
from regista.ui.throttle import LoginThrottle

__all__ = ["router"]

log = logging.getLogger("regista.ui")

router = APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)

#: Audience of the tokens held by session cookies.
AUDIENCE = "regista-ui"


def _next(target: str | None) -> str:
    """Where to go after signing in: a path of the UI only (never another site)."""
    if not target:
        return PREFIX + "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX + "/"):
        return PREFIX + "/"
    return target


def _same_origin(request: Request) -> bool:
    """Whether a form post comes from a page of this server (a browser names its origin;
    another site's page cannot sign someone in here). A browser that sends no Origin but
    says where the request came from (Sec-Fetch-Site) is believed too."""
    fetched_from = request.headers.get("sec-fetch-site")
    if fetched_from is not None and fetched_from not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.headers.get("host", request.url.netloc)


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if isinstance(services(request).authenticator, OpenDoor):
        return RedirectResponse(_next(next), status_code=303)
    return ui(request).render(request, "login.html", next=_next(next), error="", username="")


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    pages = ui(request)
    if isinstance(services(request).authenticator, OpenDoor):
        return RedirectResponse(_next(next), status_code=303)
    if not _same_origin(request):
        raise ApiError(403, "the login form must be sent from this server's own login page")
    if not username or not password:
        return pages.render(
            request,
            "login.html",
            status=400,
            next=_next(next),
            username=username,
            error="Enter your username and your password.",
        )
    throttle: LoginThrottle = request.app.state.ui_throttle
    client = request.client.host if request.client is not None else ""
    wait = throttle.retry_after(username, client)
    if wait:
        # refused before the password is checked: a guesser learns nothing and costs no hash
        log.warning("UI login of %r from %s throttled for %d s", username, client, wait)
        minutes = max(1, -(-wait // 60))
        page = pages.render(
            request,
            "login.html",
            status=429,
            next=_next(next),
            username=username,
            error=f"Too many failed sign-ins for this user or from this address: wait "
            f"{minutes} minute{'s' if minutes > 1 else ''} and try again, or ask an "
            "administrator to check the account.",
        )
        page.headers["Retry-After"] = str(wait)
        return page
    directory = request.app.state.directory
    principal = await run_in_threadpool(directory.check_password, username, password)
    if principal is None:
        throttle.failed(username, client)
        log.info("UI login refused for %r", username)
        return pages.render(
            request,
            "login.html",
            status=401,
            next=_next(next),
            username=username,
            error="The username or the password is not right.",
        )
    throttle.succeeded(username)
    tokens: AccessTokens = request.app.state.ui_tokens
    token = await run_in_threadpool(tokens.issue, principal.username, None, audience=AUDIENCE)
    response = RedirectResponse(_next(next), status_code=303)
    secure = pages.cookie_secure
    if secure is None:
        secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE,
        token,
        max_age=tokens.lifetime,
        path="/",
        httponly=True,
        secure=secure,
        samesite="lax",
    )
    return response


@router.post("/logout")
async def logout(
    request: Request, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = ""
) -> Response:
    session = request.cookies.get(COOKIE)
    if session:
        check_csrf(session, csrf_token)
        # revoked in the database: a copy of the cookie stops working on every server
        tokens: AccessTokens = request.app.state.ui_tokens
        if await run_in_threadpool(tokens.revoke, session):
            forget = getattr(services(request).authenticator, "forget_all", None)
            if forget is not None:
                forget()
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
