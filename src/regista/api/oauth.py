"""`POST /oauth/token`: an OAuth 2.0 token endpoint (client credentials, RFC 6749 §4.4) for
clients configured for OAuth, such as the Camunda SDKs (`CAMUNDA_AUTH_STRATEGY=OAUTH`,
`CAMUNDA_OAUTH_URL=<server>/oauth/token`) and the Modeler's "OAuth" authentication.

The client is a Regista API key (client id `rgk_<id>`, client secret the key's secret or its
whole text) or a user (client id the username, secret the password), sent form-encoded in
the body as those clients send it, or as HTTP Basic (`client_secret_basic`). The answer is
`{access_token, token_type: "Bearer", expires_in}`; the token (`api/tokens.py`) stands for
that key or user on every other endpoint. Errors are OAuth's own (`{error,
error_description}`, RFC 6749 §5.2), which OAuth clients read, not problem details. With
`--auth none` every request is an administrator anyway, so any client gets a token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from regista.api.authenticator import StoredAuthenticator
from regista.api.context import Principal, services
from regista.api.identity import Directory, basic_credentials
from regista.api.tokens import AccessTokens

__all__ = ["OAUTH_ERROR_SCHEMA", "PREFIX", "router"]

PREFIX = "/oauth"
router = APIRouter(prefix=PREFIX, tags=["Authentication"])

OAUTH_ERROR_SCHEMA: dict[str, Any] = {
    "title": "OAuthError",
    "description": "An OAuth 2.0 error (RFC 6749 §5.2).",
    "type": "object",
    "properties": {
        "error": {
            "type": "string",
            "enum": ["invalid_request", "invalid_client", "unsupported_grant_type"],
        },
        "error_description": {"type": "string"},
    },
    "required": ["error"],
}

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenResponse(BaseModel):
    access_token: str = Field(description="Send it as `Authorization: Bearer <access_token>`")
    token_type: str = Field(default="Bearer", description="Always Bearer")
    expires_in: int = Field(description="Seconds the token stays valid")


def _error(status: int, error: str, description: str) -> JSONResponse:
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="regista", charset="UTF-8"'
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers=headers
    )


async def _fields(request: Request) -> Mapping[str, Any] | None:
    """The request's parameters: form-encoded (as OAuth says), or a JSON object (as some
    clients send); None when the body is neither."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            found = json.loads(await request.body() or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        return found if isinstance(found, dict) else None
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        try:
            form = await request.form()
        except Exception:  # a body the form parser refuses is the client's mistake
            return None
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return None


def _tokens(request: Request) -> AccessTokens:
    found: AccessTokens | None = getattr(request.app.state, "tokens", None)
    if found is None:  # --auth none, or an authenticator of the caller's own
        authenticator = services(request).authenticator
        found = (
            authenticator.tokens
            if isinstance(authenticator, StoredAuthenticator)
            else AccessTokens(services(request).client.store)
        )
        request.app.state.tokens = found
    return found


@router.post(
    "/token",
    response_model=TokenResponse,
    summary="Get an access token (OAuth 2.0 client credentials)",
    description="Form-encoded `grant_type=client_credentials` with `client_id` and "
    "`client_secret` (or HTTP Basic): an API key (`rgk_<id>` and its secret) or a username "
    "and password. `audience` and `scope` are accepted and ignored. Point the Camunda SDKs' "
    "`CAMUNDA_OAUTH_URL`, or the Modeler's OAuth URL, here.",
    responses={
        400: {"description": "A parameter is missing or the grant type is not supported"},
        401: {"description": "The client credentials are not valid"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "example": "client_credentials"},
                            "client_id": {"type": "string", "example": "rgk_0123456789abcdef"},
                            "client_secret": {"type": "string"},
                            "audience": {"type": "string"},
                            "scope": {"type": "string"},
                        },
                        "required": ["grant_type"],
                    }
                }
            },
        }
    },
)
async def token(request: Request) -> Any:
    fields = await _fields(request)
    if fields is None:
        return _error(
            400,
            "invalid_request",
            "send the parameters form-encoded (application/x-www-form-urlencoded)",
        )
    grant = fields.get("grant_type")
    if not grant:
        return _error(400, "invalid_request", "grant_type is missing: use client_credentials")
    if grant != "client_credentials":
        return _error(
            400, "unsupported_grant_type", f"grant_type {grant!r}: use client_credentials"
        )
    client_id, secret = fields.get("client_id"), fields.get("client_secret")
    given = basic_credentials(request.headers.get("authorization"))
    if given is not None and not (client_id and secret):
        client_id, secret = given
    if not isinstance(client_id, str) or not isinstance(secret, str) or not client_id:
        return _error(
            401, "invalid_client", "send client_id and client_secret (an API key or a user)"
        )
    svc = services(request)
    audience = fields.get("audience") if isinstance(fields.get("audience"), str) else None
    tokens = _tokens(request)
    if svc.options.auth == "none":
        issued = await run_in_threadpool(tokens.issue, client_id, None, audience=audience)
    else:
        directory: Directory = request.app.state.directory
        found: tuple[Principal, str | None] | None = await run_in_threadpool(
            directory.client_credentials, client_id, secret
        )
        if found is None:
            return _error(
                401,
                "invalid_client",
                "the client credentials are not valid: give an API key (client id rgk_<id>, "
                "its secret) or a username and password",
            )
        principal, key_id = found
        issued = await run_in_threadpool(
            tokens.issue, principal.username, key_id, audience=audience
        )
    body = TokenResponse(access_token=issued, expires_in=tokens.lifetime)
    return JSONResponse(body.model_dump(), headers=_NO_STORE)
