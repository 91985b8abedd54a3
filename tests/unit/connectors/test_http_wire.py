"""The HTTP connector's requests sent straight on a transport (`connectors.wire`): the
client's default headers, and redirects followed as `httpx.Client` follows them."""

from __future__ import annotations

import httpx
import pytest

from regista.connectors import HTTP_JSON, HttpConnector, Secrets
from regista.connectors.wire import DEFAULT_HEADERS, exchange, with_defaults
from regista.runtime.workers import ActivatedJob


def routed(routes: dict[str, httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return routes.get(str(request.url), httpx.Response(200, json={"ok": True}))

    return httpx.MockTransport(answer), seen


def test_the_defaults_are_those_of_httpx_client_and_a_request_header_wins() -> None:
    client_defaults = {k.lower(): v for k, v in httpx.Client().headers.items()}
    for name, value in DEFAULT_HEADERS:
        assert client_defaults[name.lower()] == value or name == "Accept-Encoding"
    merged = dict(with_defaults({"accept": "application/json", "X-Id": "1"}))
    assert merged["accept"] == "application/json" and "Accept" not in merged
    assert merged["X-Id"] == "1" and merged["Connection"] == "keep-alive"
    assert with_defaults({}) == list(DEFAULT_HEADERS)


def test_a_303_after_a_post_is_a_get_without_the_body() -> None:
    moved = httpx.Response(303, headers={"Location": "/done"})
    transport, seen = routed({"https://api.example/orders": moved})
    request = httpx.Request("POST", "https://api.example/orders", content=b"{}")
    response = exchange(transport, request)
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert [r.status_code for r in response.history] == [303]
    _, second = seen
    assert (second.method, str(second.url), second.content) == (
        "GET",
        "https://api.example/done",
        b"",
    )
    assert "content-length" not in second.headers


def test_a_307_keeps_the_method_and_body() -> None:
    moved = httpx.Response(307, headers={"Location": "https://api.example/v2/orders"})
    transport, seen = routed({"https://api.example/orders": moved})
    exchange(transport, httpx.Request("PUT", "https://api.example/orders", content=b"[1]"))
    assert (seen[1].method, seen[1].content) == ("PUT", b"[1]")


def test_authorization_and_cookies_do_not_follow_to_another_origin() -> None:
    moved = httpx.Response(302, headers={"Location": "https://elsewhere.example/x"})
    transport, seen = routed({"https://api.example/a": moved})
    headers = {"Authorization": "Bearer t", "Cookie": "a=b", "X-Id": "7"}
    exchange(transport, httpx.Request("GET", "https://api.example/a", headers=headers))
    followed = seen[1]
    assert "authorization" not in followed.headers and "cookie" not in followed.headers
    assert followed.headers["x-id"] == "7" and followed.headers["host"] == "elsewhere.example"


def test_an_https_upgrade_of_the_same_host_keeps_the_authorization() -> None:
    moved = httpx.Response(301, headers={"Location": "https://api.example/a"})
    transport, seen = routed({"http://api.example/a": moved})
    headers = {"Authorization": "Bearer t"}
    exchange(transport, httpx.Request("GET", "http://api.example/a", headers=headers))
    assert seen[1].headers["authorization"] == "Bearer t"


def test_endless_redirects_stop() -> None:
    loop = httpx.Response(302, headers={"Location": "/again"})
    transport, _ = routed({"https://api.example/again": loop})
    request = httpx.Request("GET", "https://api.example/again")
    with pytest.raises(httpx.TooManyRedirects):
        exchange(transport, request, max_redirects=3)


def test_a_connector_sends_straight_on_its_threads_transport_unless_a_proxy_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    direct = HttpConnector(Secrets())
    assert direct._direct
    direct.close()
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    proxied = HttpConnector(Secrets())
    assert not proxied._direct
    proxied.close()


def test_a_connector_call_on_its_own_transport_reaches_the_api() -> None:
    transport, seen = routed({})
    connector = HttpConnector(Secrets())
    connector._local.client = httpx.Client(transport=transport)
    connector._local.transport = transport
    job = ActivatedJob(
        id="j",
        type=HTTP_JSON,
        instance_id="i",
        element_id="call",
        element_instance_id="e",
        variables={"url": "https://api.example/x", "queryParameters": {"q": "a b"}},
        headers={"resultVariable": "answer"},
    )
    assert connector(job)["answer"]["body"] == {"ok": True}
    (request,) = seen
    assert str(request.url) == "https://api.example/x?q=a+b"
    assert request.headers["user-agent"].startswith("python-httpx/")
    assert request.extensions["timeout"] == {
        "connect": 20.0,
        "read": 20.0,
        "write": 20.0,
        "pool": 20.0,
    }
