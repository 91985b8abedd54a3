"""The HTTP/REST connector: job type `io.camunda:http-json:1`, with Camunda's input names.

Inputs (the task's `zeebe:ioMapping`): `method` (GET), `url`, `headers`,
`queryParameters`, `body` (JSON, or a form when the Content-Type says
`application/x-www-form-urlencoded`, or text), `authentication.type` — `noAuth`, `basic`
(`username`, `password`), `bearer` (`token`), `apiKey` (`name`, `value`, `location`
headers or query) or `oauth-client-credentials-flow` (`oauthTokenEndpoint`, `clientId`,
`clientSecret`, `audience`, `scopes`, `clientAuthentication` basicAuthHeader or
credentialsBody) — and `connectionTimeoutInSeconds` / `readTimeoutInSeconds` (20 each).
The response is `{status, headers, body}` (the body parsed when it is JSON). A status of
400 or more, a timeout or a refused connection fails the call with the status (or
TIMEOUT, CONNECTION_ERROR) as its error code, for the `errorExpression` to map.

Every call stands alone: no cookie is kept between calls (a `Set-Cookie` from one API never
reaches a call of another instance; a model that needs a cookie sends the `Cookie` header
itself). Without a client of its own, the connector gives each worker thread its own
`httpx.Client`, so the threads never contend for one connection pool, and sends its calls
straight on that client's transport (`connectors.wire`: the client's layers cost more CPU
per call than the transport); when the environment names a proxy, they go through the
client, which honours it.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import http.cookiejar
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from regista.connectors.outcome import CallFailed, ConnectorError, Outcome, conclude, json_bytes
from regista.connectors.secrets import SecretError, Secrets
from regista.connectors.wire import exchange, with_defaults
from regista.runtime.workers import ActivatedJob, JobFailure

__all__ = ["HTTP_JSON", "HttpConnector", "no_cookies"]

HTTP_JSON = "io.camunda:http-json:1"

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_AUTH_TYPES = ("noAuth", "basic", "bearer", "apiKey", "oauth-client-credentials-flow")
_DEFAULT_SECONDS = 20.0
# the timeout of almost every call (neither input given), built once rather than per call
_DEFAULT_TIMEOUT = httpx.Timeout(_DEFAULT_SECONDS, connect=_DEFAULT_SECONDS)
_DEFAULT_TIMEOUTS = _DEFAULT_TIMEOUT.as_dict()


class _NoCookies(http.cookiejar.CookieJar):
    """A cookie jar that keeps nothing, so that no call sees another's cookies."""

    def set_cookie(self, cookie: http.cookiejar.Cookie) -> None:
        return

    def extract_cookies(
        self, response: http.client.HTTPResponse, request: urllib.request.Request
    ) -> None:
        return


def no_cookies() -> http.cookiejar.CookieJar:
    """The cookie jar of a client whose calls must not share any
    (`httpx.Client(cookies=no_cookies())`: httpx keeps a jar it is given, and copies
    the contents of anything else into a jar of its own)."""
    return _NoCookies()


def _text_map(value: Any, field: str) -> dict[str, str]:
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise ConnectorError(field, f"must be a context of names to values, not {value!r}")
    return {str(k): v if isinstance(v, str) else json_bytes(v).decode() for k, v in value.items()}


def _seconds(value: Any, field: str) -> float:
    if value is None or value == "":
        return _DEFAULT_SECONDS
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConnectorError(field, f"must be a number of seconds, not {value!r}") from None
    if seconds <= 0:
        raise ConnectorError(field, "must be more than 0 seconds")
    return seconds


def _timeout(inputs: Mapping[str, Any]) -> httpx.Timeout:
    read = _seconds(inputs.get("readTimeoutInSeconds"), "readTimeoutInSeconds")
    connect = _seconds(inputs.get("connectionTimeoutInSeconds"), "connectionTimeoutInSeconds")
    if read == connect == _DEFAULT_SECONDS:
        return _DEFAULT_TIMEOUT
    return httpx.Timeout(read, connect=connect)


def _basic(username: str, password: str) -> str:
    """An HTTP Basic Authorization header's value."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _headers(answer: httpx.Response) -> dict[str, str]:
    """The response's headers by lower-case name, a repeated one's values joined by commas:
    what `dict(answer.headers)` gives, in one pass (that looks each name up again, scanning
    every header)."""
    return dict(answer.headers.items())


def _response(answer: httpx.Response) -> dict[str, Any]:
    kind = answer.headers.get("content-type", "")
    if "json" in kind and answer.content:
        # parsed straight from the bytes (json detects UTF-8/16/32), without first decoding
        # the text that a JSON body does not need; a body that is not JSON stays text
        with contextlib.suppress(ValueError):
            parsed = json.loads(answer.content)
            return {
                "status": answer.status_code,
                "headers": _headers(answer),
                "body": parsed or None,
            }
    body: Any = answer.text
    if body and ("json" in kind or body.lstrip()[:1] in ("{", "[")):
        with contextlib.suppress(ValueError):
            body = answer.json()
    return {"status": answer.status_code, "headers": _headers(answer), "body": body or None}


class HttpConnector:
    """Calls HTTP APIs for `io.camunda:http-json:1` jobs. OAuth tokens are kept until
    shortly before they expire (`now` is the clock, for tests).

    A `client` given is used by every thread, its cookie jar replaced by one that keeps
    nothing; without one, each thread gets a client of its own (see the module docstring),
    closed by `close`."""

    def __init__(
        self,
        secrets: Secrets,
        client: httpx.Client | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secrets = secrets
        self.now = now
        self._tokens: dict[tuple[str, ...], tuple[str, float]] = {}
        self._shared = client
        if client is not None:
            client.cookies = no_cookies()
        self._local = threading.local()
        self._made: list[httpx.Client] = []
        self._lock = threading.Lock()
        # a proxy named by the environment is honoured by httpx.Client, not by a bare
        # transport: then every call goes through the client
        self._direct = client is None and not urllib.request.getproxies()

    @property
    def client(self) -> httpx.Client:
        """The client of the calling thread."""
        if self._shared is not None:
            return self._shared
        own: httpx.Client | None = getattr(self._local, "client", None)
        if own is None:
            own = self._own_client()
        return own

    def _own_client(self) -> httpx.Client:
        """Make the calling thread's client (and the transport its calls go straight on)."""
        transport = httpx.HTTPTransport() if self._direct else None
        own = httpx.Client(follow_redirects=True, cookies=no_cookies(), transport=transport)
        self._local.client = own
        self._local.transport = transport
        with self._lock:
            self._made.append(own)
        return own

    def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        params: Mapping[str, str],
        timeout: httpx.Timeout,
        content: Mapping[str, Any],
    ) -> httpx.Response:
        """Send one request: straight on the thread's transport, or through the client."""
        client = self.client
        transport: httpx.BaseTransport | None = getattr(self._local, "transport", None)
        if self._shared is not None or transport is None:
            return client.request(
                method, url, headers=headers, params=params, timeout=timeout, **content
            )
        timeouts = _DEFAULT_TIMEOUTS if timeout is _DEFAULT_TIMEOUT else timeout.as_dict()
        request = httpx.Request(
            method,
            url,
            params=params or None,
            headers=with_defaults(headers),
            extensions={"timeout": timeouts},
            **content,
        )
        return exchange(transport, request)

    def close(self) -> None:
        """Close the clients the connector made for its threads (not one it was given)."""
        with self._lock:
            made, self._made = self._made, []
        for client in made:
            client.close()

    def __call__(self, job: ActivatedJob) -> dict[str, Any]:
        try:
            outcome = self.call(job.variables)
        except (ConnectorError, SecretError) as exc:
            # a configuration that cannot work: no retry helps, the incident says what to fix
            raise JobFailure(self.secrets.redact(f"{job.element_id}: {exc}"), retries=0) from None
        try:
            return conclude(job, outcome, self.secrets.redact)
        except ConnectorError as exc:
            raise JobFailure(self.secrets.redact(f"{job.element_id}: {exc}"), retries=0) from None

    def call(self, inputs: Mapping[str, Any]) -> Outcome:
        """Send the request the inputs describe."""
        resolve = self.secrets.resolve
        method = str(inputs.get("method") or "GET").upper()
        if method not in _METHODS:
            raise ConnectorError("method", f"{method!r} is not one of {', '.join(_METHODS)}")
        url = resolve(inputs.get("url"), "url")
        if not isinstance(url, str) or not url:
            raise ConnectorError("url", "is missing: map the URL to call into the input 'url'")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConnectorError("url", "must be an http:// or https:// URL")
        headers = _text_map(resolve(inputs.get("headers"), "headers"), "headers")
        query = _text_map(
            resolve(inputs.get("queryParameters"), "queryParameters"), "queryParameters"
        )
        auth = resolve(inputs.get("authentication") or {}, "authentication")
        if not isinstance(auth, Mapping):
            raise ConnectorError("authentication", "must be a context with a type")
        timeout = _timeout(inputs)
        self._authenticate(auth, headers, query, timeout)
        content = self._content(resolve(inputs.get("body"), "body"), headers, method)
        try:
            answer = self._send(
                method, url, headers=headers, params=query, timeout=timeout, content=content
            )
        except httpx.TimeoutException as exc:
            return Outcome(failed=CallFailed("TIMEOUT", f"{method} {url} timed out ({exc})"))
        except httpx.TransportError as exc:
            return Outcome(failed=CallFailed("CONNECTION_ERROR", f"{method} {url} failed: {exc}"))
        response = _response(answer)
        if answer.status_code >= 400:
            return Outcome(
                failed=CallFailed(
                    str(answer.status_code),
                    f"{method} {url} answered {answer.status_code} {answer.reason_phrase}",
                    response,
                )
            )
        return Outcome(response=response)

    def _content(self, body: Any, headers: dict[str, str], method: str) -> dict[str, Any]:
        if body is None or body == "" or method in ("GET", "HEAD"):
            return {}
        kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if "x-www-form-urlencoded" in kind:
            if not isinstance(body, Mapping):
                raise ConnectorError("body", "a form body is a context of names to values")
            return {"data": {str(k): str(v) for k, v in body.items()}}
        if isinstance(body, str) and kind and "json" not in kind:
            return {"content": body.encode("utf-8")}
        if not kind:
            headers["Content-Type"] = "application/json"
        return {"content": json_bytes(body)}

    def _authenticate(
        self,
        auth: Mapping[str, Any],
        headers: dict[str, str],
        query: dict[str, str],
        timeout: httpx.Timeout,
    ) -> None:
        kind = auth.get("type") or "noAuth"
        if kind not in _AUTH_TYPES:
            raise ConnectorError(
                "authentication.type", f"{kind!r} is not one of {', '.join(_AUTH_TYPES)}"
            )
        if kind == "basic":
            username = self._required(auth, "username")
            headers["Authorization"] = _basic(username, str(auth.get("password") or ""))
        elif kind == "bearer":
            headers["Authorization"] = f"Bearer {self._required(auth, 'token')}"
        elif kind == "apiKey":
            name, value = self._required(auth, "name"), self._required(auth, "value")
            location = auth.get("location") or "headers"
            if location == "query":
                query[name] = value
            elif location == "headers":
                headers[name] = value
            else:
                raise ConnectorError(
                    "authentication.location", f"{location!r} is not headers or query"
                )
        elif kind == "oauth-client-credentials-flow":
            headers["Authorization"] = f"Bearer {self._oauth_token(auth, timeout)}"

    def _required(self, auth: Mapping[str, Any], name: str) -> str:
        value = auth.get(name)
        if value is None or value == "":
            raise ConnectorError(
                f"authentication.{name}",
                f"is missing for authentication type {auth.get('type')!r}",
            )
        return str(value)

    def _oauth_token(self, auth: Mapping[str, Any], timeout: httpx.Timeout) -> str:
        endpoint = self._required(auth, "oauthTokenEndpoint")
        client_id = self._required(auth, "clientId")
        secret = self._required(auth, "clientSecret")
        audience = str(auth.get("audience") or "")
        scopes = str(auth.get("scopes") or "")
        key = (endpoint, client_id, audience, scopes)
        cached = self._tokens.get(key)
        if cached is not None and cached[1] > self.now():
            return cached[0]
        form = {"grant_type": "client_credentials"}
        if audience:
            form["audience"] = audience
        if scopes:
            form["scope"] = scopes
        headers: dict[str, str] = {}
        if (auth.get("clientAuthentication") or "basicAuthHeader") == "credentialsBody":
            form.update(client_id=client_id, client_secret=secret)
        else:
            headers["Authorization"] = _basic(client_id, secret)
        try:
            answer = self._send(
                "POST",
                endpoint,
                headers=headers,
                params={},
                timeout=timeout,
                content={"data": form},
            )
        except httpx.HTTPError as exc:
            raise ConnectorError(
                "authentication.oauthTokenEndpoint", f"the token request failed: {exc}"
            ) from None
        token = None
        expires = 0.0
        if answer.status_code < 400:
            try:
                granted = answer.json()
                token = granted.get("access_token")
                expires = float(granted.get("expires_in") or 0)
            except (ValueError, AttributeError, TypeError):
                token = None
        if not isinstance(token, str) or not token:
            raise ConnectorError(
                "authentication.oauthTokenEndpoint",
                f"the token endpoint answered {answer.status_code} without an access_token",
            )
        if expires > 30:
            self._tokens[key] = (token, self.now() + expires - 30)
        return token
