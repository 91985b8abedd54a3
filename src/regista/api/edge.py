"""The server's edge: one pure-ASGI layer in front of the application that refuses a body
over the limit with 413, answers CORS for browsers and turns an unexpected exception into a
500 problem.

These were three middlewares, each wrapping `receive` and `send` of every request; here a
request pays for one look at its headers. A body that announces its length is checked
against the limit before anything is read (the HTTP server frames the body by that length);
one without (chunked) is counted as it streams in. CORS goes through Starlette's own
middleware, but only for requests that carry an `Origin` header: the others get nothing
from it.
"""

from __future__ import annotations

import json
import logging

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regista.api.options import ServerOptions
from regista.api.problems import failure_detail, problem

__all__ = ["Edge"]

log = logging.getLogger("regista.api")


class Edge:
    """ASGI middleware: the body limit, CORS and the last resort for errors (see the
    module docstring) in front of `app`."""

    def __init__(self, app: ASGIApp, options: ServerOptions) -> None:
        self.app = app
        self.limit = options.max_body_bytes
        self.cors = CORSMiddleware(
            app,
            allow_origins=list(options.cors_origins or ()),
            allow_origin_regex=None if options.cors_origins else options.cors_regex,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app = self.app
        announced: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                announced = value
            elif name == b"origin":
                app = self.cors
        if announced is not None:
            try:
                length = int(announced)
            except ValueError:
                length = 0
            if length > self.limit:
                await self._refuse(scope, send)
                return
        started = False
        refused = False
        seen = 0

        async def limited() -> Message:
            # only for a body of unannounced length (chunked)
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # the application sees the client go away; its answer is dropped
                    refused = True
                    return {"type": "http.disconnect"}
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if refused and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await app(scope, receive if announced is not None else limited, sending)
        except Exception as exc:
            if refused and not started:
                pass  # the application failed on the body cut short: the 413 below answers
            else:
                log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
                if started:
                    return
                response = problem(500, failure_detail(exc), instance=str(scope.get("path", "")))
                await response(scope, receive, send)
                return
        if refused and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Content Too Large",
                "status": 413,
                "detail": f"the request body is larger than the limit of {self.limit} bytes",
                "instance": scope.get("path", ""),
            }
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
