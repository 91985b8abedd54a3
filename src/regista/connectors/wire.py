"""The HTTP connector's requests sent straight on an httpx transport: the part of
`httpx.Client.send` the connector needs — the client's default headers, the timeout, the
redirects followed as httpx follows them — without the layers it does not use (a cookie
jar that keeps nothing, auth flows, event hooks, per-request logging), which cost more CPU
per call than the transport itself."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

__all__ = ["DEFAULT_HEADERS", "MAX_REDIRECTS", "exchange", "redirected", "with_defaults"]

MAX_REDIRECTS = 20
"""As many redirects as `httpx.Client` follows."""

DEFAULT_HEADERS: tuple[tuple[str, str], ...] = (
    ("Accept", "*/*"),
    ("Accept-Encoding", "gzip, deflate"),
    ("Connection", "keep-alive"),
    ("User-Agent", f"python-httpx/{httpx.__version__}"),
)
"""What `httpx.Client` sends unless the request says otherwise (the encodings every
httpx decodes)."""

_DEFAULT_NAMES = frozenset(name.lower() for name, _ in DEFAULT_HEADERS)


def with_defaults(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """The request's headers after the defaults it does not set itself (names compared
    without case, as HTTP does)."""
    if not headers:
        return list(DEFAULT_HEADERS)
    given = {name.lower() for name in headers}
    merged = (
        list(DEFAULT_HEADERS)
        if given.isdisjoint(_DEFAULT_NAMES)
        else [pair for pair in DEFAULT_HEADERS if pair[0].lower() not in given]
    )
    merged.extend(headers.items())
    return merged


def exchange(
    transport: httpx.BaseTransport, request: httpx.Request, *, max_redirects: int = MAX_REDIRECTS
) -> httpx.Response:
    """Send `request` on `transport` and read the response, following redirects; raises
    httpx's errors (`TimeoutException`, `TransportError`, `TooManyRedirects`) as
    `Client.send` does."""
    history: list[httpx.Response] = []
    while True:
        response = transport.handle_request(request)
        response.request = request
        try:
            response.read()  # closing the stream hands the connection back to the pool
        except BaseException:
            response.close()
            raise
        if not response.has_redirect_location:
            response.history = history
            return response
        if len(history) >= max_redirects:
            raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
        history.append(response)
        request = redirected(request, response)


def redirected(request: httpx.Request, response: httpx.Response) -> httpx.Request:
    """The request that follows a redirect, as `httpx.Client` builds it: 303 (and, as
    browsers do, 302, and 301 after a POST) turn into a GET without a body; the
    Authorization header goes only to the same origin (or its https upgrade); a Cookie
    header is never carried over."""
    method = request.method
    status = response.status_code
    if (status in (302, 303) and method != "HEAD") or (status == 301 and method == "POST"):
        method = "GET"
    try:
        url = httpx.URL(response.headers["Location"])
    except httpx.InvalidURL as exc:
        raise httpx.RemoteProtocolError(
            f"Invalid URL in location header: {exc}.", request=request
        ) from None
    if url.scheme and not url.host:
        url = url.copy_with(host=request.url.host)
    if url.is_relative_url:
        url = request.url.join(url)
    if request.url.fragment and not url.fragment:
        url = url.copy_with(fragment=request.url.fragment)
    headers = httpx.Headers(request.headers)
    if not _same_origin(url, request.url):
        if not _https_upgrade(request.url, url):
            headers.pop("Authorization", None)
        headers["Host"] = url.netloc.decode("ascii")
    body = True
    if method != request.method and method == "GET":
        headers.pop("Content-Length", None)
        headers.pop("Transfer-Encoding", None)
        body = False
    headers.pop("Cookie", None)
    return httpx.Request(
        method,
        url,
        headers=headers,
        stream=request.stream if body else None,
        extensions=request.extensions,
    )


def _port(url: httpx.URL) -> int | None:
    if url.port is not None:
        return url.port
    return {"http": 80, "https": 443}.get(url.scheme)


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return url.scheme == other.scheme and url.host == other.host and _port(url) == _port(other)


def _https_upgrade(url: httpx.URL, location: httpx.URL) -> bool:
    return (
        url.host == location.host
        and url.scheme == "http"
        and _port(url) == 80
        and location.scheme == "https"
        and _port(location) == 443
    )
