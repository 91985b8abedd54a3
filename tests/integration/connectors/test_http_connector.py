"""The HTTP connector (`io.camunda:http-json:1`) against a real local HTTP server, run by
the engine as any other job: Camunda's inputs and headers, secrets resolved only when it
calls, authentication of every kind, failures retried with the back-off the model says and
then an incident, and errors mapped to BPMN errors by the error expression."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from regista.bpmn import ProcessBuilder
from regista.connectors import HTTP_JSON, HttpConnector, Secrets, standard_connectors
from regista.testing import FakeClock, LocalRuntime
from serving import serve

SECRET = "s3cr3t-token-value"


class Remote:
    """What the test server saw."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.tokens_issued = 0
        self.release = threading.Event()


def remote_app(remote: Remote) -> FastAPI:
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST", "PUT"])
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        seen = {
            "method": request.method,
            "query": dict(request.query_params),
            "headers": {k.lower(): v for k, v in request.headers.items()},
            "body": body.decode() or None,
        }
        remote.requests.append(seen)
        return JSONResponse({"ok": True, "seen": seen})

    @app.get("/status/{code}")
    async def status(code: int) -> JSONResponse:
        remote.requests.append({"status": code})
        return JSONResponse({"error": {"code": f"E{code}", "text": "no"}}, status_code=code)

    @app.get("/login")
    async def login() -> JSONResponse:
        answer = JSONResponse({"ok": True})
        answer.set_cookie("session", "of-the-first-instance")
        return answer

    @app.api_route("/redirect/{code}", methods=["GET", "POST"])
    async def redirect(code: int) -> Response:
        return Response(status_code=code, headers={"Location": "/echo?redirected=yes"})

    @app.get("/text")
    async def text() -> PlainTextResponse:
        return PlainTextResponse("plain words")

    @app.post("/token")
    async def token(
        request: Request,
        grant_type: str = Form(),
        audience: str | None = Form(default=None),
    ) -> JSONResponse:
        expected = "Basic " + base64.b64encode(b"app:" + SECRET.encode()).decode()
        if grant_type != "client_credentials" or request.headers.get("authorization") != expected:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        remote.tokens_issued += 1
        return JSONResponse(
            {"access_token": f"tok-{remote.tokens_issued}-{audience}", "expires_in": 3600}
        )

    return app


@pytest.fixture
def remote() -> Iterator[tuple[Remote, str]]:
    found = Remote()
    with serve(remote_app(found)) as url:
        yield found, url
    found.release.set()


@contextmanager
def runtime(given: httpx.Client | None) -> Iterator[LocalRuntime]:
    secrets = Secrets({"API_TOKEN": SECRET, "PASSWORD": "pw-" + SECRET})
    workers = standard_connectors(secrets, http=given)
    with LocalRuntime(FakeClock(), workers=workers) as made:
        yield made
    connector = workers.handler(HTTP_JSON)
    assert isinstance(connector, HttpConnector)
    connector.close()


@pytest.fixture(params=["a client given", "straight on each thread's transport"])
def rt(request: pytest.FixtureRequest) -> Iterator[LocalRuntime]:
    """A runtime whose HTTP connector sends through a client given to it, or (as `regista
    engine` runs it) straight on the transport of a client of its own per thread."""
    with (
        httpx.Client() as http,
        runtime(http if request.param == "a client given" else None) as made,
    ):
        yield made


@pytest.fixture
def own() -> Iterator[LocalRuntime]:
    """A runtime whose HTTP connector has clients of its own (they follow redirects)."""
    with runtime(None) as made:
        yield made


def call(
    inputs: dict[str, str], headers: dict[str, str] | None = None, *, retries: int = 3
) -> ProcessBuilder:
    made = ProcessBuilder("call").start("s")
    made = made.service_task("rest", type=HTTP_JSON, headers=headers, retries=retries)
    for target, source in inputs.items():
        made = made.input(target, source)
    return (
        made.end("done")
        .boundary_event("missing", attached_to="rest", error="NOT_FOUND")
        .end("not-found")
    )


def run(rt: LocalRuntime, model: ProcessBuilder, **variables: Any) -> str:
    rt.deploy(model)
    return rt.start("call", variables)


def test_a_post_with_json_body_query_and_a_secret_header(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    server, url = remote
    model = call(
        {
            "method": "POST",
            "url": f'="{url}/echo"',
            "queryParameters": '={page: 2, q: "x y"}',
            "headers": '={"X-Api-Key": "{{secrets.API_TOKEN}}", "X-Order": orderId}',
            "body": "={orderId: orderId, lines: [1, 2]}",
        },
        {"resultExpression": "={echoed: response.body.seen.body, code: response.status}"},
    )
    iid = run(rt, model, orderId="o-7")
    info = rt.instance(iid)
    assert info.status == "completed", info.incidents
    (seen,) = server.requests
    assert seen["method"] == "POST" and seen["query"] == {"page": "2", "q": "x y"}
    assert seen["headers"]["x-api-key"] == SECRET and seen["headers"]["x-order"] == "o-7"
    assert seen["headers"]["content-type"] == "application/json"
    assert info.variables["code"] == 200
    assert info.variables["echoed"] == '{"orderId":"o-7","lines":[1,2]}'
    # the secret reached the server, never the instance's variables or history
    assert SECRET not in repr(info.variables) and SECRET not in repr(rt.history(iid))


def test_result_variable_keeps_the_whole_response(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    _, url = remote
    iid = run(rt, call({"url": f'="{url}/text"'}, {"resultVariable": "answer"}))
    answer = rt.instance(iid).variables["answer"]
    assert answer["status"] == 200 and answer["body"] == "plain words"
    assert answer["headers"]["content-type"].startswith("text/plain")


@pytest.mark.parametrize(("code", "method", "body"), [(302, "GET", None), (307, "POST", '"x"')])
def test_a_redirect_is_followed_as_httpx_follows_it(
    own: LocalRuntime, remote: tuple[Remote, str], code: int, method: str, body: str | None
) -> None:
    server, url = remote
    model = call(
        {
            "method": "POST",
            "url": f'="{url}/redirect/{code}"',
            "body": '="x"',
            "authentication": '={type: "bearer", token: "t"}',
        },
        {"resultVariable": "answer"},
    )
    iid = run(own, model)
    assert own.instance(iid).variables["answer"]["status"] == 200
    (seen,) = server.requests  # the redirect itself records nothing
    assert seen["method"] == method and seen["body"] == body
    assert seen["query"] == {"redirected": "yes"}
    assert seen["headers"]["authorization"] == "Bearer t"  # the same origin keeps it


@pytest.mark.parametrize("own_clients", [False, True])
def test_a_cookie_one_api_sets_never_reaches_another_instances_call(
    remote: tuple[Remote, str], own_clients: bool
) -> None:
    server, url = remote
    # a client given to the connectors, or the HTTP connector's own client per thread
    given = None if own_clients else httpx.Client()
    connector = HttpConnector(Secrets(), given)
    workers = standard_connectors(Secrets(), http=given)
    workers.register(HTTP_JSON, connector)
    with LocalRuntime(FakeClock(), workers=workers) as rt:
        first = run(rt, call({"url": f'="{url}/login"'}))
        second = run(rt, call({"url": f'="{url}/echo"'}))
        assert rt.instance(first).status == rt.instance(second).status == "completed"
    connector.close()
    if given is not None:
        given.close()
    (seen,) = server.requests  # /login records nothing
    assert "cookie" not in seen["headers"]


@pytest.mark.parametrize(
    ("auth", "header"),
    [
        (
            '={type: "basic", username: "ann", password: "{{secrets.PASSWORD}}"}',
            "Basic " + base64.b64encode(b"ann:pw-" + SECRET.encode()).decode(),
        ),
        ('={type: "bearer", token: "{{secrets.API_TOKEN}}"}', f"Bearer {SECRET}"),
    ],
)
def test_basic_and_bearer_authentication(
    rt: LocalRuntime, remote: tuple[Remote, str], auth: str, header: str
) -> None:
    server, url = remote
    iid = run(rt, call({"url": f'="{url}/echo"', "authentication": auth}))
    assert rt.instance(iid).status == "completed"
    assert server.requests[0]["headers"]["authorization"] == header


def test_an_api_key_in_the_query(rt: LocalRuntime, remote: tuple[Remote, str]) -> None:
    server, url = remote
    auth = '={type: "apiKey", location: "query", name: "key", value: "{{secrets.API_TOKEN}}"}'
    run(rt, call({"url": f'="{url}/echo"', "authentication": auth}))
    assert server.requests[0]["query"] == {"key": SECRET}


def test_oauth_client_credentials_tokens_are_fetched_once_and_reused(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    server, url = remote
    auth = (
        f'={{type: "oauth-client-credentials-flow", oauthTokenEndpoint: "{url}/token", '
        'clientId: "app", clientSecret: "{{secrets.API_TOKEN}}", audience: "erp"}'
    )
    model = call({"url": f'="{url}/echo"', "authentication": auth})
    rt.deploy(model)
    first, second = rt.start("call"), rt.start("call")
    assert {rt.instance(i).status for i in (first, second)} == {"completed"}
    assert server.tokens_issued == 1
    assert [r["headers"]["authorization"] for r in server.requests] == ["Bearer tok-1-erp"] * 2


def test_an_error_status_becomes_a_bpmn_error_by_the_error_expression(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    _, url = remote
    headers = {
        "errorExpression": '=if error.code = "404" then bpmnError("NOT_FOUND", '
        '"no such order", {remoteCode: error.response.body.error.code}) else null'
    }
    iid = run(rt, call({"url": f'="{url}/status/404"'}, headers))
    info = rt.instance(iid)
    assert info.status == "completed" and "not-found" in info.passed
    assert info.variables["remoteCode"] == "E404"


def test_a_server_error_is_retried_with_the_models_back_off_then_an_incident(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    server, url = remote
    iid = run(rt, call({"url": f'="{url}/status/500"'}, {"retryBackoff": "PT30S"}, retries=2))
    assert len(server.requests) == 1 and not rt.instance(iid).incidents
    (job,) = rt.jobs(iid)
    assert job.retries == 1
    assert job.due_at is not None and (job.due_at - rt.now()).total_seconds() == 30
    rt.advance("PT30S")
    assert len(server.requests) == 2
    (incident,) = rt.instance(iid).incidents
    assert "500" in incident.message and "Internal Server Error" in incident.message


def test_a_job_error_from_the_error_expression_sets_retries_and_back_off(
    rt: LocalRuntime, remote: tuple[Remote, str]
) -> None:
    _, url = remote
    headers = {
        "errorExpression": '=if error.code = "429" then jobError("slow down", {}, 5, '
        '"PT2M") else null'
    }
    iid = run(rt, call({"url": f'="{url}/status/429"'}, headers))
    (job,) = rt.jobs(iid)
    assert job.retries == 5
    assert job.due_at is not None and (job.due_at - rt.now()).total_seconds() == 120


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        # a url computed as null: a missing mapping is refused at deployment already
        ({"method": "GET", "url": "=noSuchUrl"}, "url: is missing"),
        ({"url": '="ftp://example.org/x"'}, "url: must be an http:// or https:// URL"),
        (
            {"url": '="http://127.0.0.1:9/x"', "authentication": '={type: "kerberos"}'},
            "authentication.type: 'kerberos' is not one of",
        ),
        (
            {"url": '="http://127.0.0.1:9/x"', "headers": '={a: "{{secrets.NOPE}}"}'},
            "the secret 'NOPE' in headers.a is not configured",
        ),
    ],
)
def test_a_configuration_that_cannot_work_is_an_incident_naming_the_field(
    rt: LocalRuntime, inputs: dict[str, str], says: str
) -> None:
    iid = run(rt, call(inputs))
    (incident,) = rt.instance(iid).incidents
    assert incident.element_id == "rest"
    assert says in incident.message


def test_a_refused_connection_is_a_retried_failure_that_never_shows_a_secret(
    rt: LocalRuntime,
) -> None:
    iid = run(
        rt,
        call({"url": '="http://127.0.0.1:9/{{secrets.API_TOKEN}}"'}, retries=1),
    )
    (incident,) = rt.instance(iid).incidents
    assert incident.message.startswith("CONNECTION_ERROR")
    assert SECRET not in incident.message and "***" in incident.message
