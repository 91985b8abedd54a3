"""`POST /oauth/token` and its access tokens: client credentials of an API key or a user,
form-encoded as OAuth clients send them (or HTTP Basic), the token accepted as bearer with
the roles of what it stands for, and refused once the key is revoked, the user disabled,
the token expired or changed."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator

import httpx
import pytest

from regista.api import ServerOptions, create_app
from regista.api.tokens import AccessTokens
from regista.client import Client
from regista.store.memory import MemoryStore
from serving import serve

from .identitykit import Served, basic, bearer, identity_app


@pytest.fixture
def served() -> Iterator[Served]:
    with identity_app() as found:
        yield found


def _worker_key(served: Served) -> tuple[str, str, str]:
    """A user `svc` (operator and worker) and a key of theirs with the worker role only:
    its id, its client id (`rgk_<id>`) and its secret."""
    http, admin = served.http, served.admin
    http.post(
        "/v2/users",
        json={"username": "svc", "password": "pw", "roles": ["worker", "operator"]},
        headers=admin,
    )
    made = http.post("/v2/api-keys", json={"username": "svc", "roles": ["worker"]}, headers=admin)
    key = made.json()
    client_id = key["prefix"]
    secret = key["key"][len(client_id) + 1 :]  # the secret may hold "_" too
    return key["apiKeyId"], client_id, secret


def _token(http: httpx.Client, **fields: str) -> httpx.Response:
    return http.post("/oauth/token", data={"grant_type": "client_credentials", **fields})


def test_an_api_key_gets_a_token_that_acts_with_the_keys_roles(served: Served) -> None:
    http = served.http
    key_id, client_id, secret = _worker_key(served)
    answer = _token(http, client_id=client_id, client_secret=secret, audience="zeebe-api")
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    token = body["access_token"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert (claims["sub"], claims["rgk"], claims["aud"]) == ("svc", key_id, "zeebe-api")
    assert claims["exp"] - claims["iat"] == 3600

    me = http.get("/v2/authentication/me", headers=bearer(token)).json()
    assert (me["username"], me["roles"]) == ("svc", ["worker"]), "the key's roles only"
    assert (
        http.post("/v2/process-instances/search", json={}, headers=bearer(token)).status_code == 403
    )
    # the key's whole text as the secret, or its bare id as the client id, work too
    whole = f"{client_id}_{secret}"
    assert _token(http, client_id=client_id, client_secret=whole).status_code == 200
    assert _token(http, client_id=key_id, client_secret=secret).status_code == 200

    assert http.delete(f"/v2/api-keys/{key_id}", headers=served.admin).status_code == 204
    assert http.get("/v2/authentication/me", headers=bearer(token)).status_code == 401
    assert _token(http, client_id=client_id, client_secret=secret).status_code == 401


def test_a_user_gets_a_token_by_form_or_basic_and_loses_it_when_disabled(served: Served) -> None:
    http = served.http
    _worker_key(served)
    by_form = _token(http, client_id="svc", client_secret="pw").json()["access_token"]
    by_basic = http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, headers=basic("svc", "pw")
    )
    assert by_basic.status_code == 200, by_basic.text
    for token in (by_form, by_basic.json()["access_token"]):
        me = http.get("/v2/authentication/me", headers=bearer(token)).json()
        assert (me["username"], me["roles"]) == ("svc", ["operator", "worker"])
    assert (
        http.post("/v2/process-instances/search", json={}, headers=bearer(by_form)).status_code
        == 200
    )
    http.put("/v2/users/svc", json={"enabled": False}, headers=served.admin)
    assert http.get("/v2/authentication/me", headers=bearer(by_form)).status_code == 401


def test_bad_token_requests_get_oauth_errors(served: Served) -> None:
    http = served.http
    _worker_key(served)
    wrong = _token(http, client_id="svc", client_secret="nope")
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "WWW-Authenticate" in wrong.headers
    nobody = _token(http, client_id="rgk_0000", client_secret="x")
    assert nobody.status_code == 401 and nobody.json()["error"] == "invalid_client"
    missing = http.post("/oauth/token", data={"client_id": "svc", "client_secret": "pw"})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    password = http.post(
        "/oauth/token", data={"grant_type": "password", "username": "svc", "password": "pw"}
    )
    assert password.status_code == 400 and password.json()["error"] == "unsupported_grant_type"
    no_client = http.post("/oauth/token", data={"grant_type": "client_credentials"})
    assert no_client.status_code == 401
    as_json = http.post(
        "/oauth/token",
        json={"grant_type": "client_credentials", "client_id": "svc", "client_secret": "pw"},
    )
    assert as_json.status_code == 200, "some clients send JSON"
    garbled = http.post("/oauth/token", content=b"{", headers={"content-type": "application/json"})
    assert garbled.status_code == 400 and garbled.json()["error"] == "invalid_request"

    token = _token(http, client_id="svc", client_secret="pw").json()["access_token"]
    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    claims["sub"] = "root"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert (
        http.get(
            "/v2/authentication/me", headers=bearer(f"{head}.{forged}.{signature}")
        ).status_code
        == 401
    )
    assert http.get("/v2/authentication/me", headers=bearer("a.b.c")).status_code == 401


def test_the_document_declares_oauth_errors_for_the_token_endpoint(served: Served) -> None:
    document = served.app.openapi()
    responses = document["paths"]["/oauth/token"]["post"]["responses"]
    assert responses["401"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/OAuthError"}}
    }
    assert "application/problem+json" in responses["413"]["content"]
    form = document["paths"]["/oauth/token"]["post"]["requestBody"]["content"]
    assert "application/x-www-form-urlencoded" in form


def test_tokens_expire_and_every_server_of_the_database_accepts_them() -> None:
    now = [dt.datetime(2030, 1, 1, tzinfo=dt.UTC)]
    store = MemoryStore()
    here = AccessTokens(store, lifetime=60, now=lambda: now[0])
    elsewhere = AccessTokens(store, lifetime=60, now=lambda: now[0])
    token = here.issue("ann", "k1")
    found = elsewhere.verify(token)
    assert found is not None and (found.username, found.key_id) == ("ann", "k1")
    assert elsewhere.issue("bob", None) and here.verify(elsewhere.issue("bob", None))
    now[0] += dt.timedelta(seconds=59)
    assert here.verify(token) is not None
    now[0] += dt.timedelta(seconds=1)
    assert here.verify(token) is None, "expired"
    other_database = AccessTokens(MemoryStore(), now=lambda: now[0])
    assert other_database.verify(here.issue("ann", None)) is None


def test_without_authentication_any_client_gets_a_token() -> None:
    """`--auth none` lets every request in as an administrator; an OAuth client still needs a
    token to send, so it gets one for whatever credentials it has."""
    with Client(MemoryStore()) as client:
        app = create_app(client, ServerOptions(auth="none"))
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            answer = _token(http, client_id="laptop", client_secret="anything")
            assert answer.status_code == 200, answer.text
            token = answer.json()["access_token"]
            assert http.get("/v2/authentication/me", headers=bearer(token)).status_code == 200
            assert _token(http).status_code == 401, "a client must still say who it is"
