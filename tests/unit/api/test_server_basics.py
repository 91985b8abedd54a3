"""The API's foundations over real HTTP: health, topology, problem details, the body limit,
authentication and CORS."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel

from regista.api import ServerOptions, create_app
from regista.api.authenticator import StoredAuthenticator
from regista.api.context import Principal, require
from regista.api.identity import Directory, basic_credentials
from regista.client import Client
from regista.runtime.errors import NotFoundError, RequestError
from regista.store.memory import MemoryStore
from serving import serve


@pytest.fixture
def client() -> Iterator[Client]:
    store = MemoryStore()
    with Client(store) as runtime_client:
        yield runtime_client
    store.close()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Thing(BaseModel):
    name: str
    count: int


@contextmanager
def http_to(app: FastAPI) -> Iterator[httpx.Client]:
    with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http


def open_app(client: Client, **options: object) -> FastAPI:
    app = create_app(client, ServerOptions(auth="none", **options))  # type: ignore[arg-type]

    @app.post("/test/things")
    def make(thing: Thing) -> dict[str, str]:
        return {"made": thing.name}

    @app.get("/test/missing")
    def missing() -> None:
        raise NotFoundError("there is no process instance '42'")

    @app.get("/test/refused")
    def refused() -> None:
        raise RequestError("instance 42 already ended (completed)")

    @app.get("/test/boom")
    def boom() -> None:
        raise ZeroDivisionError("bug")

    return app


def test_health_ready_and_topology_need_no_credentials(client: Client) -> None:
    app = create_app(
        client, ServerOptions(), authenticator=StoredAuthenticator(Directory(client.store))
    )
    with http_to(app) as http:
        check_public(http)


def check_public(http: httpx.Client) -> None:
    assert http.get("/health").json() == {"status": "UP"}
    assert http.get("/ready").json() == {"status": "UP"}
    topology = http.get("/v2/topology").json()
    assert topology["gatewayVersion"] == "8.8.0"
    assert topology["clusterSize"] == 1 and topology["brokers"][0]["partitions"]
    assert http.get("/v2/status").status_code == 401, "the status needs credentials"


def test_a_request_that_breaks_the_schema_is_a_400_naming_the_field(client: Client) -> None:
    with http_to(open_app(client)) as http:
        check_schema(http)


def check_schema(http: httpx.Client) -> None:
    response = http.post("/test/things", json={"name": "x", "count": "many"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400 and body["title"] == "Bad Request"
    assert [p["name"] for p in body["invalidParams"]] == ["count"]
    assert "count" in body["detail"]
    malformed = http.post(
        "/test/things", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["invalidParams"]


def test_runtime_errors_become_404_and_400_and_bugs_500(client: Client) -> None:
    with http_to(open_app(client)) as http:
        check_errors(http)


def check_errors(http: httpx.Client) -> None:
    missing = http.get("/test/missing")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "there is no process instance '42'"
    assert missing.json()["instance"] == "/test/missing"
    assert http.get("/test/refused").status_code == 400
    boom = http.get("/test/boom")
    assert boom.status_code == 500
    assert "ZeroDivisionError" in boom.json()["detail"]
    assert http.get("/no/such/path").status_code == 404
    assert http.get("/no/such/path").headers["content-type"] == "application/problem+json"


def test_a_body_over_the_limit_is_refused_with_413(client: Client) -> None:
    with http_to(open_app(client, max_body_bytes=100)) as http:
        check_limit(http)


def check_limit(http: httpx.Client) -> None:
    announced = http.post("/test/things", json={"name": "x" * 200, "count": 1})
    assert announced.status_code == 413
    assert announced.json()["status"] == 413

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(50):
            yield b"xxxxxxxxxx"
        yield b'", "count": 1}'

    streamed = http.post(
        "/test/things", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    assert http.post("/test/things", json={"name": "ok", "count": 1}).json() == {"made": "ok"}


def test_credentials_are_checked_and_roles_enforced(client: Client) -> None:
    directory = Directory(client.store)
    directory.create_user("root", "s3cret", roles=["admin"])
    app = create_app(client, ServerOptions(), authenticator=StoredAuthenticator(directory))

    @app.get("/test/operators")
    def operators(who: Principal = Depends(require("operator"))) -> dict[str, str]:  # noqa: B008
        return {"who": who.username}

    with http_to(app) as http:
        check_credentials(http)


def check_credentials(http: httpx.Client) -> None:
    anonymous = http.get("/v2/authentication/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    assert http.get("/v2/authentication/me", headers=basic("root", "wrong")).status_code == 401
    me = http.get("/v2/authentication/me", headers=basic("root", "s3cret")).json()
    assert me["username"] == "root" and "admin" in me["roles"]
    assert http.get("/test/operators", headers=basic("root", "s3cret")).json() == {"who": "root"}
    assert http.get("/v2/status", headers=basic("root", "s3cret")).status_code == 204


def test_a_role_missing_is_a_403(client: Client) -> None:
    class OnlyUsers:
        def authenticate(self, authorization: str | None) -> Principal | None:
            return Principal("ann", frozenset({"user"}))

    app = create_app(client, ServerOptions(), authenticator=OnlyUsers())

    @app.get("/test/operators")
    def operators(who: Principal = Depends(require("operator"))) -> dict[str, str]:  # noqa: B008
        return {"who": who.username}

    with http_to(app) as http:
        refused = http.get("/test/operators")
    assert refused.status_code == 403
    assert "operator" in refused.json()["detail"]


def test_basic_credentials_are_read_strictly() -> None:
    assert basic_credentials("Basic " + base64.b64encode(b"a:b:c").decode()) == ("a", "b:c")
    assert basic_credentials("Basic !!!") is None
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("Basic " + base64.b64encode(b"nocolon").decode()) is None
    assert basic_credentials(None) is None


def test_browsers_on_this_machine_may_call_by_default(client: Client) -> None:
    with http_to(open_app(client)) as http:
        check_cors(http)


def check_cors(http: httpx.Client) -> None:
    allowed = http.options(
        "/v2/topology",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"},
    )
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:3000"
    other = http.options(
        "/v2/topology",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in other.headers


def test_the_openapi_document_declares_the_problems_answered(client: Client) -> None:
    document = create_app(client, ServerOptions(auth="none")).openapi()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    start = document["paths"]["/v2/process-instances"]["post"]["responses"]
    assert "422" not in start and {"400", "401", "403", "404", "409", "500", "503"} <= set(start)
    problem = start["400"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/ProblemDetail"}
    assert start["504"]["description"].startswith("awaitCompletion")  # an endpoint's own stays
