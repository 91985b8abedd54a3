"""The HTTP connector keeps no cookies between calls (a Set-Cookie from one API must not
reach the calls of other instances), and without a client of its own gives each worker
thread one."""

from __future__ import annotations

import threading

import httpx

from regista.connectors import HTTP_JSON, Secrets, no_cookies, standard_connectors
from regista.connectors.http import HttpConnector
from regista.runtime.workers import ActivatedJob


def job(url: str) -> ActivatedJob:
    return ActivatedJob(
        id="j",
        type=HTTP_JSON,
        instance_id="i",
        element_id="call",
        element_instance_id="e",
        variables={"url": url},
        headers={"resultVariable": "answer"},
    )


def recording() -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"set-cookie": "session=of-the-first-call; Path=/"})

    return httpx.Client(transport=httpx.MockTransport(answer)), seen


def test_a_cookie_set_by_one_call_is_not_sent_by_the_next() -> None:
    client, seen = recording()
    connector = HttpConnector(Secrets(), client)
    connector(job("https://api.example/login"))
    connector(job("https://api.example/orders"))
    assert [r.url.path for r in seen] == ["/login", "/orders"]
    assert "cookie" not in seen[1].headers
    assert not list(client.cookies.jar)


def test_a_client_shared_with_the_ai_connector_keeps_no_cookies_either() -> None:
    client, seen = recording()
    standard_connectors(Secrets(), http=client)
    client.get("https://api.example/login")
    client.get("https://api.example/orders")
    assert "cookie" not in seen[1].headers


def test_no_cookies_refuses_what_it_is_given() -> None:
    jar = httpx.Cookies(no_cookies())
    jar.set("session", "x", domain="api.example")
    assert not list(jar.jar)


def test_each_thread_gets_a_client_of_its_own_closed_with_the_connector() -> None:
    connector = HttpConnector(Secrets())
    found: list[httpx.Client] = []

    def take() -> None:
        found.append(connector.client)
        found.append(connector.client)

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, again, second, _ = found
    assert first is again and first is not second
    connector.close()
    assert first.is_closed and second.is_closed


def test_a_client_given_is_used_by_every_thread_and_not_closed() -> None:
    client, _ = recording()
    connector = HttpConnector(Secrets(), client)
    found: list[httpx.Client] = []
    thread = threading.Thread(target=lambda: found.append(connector.client))
    thread.start()
    thread.join()
    assert found == [client] and connector.client is client
    connector.close()
    assert not client.is_closed
