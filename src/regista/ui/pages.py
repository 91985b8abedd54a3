"""Rendering the UI's pages: the Jinja2 templates, who is signed in, the navigation they
may see, and errors shown as pages (never a traceback, never a JSON problem in a browser).

Every page route of the UI is declared on a router with `route_class=PageRoute`, takes the
signed-in user through `Depends(viewer)` (or `viewer_with(role, ...)`) and returns
`ui(request).render(...)`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from regista.api.context import Principal, caller
from regista.api.problems import ApiError
from regista.api.sessions import COOKIE, csrf_token
from regista.ui.gateway import ApiProblem, Gateway

__all__ = [
    "NAV",
    "PAGE_HEADERS",
    "LoginRequired",
    "PageRoute",
    "Section",
    "Ui",
    "ui",
    "viewer",
    "viewer_with",
]

log = logging.getLogger("regista.ui")

#: Where the UI is served.
PREFIX = "/ui"


@dataclass(frozen=True, slots=True)
class Section:
    """An entry of the navigation: shown to users holding one of `roles` (admin: all)."""

    name: str
    title: str
    path: str
    roles: tuple[str, ...]
    group: str


#: The navigation, in order. A page may only be reached by those its API calls allow; the
#: roles here decide who sees the link.
_OPS = ("operator",)
_READERS = ("operator", "modeler")
NAV = (
    Section("dashboard", "Dashboard", PREFIX + "/", _OPS, "Cockpit"),
    Section(
        "definitions", "Processes", PREFIX + "/definitions", ("operator", "modeler"), "Cockpit"
    ),
    Section("instances", "Instances", PREFIX + "/instances", _OPS, "Cockpit"),
    Section("incidents", "Incidents", PREFIX + "/incidents", _OPS, "Cockpit"),
    Section("jobs", "Jobs", PREFIX + "/jobs", _OPS, "Cockpit"),
    Section("decisions", "Decisions", PREFIX + "/decisions", _READERS, "Cockpit"),
    # the analyses of /v2/insight are for operators (and administrators)
    Section("insight", "Insight", PREFIX + "/insight", _OPS, "Cockpit"),
    Section("tasks", "Tasks", PREFIX + "/tasks", ("user", "operator"), "Tasklist"),
    Section("modeler", "Modeler", PREFIX + "/modeler", ("modeler",), "Modeler"),
)


#: Headers of every answer of a UI route: never cached (pages show one user's data), never
#: framed (clickjacking), never sniffed, no address leaked to other sites, and a content
#: policy under which only this server's script files run (no inline script, no eval: the
#: JSON data blocks are not run); inline styles stay allowed, the vendored libraries set
#: them. tests/e2e/test_security_flow.py opens every kind of page under it.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'; object-src 'none'"
    ),
}


class LoginRequired(Exception):
    """The page needs a signed-in user and the request has none."""


def _when(value: Any) -> str:
    """An ISO timestamp as the UI shows it (seconds, UTC marked), '' for none."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if moment.tzinfo else "")


class Ui:
    """The UI of one application: its templates and its way to the API."""

    def __init__(self, gateway: Gateway, *, auth: str, cookie_secure: bool | None) -> None:
        self.gateway = gateway
        self.auth = auth
        self.cookie_secure = cookie_secure
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("regista.ui", "templates"),
            autoescape=jinja2.select_autoescape(default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.filters["when"] = _when
        # JSON shown as text: autoescaped like any text, so "<" reads as "<" (`tojson` is
        # for <script> blocks and attributes, where it writes "\u003c")
        self.templates.filters["json"] = lambda value: json.dumps(
            value, ensure_ascii=False, sort_keys=True
        )
        self.templates.filters["urlpart"] = lambda text: quote(str(text), safe="")

    def nav(self, principal: Principal | None) -> list[Section]:
        """The sections `principal` may see."""
        if principal is None:
            return []
        return [section for section in NAV if principal.has(*section.roles)]

    def render(
        self,
        request: Request,
        template: str,
        *,
        principal: Principal | None = None,
        status: int = 200,
        section: str = "",
        **context: Any,
    ) -> HTMLResponse:
        """The page `template` with `context`, the user's navigation and CSRF token."""
        session = request.cookies.get(COOKIE)
        html = self.templates.get_template(template).render(
            request=request,
            principal=principal,
            nav=self.nav(principal),
            section=section,
            csrf=csrf_token(session) if session else "",
            auth=self.auth,
            prefix=PREFIX,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=PAGE_HEADERS)

    def error(
        self, request: Request, status: int, detail: str, principal: Principal | None = None
    ) -> HTMLResponse:
        """An error page: what went wrong, in a sentence, with the way back."""
        return self.render(
            request, "error.html", principal=principal, status=status, code=status, detail=detail
        )


def ui(request: Request) -> Ui:
    """The UI of the application serving `request`."""
    found: Ui = request.app.state.ui
    return found


async def viewer(request: Request) -> Principal:
    """The signed-in user of a page; sends a browser without a session to the login."""
    try:
        return await run_in_threadpool(caller, request)
    except ApiError as exc:
        if exc.status == 401:
            raise LoginRequired() from None
        raise


def viewer_with(*roles: str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A page dependency: the signed-in user, who must hold one of `roles` (else 403)."""

    async def check(request: Request) -> Principal:
        # the roles stay readable on the dependency, for the permission checks of tests
        principal = await viewer(request)
        if not principal.has(*roles):
            raise ApiError(
                403,
                f"this page needs the role {' or '.join(roles)}; ask an administrator",
            )
        request.state.principal = principal
        return principal

    check.roles = roles  # type: ignore[attr-defined]
    return check


def _principal(request: Request) -> Principal | None:
    found = getattr(request.state, "principal", None)
    return found if isinstance(found, Principal) else None


class PageRoute(APIRoute):
    """A route of the UI: a login redirect instead of a 401, and errors as pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def page(request: Request) -> Response:
            response = await answer(request)
            # redirects and JSON answers of the UI get the pages' headers too
            for name, value in PAGE_HEADERS.items():
                response.headers.setdefault(name, value)
            return response

        async def answer(request: Request) -> Response:
            try:
                return await handle(request)
            except LoginRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(
                    f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303
                )
            except ApiError as exc:
                return ui(request).error(request, exc.status, exc.detail, _principal(request))
            except ApiProblem as exc:
                detail = exc.detail
                if exc.fields:
                    detail += " (" + "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) + ")"
                return ui(request).error(request, exc.status, detail, _principal(request))
            except RequestValidationError as exc:
                reasons = "; ".join(
                    f"{'.'.join(str(p) for p in error.get('loc', ())[1:])}: {error.get('msg')}"
                    for error in exc.errors()
                )
                return ui(request).error(
                    request, 400, f"the address is not valid: {reasons}", _principal(request)
                )
            except Exception:
                # the server's own fault: logged with its traceback, shown as a sentence
                log.exception("UI page %s failed", request.url.path)
                return ui(request).error(
                    request,
                    500,
                    "the server failed to show this page; the error is in its log",
                    _principal(request),
                )

        return page
