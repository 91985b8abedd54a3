"""Mounting the web UI on the API's application: the pages under `/ui`, the static files
(the vendored bpmn.io libraries among them) under `/ui/static`, and `/` sending browsers to
the UI."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regista.api.options import ServerOptions
from regista.api.tokens import AccessTokens
from regista.client import Client
from regista.ui import (
    cockpit,
    decisions,
    definitions,
    incidents,
    insight,
    instances,
    jobs,
    login,
    missing,
    modeler,
    tasklist,
)
from regista.ui.gateway import Gateway
from regista.ui.pages import PREFIX, Ui, ui
from regista.ui.throttle import LoginThrottle, ThrottleLimits

__all__ = ["UiOptions", "mount_ui"]


@dataclass(frozen=True, slots=True)
class UiOptions:
    """How the UI signs people in: a session lasts `session_hours`; the cookie is marked
    Secure when `cookie_secure` (None: when the request came over HTTPS); failed sign-ins
    are limited by `login_limits`."""

    session_hours: float = 8.0
    cookie_secure: bool | None = None
    login_limits: ThrottleLimits = field(default_factory=ThrottleLimits)


class _Static(StaticFiles):
    """The UI's files; an address with no file gets the UI's error page, not JSON."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as exc:
            request = Request(scope)
            detail = (
                f"there is no file at {request.url.path}"
                if exc.status_code == 404
                else f"{request.method} is not allowed on {request.url.path}: files are read only"
            )
            return ui(request).error(request, exc.status_code, detail)


class _Nosniff:
    """Static files with `X-Content-Type-Options: nosniff`: a browser runs a file only as
    the type the server names."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # the UI's error pages name it already
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


def mount_ui(
    app: FastAPI, client: Client, options: ServerOptions, ui_options: UiOptions | None = None
) -> None:
    """Serve the UI from `app`, which serves the API over `client`'s database."""
    ui_options = ui_options or UiOptions()
    gateway = Gateway(app)
    app.state.ui = Ui(gateway, auth=options.auth, cookie_secure=ui_options.cookie_secure)
    app.state.ui_tokens = AccessTokens(client.store, lifetime=int(ui_options.session_hours * 3600))
    # the process's monotonic clock: the throttle measures waits, never dates
    app.state.ui_throttle = LoginThrottle(time.monotonic, ui_options.login_limits)
    app.router.add_event_handler("shutdown", gateway.close)
    static = files("regista.ui").joinpath("static")
    app.mount(PREFIX + "/static", _Nosniff(_Static(directory=str(static))), name="ui-static")
    app.include_router(login.router)
    app.include_router(cockpit.router)
    app.include_router(tasklist.router)
    app.include_router(modeler.router)
    app.include_router(incidents.router)
    app.include_router(jobs.router)
    app.include_router(decisions.router)
    app.include_router(insight.router)
    app.include_router(definitions.router)
    app.include_router(instances.router)
    # last: any other path under the UI is a page saying it does not exist
    app.include_router(missing.router)

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(PREFIX + "/", status_code=307)
