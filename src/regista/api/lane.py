"""The hot lane: the three requests a busy server answers most — start an instance
(`POST /v2/process-instances`), activate jobs (`POST /v2/jobs/activation`) and complete one
(`POST /v2/jobs/{jobKey}/completion`) — served without FastAPI's router, dependency solving
and middleware stack, which cost more per request than the endpoints themselves.

The lane takes only a request it can answer exactly as FastAPI would: a JSON body that
validates, a caller whose credentials are cached and who holds the route's roles. It then
calls the same function as FastAPI's route (`start_instance`, `activate`, `complete`) and
answers its errors with the application's own exception handlers. Anything else — a body
that does not parse or validate, credentials to verify, a role missing, dependency
overrides — goes to FastAPI untouched (the body it read is handed on), so every refusal
comes from one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from regista.api.context import Principal, Requirement
from regista.api.v2 import common, instances, jobs

__all__ = ["HotLane"]

_STARTS = "/v2/process-instances"
_ACTIVATION = "/v2/jobs/activation"
_JOBS = "/v2/jobs/"
_COMPLETION = "/completion"


def _requirement(annotated: Any) -> Requirement:
    """The `require(...)` of an `Annotated[Principal, Depends(require(...))]`: the lane
    checks the roles the route declares."""
    found = get_args(annotated)[1].dependency
    assert isinstance(found, Requirement)
    return found


async def _start(request: Request, key: str, body: Any, who: Principal) -> Response:
    return await instances.start_instance(request, body, who)


async def _activate(request: Request, key: str, body: Any, who: Principal) -> Response:
    return await jobs.activate(request, body, who, jobs.jobs_of(request))


async def _complete(request: Request, key: str, body: Any, who: Principal) -> Response:
    return await jobs.complete(key, body, who, jobs.jobs_of(request))


@dataclass(frozen=True, slots=True)
class _Route:
    """A hot route: who may call it, its body's model (`optional`: an empty body is
    None) and what answers it (given the request, the path's key, the body, the caller)."""

    requirement: Requirement
    model: type[BaseModel]
    optional: bool
    answer: Callable[[Request, str, Any, Principal], Awaitable[Response]]


_START = _Route(_requirement(common.Operator), instances.CreateProcessInstance, False, _start)
_ACTIVATE = _Route(_requirement(jobs.Worker), jobs.JobActivationRequest, False, _activate)
_COMPLETE = _Route(_requirement(jobs.Worker), jobs.JobCompletionRequest, True, _complete)


def _route(path: str) -> tuple[_Route, str] | None:
    """The hot route of a POST to `path`, with the job key of a completion."""
    if path == _STARTS:
        return _START, ""
    if path == _ACTIVATION:
        return _ACTIVATE, ""
    if path.startswith(_JOBS) and path.endswith(_COMPLETION):
        key = path[len(_JOBS) : -len(_COMPLETION)]
        if key and "/" not in key:
            return _COMPLETE, key
    return None


class HotLane:
    """ASGI app: the hot requests answered here, every other one by `fallback` (the
    FastAPI application's own stack)."""

    def __init__(self, app: FastAPI, fallback: ASGIApp) -> None:
        self.app = app
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = (
            _route(scope["path"])
            if scope["type"] == "http"
            and scope["method"] == "POST"
            and not scope.get("root_path")
            and not self.app.dependency_overrides
            else None
        )
        if found is None:
            await self.fallback(scope, receive, send)
            return
        route, key = found
        body, whole = await _read(receive)
        if not whole:
            return  # the client went away (or sent more than the limit: the edge answers)
        scope["app"] = self.app
        request = Request(scope, receive, send)
        who = route.requirement.known(request)
        parsed = _parse(route, body, scope) if who is not None else _NO
        if who is None or parsed is _NO:
            await self.fallback(scope, _replaying(body, receive), send)
            return
        try:
            response = await route.answer(request, key, parsed, who)
        except Exception as exc:
            response = await self._answer(request, exc)
        await response(scope, receive, send)

    async def _answer(self, request: Request, exc: Exception) -> Response:
        """`exc` answered by the application's handler of its class, as FastAPI's
        exception middleware does; one without (the 500 handler of `Exception` aside)
        goes on to the edge."""
        handlers = self.app.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is None or cls is Exception:
                continue
            answer = handler(request, exc)
            if not isinstance(answer, Response):  # a coroutine's
                answer = await answer
            assert isinstance(answer, Response)
            return answer
        raise exc


_NO: Any = object()


def _parse(route: _Route, body: bytes, scope: Scope) -> Any:
    """The validated body of a request of `route` (None for an empty optional one), or
    `_NO` when FastAPI should read it (and answer the problem). Pydantic parses and
    validates the JSON in one pass; whatever it refuses, FastAPI reads again."""
    if not body and route.optional:
        return None
    if not body or not _json(scope):
        return _NO
    try:
        return route.model.model_validate_json(body)
    except ValidationError:
        if route.optional and body.strip() == b"null":
            return None
        return _NO


def _json(scope: Scope) -> bool:
    """Whether the request says its body is JSON (as FastAPI reads it: `application/json`
    or `application/*+json`, parameters allowed)."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media == b"application/json" or (
                media.startswith(b"application/") and media.endswith(b"+json")
            )
    return False


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The whole body, and False when the client went away before sending it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), True


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that first gives `body` again (the lane read it), then what the client
    sends next."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
