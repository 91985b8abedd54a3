"""The UI's way to the API: pages read and change data by calling the same endpoints a
client calls, in process, as the signed-in user (their cookie or `Authorization` header is
passed on), so the UI can do nothing its user could not do through the API."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.types import ASGIApp

from regista.api.sessions import COOKIE, CSRF_HEADER, csrf_token

__all__ = ["ApiProblem", "Gateway"]


class ApiProblem(Exception):
    """An API call answered with an error: its status, its detail and the fields it named."""

    def __init__(self, status: int, detail: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.fields = fields or {}


def _problem(response: httpx.Response) -> ApiProblem:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ApiProblem(response.status_code, response.text[:300] or response.reason_phrase)
    detail = str(body.get("detail") or body.get("message") or body.get("title") or "error")
    fields: dict[str, str] = {}
    for param in body.get("invalidParams") or ():
        if isinstance(param, dict) and "name" in param:
            fields[str(param["name"])] = str(param.get("reason", ""))
    return ApiProblem(response.status_code, detail, fields)


class Gateway:
    """Calls `app`'s API in process for the user of a page request."""

    def __init__(self, app: ASGIApp) -> None:
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://regista.ui", timeout=60
        )

    async def call(
        self,
        request: Request,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """The JSON answer of `method path` made as the user of `request`; an `ApiProblem`
        when the API refuses it."""
        headers: dict[str, str] = {"accept": "application/json"}
        authorization = request.headers.get("authorization")
        if authorization:
            headers["authorization"] = authorization
        session = request.cookies.get(COOKIE)
        if session:
            headers["cookie"] = f"{COOKIE}={session}"
            headers[CSRF_HEADER] = csrf_token(session)
        response = await self._client.request(
            method, path, json=json, params=params, headers=headers
        )
        if response.status_code >= 400:
            raise _problem(response)
        if not response.content:
            return None
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.text

    async def get(self, request: Request, path: str, **params: Any) -> Any:
        """`GET path?params` as the user of `request`."""
        return await self.call(request, "GET", path, params=params or None)

    async def post(self, request: Request, path: str, body: Any = None) -> Any:
        """`POST path` with the JSON `body` as the user of `request`."""
        return await self.call(request, "POST", path, json=body if body is not None else {})

    async def close(self) -> None:
        await self._client.aclose()
