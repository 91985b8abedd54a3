"""Errors as RFC 9457 problem details (`application/problem+json`).

Every error the API answers has the same shape: `type`, `title`, `status`, `detail`,
`instance`, and for a bad request the offending fields (`invalidParams`, each with its
`name` and `reason`). A client's mistake is a 4xx naming what is wrong; only the server's
own faults are 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.sources import DeploymentError
from regista.settings import SettingsError
from regista.store import (
    CorruptState,
    DuplicateKey,
    NotFound,
    RetryableError,
    StoreError,
    StoreFull,
    StoreUnavailable,
)

__all__ = [
    "ApiError",
    "document_problems",
    "failure_detail",
    "install_problem_handlers",
    "problem",
]

log = logging.getLogger("regista.api")

MEDIA_TYPE = "application/problem+json"

#: Paths under this prefix speak Camunda 7's REST API, whose errors are `{type, message}`.
ENGINE_REST = "/engine-rest"

# The exception class names Camunda 7's REST API answers with each status.
_ENGINE_REST_TYPES = {
    400: "InvalidRequestException",
    401: "AuthenticationException",
    403: "AuthorizationException",
    404: "InvalidRequestException",
    409: "OptimisticLockingException",
    413: "InvalidRequestException",
    415: "InvalidRequestException",
    500: "ProcessEngineException",
    503: "ProcessEngineException",
}

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def failure_detail(exc: BaseException) -> str:
    """The detail of the 500 problem answering an unexpected exception."""
    return f"the server failed on this request ({type(exc).__name__}); see its log"


class ApiError(Exception):
    """An error the API answers as a problem: `status`, a `detail` sentence saying what is
    wrong and how to fix it, and extra members (e.g. `invalidParams`)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


def problem(
    status: int,
    detail: str,
    *,
    instance: str | None = None,
    title: str | None = None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem-details response; under `/engine-rest`, Camunda 7's `{type, message}`
    (with the offending fields, when there are, as `invalidParams`)."""
    if instance is not None and (instance == ENGINE_REST or instance.startswith(ENGINE_REST + "/")):
        engine_rest: dict[str, Any] = {
            "type": _ENGINE_REST_TYPES.get(status, "RestException"),
            "message": detail,
        }
        if extra and "invalidParams" in extra:
            engine_rest["invalidParams"] = extra["invalidParams"]
        return JSONResponse(engine_rest, status_code=status, headers=headers)
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(location: Sequence[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        kind, rest = parts[0], parts[1:]
        return ".".join(rest) if rest else kind
    return ".".join(parts)


def invalid_params(exc: RequestValidationError) -> list[dict[str, str]]:
    """The fields a validation error names, each with the reason."""
    out: list[dict[str, str]] = []
    for error in exc.errors():
        location = error.get("loc", ())
        out.append({"name": _field(location), "reason": str(error.get("msg", "is invalid"))})
    return out


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as a problem document."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return problem(
            exc.status,
            exc.detail,
            instance=request.url.path,
            title=exc.title,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        params = invalid_params(exc)
        named = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
        return problem(
            400,
            f"the request is invalid: {named}" if named else "the request is invalid",
            instance=request.url.path,
            extra={"invalidParams": params},
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        return problem(
            exc.status_code,
            detail,
            instance=request.url.path,
            headers=dict(exc.headers or {}),
        )

    @app.exception_handler(DeploymentError)
    async def deployment_error(request: Request, exc: DeploymentError) -> JSONResponse:
        problems = [
            {
                "severity": p.severity,
                "message": p.message,
                "file": p.file,
                "line": p.line,
                "elementId": p.element_id,
            }
            for p in exc.problems
        ]
        return problem(400, str(exc), instance=request.url.path, extra={"problems": problems})

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return problem(404, str(exc), instance=request.url.path)

    @app.exception_handler(RequestError)
    async def bad_request(request: Request, exc: RequestError) -> JSONResponse:
        return problem(400, str(exc), instance=request.url.path)

    @app.exception_handler(SettingsError)
    async def bad_setting(request: Request, exc: SettingsError) -> JSONResponse:
        return problem(400, str(exc), instance=request.url.path)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette's last resort answers with this, then raises `exc` again: the edge
        # (`api/edge.py`) logs it
        return problem(500, failure_detail(exc), instance=request.url.path)

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> JSONResponse:
        if isinstance(exc, NotFound):
            return problem(404, str(exc), instance=request.url.path)
        if isinstance(exc, DuplicateKey):
            return problem(409, str(exc), instance=request.url.path)
        if isinstance(exc, RetryableError | StoreUnavailable | StoreFull):
            return problem(503, str(exc), instance=request.url.path, headers={"Retry-After": "1"})
        if isinstance(exc, CorruptState):
            log.error("corrupt state: %s", exc)
        else:
            log.error("store error: %s", exc)
        return problem(500, str(exc), instance=request.url.path)


# What any operation may answer besides its success, as Camunda documents its own: a bad
# request (the validation errors FastAPI would call 422 are 400 here), no or refused
# credentials, a missing or conflicting resource, a body over the limit, the server's fault,
# a database that does not answer.
_ERRORS = {
    400: "The request is invalid; `invalidParams` names the offending fields",
    401: "No valid credentials",
    403: "The caller's roles do not allow this",
    404: "A resource the request names does not exist",
    409: "The request conflicts with the resource's state",
    413: "The request body is larger than the server accepts",
    500: "The server failed on the request (see its log)",
    503: "The database does not answer; try again",
}

#: An example of each problem, shown in the document (and the interactive docs).
_EXAMPLES: dict[int, dict[str, Any]] = {
    400: {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "processDefinitionId: give either processDefinitionId or processDefinitionKey",
        "instance": "/v2/process-instances",
        "invalidParams": [{"name": "processDefinitionId", "reason": "one of the two is needed"}],
    },
    401: {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "authentication is required: send HTTP Basic credentials or "
        "'Authorization: Bearer <API key>'",
        "instance": "/v2/process-instances/search",
    },
    403: {
        "type": "about:blank",
        "title": "Forbidden",
        "status": 403,
        "detail": "the user 'ann' may not do this: it needs the role operator (or admin)",
        "instance": "/v2/process-instances",
    },
    404: {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "there is no process instance 2251799813685249",
        "instance": "/v2/process-instances/2251799813685249",
    },
    409: {
        "type": "about:blank",
        "title": "Conflict",
        "status": 409,
        "detail": "the job 2251799813685250 is held by another activation now",
        "instance": "/v2/jobs/2251799813685250/completion",
    },
    413: {
        "type": "about:blank",
        "title": "Content Too Large",
        "status": 413,
        "detail": "the request body is larger than 16777216 bytes",
        "instance": "/v2/deployments",
    },
    500: {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "the server failed on this request (KeyError); see its log",
        "instance": "/v2/process-instances",
    },
    503: {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": "the database does not answer",
        "instance": "/v2/process-instances",
    },
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetail",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "invalidParams": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                "required": ["name", "reason"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

ENGINE_REST_ERROR_SCHEMA: dict[str, Any] = {
    "title": "EngineRestError",
    "description": "An error as Camunda 7's REST API answers it.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "description": "The exception class name"},
        "message": {"type": "string"},
        "invalidParams": PROBLEM_SCHEMA["properties"]["invalidParams"],
    },
    "required": ["type", "message"],
}


def document_problems(
    document: dict[str, Any],
    *,
    own: Mapping[str, tuple[dict[str, Any], Sequence[int]]] | None = None,
) -> dict[str, Any]:
    """`document` (an OpenAPI document FastAPI generated) with the errors the API really
    answers: FastAPI's 422 dropped, and every operation's error statuses declared as
    `application/problem+json` problem details with an example (keeping an endpoint's own
    description). `own` maps a path prefix to the schema of the errors its operations
    answer instead (as `application/json`) and the statuses that have it."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["ProblemDetail"] = PROBLEM_SCHEMA
    schemas["EngineRestError"] = ENGINE_REST_ERROR_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    overrides: list[tuple[str, dict[str, Any], frozenset[int]]] = []
    for prefix, (schema, statuses) in (own or {}).items():
        schemas[schema["title"]] = schema
        ref = {"$ref": f"#/components/schemas/{schema['title']}"}
        overrides.append((prefix, {"application/json": {"schema": ref}}, frozenset(statuses)))
    engine_rest = {"application/json": {"schema": {"$ref": "#/components/schemas/EngineRestError"}}}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch", "head", "options"):
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in _ERRORS.items():
                declared = responses.setdefault(str(status), {"description": description})
                content: dict[str, Any]
                if path.startswith(ENGINE_REST + "/"):
                    content = dict(engine_rest)
                else:
                    content = {
                        MEDIA_TYPE: {
                            "schema": {"$ref": "#/components/schemas/ProblemDetail"},
                            "example": _EXAMPLES[status],
                        }
                    }
                for prefix, replacement, answered in overrides:
                    if path.startswith(prefix + "/") and status in answered:
                        content = dict(replacement)
                declared["content"] = content
    return document
