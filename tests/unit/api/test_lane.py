"""The hot lane (`api/lane.py`) answers starts, job activations and completions exactly as
FastAPI's routes do: the same requests, sent to a server with the lane and to one without,
get the same answers; and a well-formed request of a known caller is answered by the lane
alone."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from regista.api import ServerOptions, create_app
from regista.api.app import Api
from regista.api.context import ROLES, Principal
from regista.api.lane import HotLane
from regista.api.v2.jobs import ActivateJobsResponse
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.store.memory import MemoryStore
from serving import serve

#: Times and tokens differ from one server to the other; the rest of an answer may not.
_VOLATILE = {"deadline", "jobLeaseToken"}
_TIME = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?")


class Callers:
    """Ann (a worker) and Olga (an operator), known at once; anyone else unknown, so
    that the request must be verified (401 here)."""

    known: ClassVar[dict[str, Principal]] = {
        "Bearer ann": Principal("ann", frozenset({"worker"})),
        "Bearer olga": Principal("olga", frozenset({"operator"})),
        "Bearer root": Principal("root", frozenset(ROLES)),
    }

    def authenticate(self, authorization: str | None) -> Principal | None:
        return self.known.get(authorization or "")

    def cached(self, authorization: str | None) -> Principal | None:
        return self.known.get(authorization or "")


@contextmanager
def _runtime() -> Iterator[Client]:
    store = MemoryStore()
    with Client(store) as runtime_client:
        runtime_client.deploy(
            ProcessBuilder("work").start("s").service_task("t", type="chore").end("e")
        )
        yield runtime_client
    store.close()


@pytest.fixture
def client() -> Iterator[Client]:
    with _runtime() as runtime_client:
        yield runtime_client


def _app(client: Client, *, lane: bool) -> Api:
    options = ServerOptions(hot_lane=lane, max_body_bytes=2000)
    return create_app(client, options, authenticator=Callers())


def _plain(answer: Any) -> Any:
    if isinstance(answer, dict):
        return {k: "*" if k in _VOLATILE else _plain(v) for k, v in answer.items()}
    if isinstance(answer, list):
        return [_plain(v) for v in answer]
    if isinstance(answer, str):
        return _TIME.sub("<time>", answer)
    return answer


def _seen(response: httpx.Response) -> tuple[int, str | None, Any]:
    body: Any = response.content
    if response.headers.get("content-type", "").endswith("json"):
        body = _plain(response.json())
    cors = response.headers.get("access-control-allow-origin")
    return response.status_code, cors, body


def _chunks() -> Iterator[bytes]:
    yield b'{"processDefinitionId": "work", "businessKey": "'
    for _ in range(300):
        yield b"xxxxxxxxxx"
    yield b'"}'


def _requests(http: httpx.Client, job: str) -> list[tuple[int, str | None, Any]]:
    """Every kind of request the lane takes or hands on, answered by `http`'s server."""
    olga = {"Authorization": "Bearer olga"}
    ann = {"Authorization": "Bearer ann"}
    start = "/v2/process-instances"
    sent = [
        http.post(start, json={"processDefinitionId": "work", "variables": {"n": 1}}, headers=olga),
        http.post(start, json={"processDefinitionId": "nope"}, headers=olga),
        http.post(start, json={"variables": {}}, headers=olga),  # the handler's 400
        http.post(start, json={"processDefinitionId": 7}, headers=olga),  # validation
        http.post(start, json=[1, 2], headers=olga),
        http.post(start, content=b"{broken", headers={**olga, "content-type": "application/json"}),
        http.post(start, content=b'{"processDefinitionId": "work"}', headers=olga),  # no type
        http.post(start, json={"processDefinitionId": "work"}, headers=ann),  # 403
        http.post(start, json={"processDefinitionId": "work"}),  # 401
        http.post(start, json={"processDefinitionId": "work"}, headers={"Authorization": "x"}),
        http.post(start, content=_chunks(), headers={**olga, "content-type": "application/json"}),
        http.post(
            start,
            json={"processDefinitionId": "work"},
            headers={**olga, "Origin": "http://localhost:3000"},
        ),
        http.post(
            "/v2/jobs/activation",
            json={"type": "chore", "timeout": 1000, "maxJobsToActivate": 0},
            headers=ann,
        ),
        http.post("/v2/jobs/activation", json={"type": "chore", "timeout": 1000}, headers=ann),
        http.post("/v2/jobs/activation", headers=ann),
        http.post("/v2/jobs/12345/completion", json={"variables": {"x": 1}}, headers=ann),
        http.post("/v2/jobs/12345/completion", headers=ann),
        http.post("/v2/jobs/12345/completion", json={"variables": 3}, headers=ann),
        http.post("/v2/jobs//completion", headers=ann),
        http.post(f"/v2/jobs/{job}/completion", headers=olga),
        http.post(f"/v2/jobs/{job}/completion", content=b"null", headers=ann),
        http.post(f"/v2/jobs/{job}/completion", json=None, headers=ann),
        http.post(
            f"/v2/jobs/{job}/completion",
            content=b"null",
            headers={**ann, "content-type": "application/json"},
        ),
        http.post("/v2/jobs/1/failure", json={"retries": 0}, headers=ann),
    ]
    return [_seen(response) for response in sent]


def _activated(http: httpx.Client) -> tuple[tuple[int, str | None, Any], str]:
    response = http.post(
        "/v2/jobs/activation",
        json={"type": "chore", "timeout": 60_000, "maxJobsToActivate": 1, "requestTimeout": -1},
        headers={"Authorization": "Bearer ann"},
    )
    jobs = response.json()["jobs"]
    return _seen(response), jobs[0]["jobKey"] if jobs else "none"


def test_the_lane_answers_as_fastapi_does() -> None:
    answers = {}
    for lane in (True, False):
        with _runtime() as client:
            client.start("work")
            with serve(_app(client, lane=lane)) as url, httpx.Client(base_url=url) as http:
                activated, job = _activated(http)
                assert activated[0] == 200 and job != "none"
                answers[lane] = [activated, *_requests(http, job)]
    assert answers[True] == answers[False]
    statuses = [status for status, _, _ in answers[True]]
    assert statuses == [
        *(200, 200, 404, 400, 400, 400, 400, 400, 403, 401, 401, 413, 200),
        *(400, 400, 400, 404, 404, 400, 404, 204, 400, 404, 404, 404),
    ]
    assert answers[True][12][1] == "http://localhost:3000"  # CORS on the lane's answer


async def _nothing_else(scope: Scope, receive: Receive, send: Send) -> None:
    raise AssertionError(f"{scope['method']} {scope['path']} left the lane")


def test_well_formed_requests_of_known_callers_stay_in_the_lane(client: Client) -> None:
    app = _app(client, lane=True)
    lane = HotLane(app, _nothing_else)
    root = {"Authorization": "Bearer root"}

    async def only_lane(scope: Scope, receive: Receive, send: Send) -> None:
        await lane(scope, receive, send)

    with serve(only_lane) as url, httpx.Client(base_url=url) as http:
        started = http.post(
            "/v2/process-instances",
            json={"processDefinitionId": "work", "variables": {"n": 2, "s": "x"}},
            headers=root,
        )
        assert started.status_code == 200
        assert started.json()["processDefinitionId"] == "work"
        assert (
            http.post(
                "/v2/process-instances", json={"processDefinitionId": "nope"}, headers=root
            ).json()["status"]
            == 404
        )  # the application's own handler, in the lane
        activated = http.post(
            "/v2/jobs/activation",
            json={"type": "chore", "timeout": 60_000, "maxJobsToActivate": 5, "withLease": True},
            headers=root,
        )
        # the activation's plain dicts encode as the documented model would
        model = ActivateJobsResponse.model_validate_json(activated.content)
        assert model.model_dump_json().encode() == activated.content
        jobs = activated.json()["jobs"]
        assert jobs[0]["jobLeaseToken"] and jobs[0]["variables"] == {"n": 2, "s": "x"}
        assert [job["processInstanceKey"] for job in jobs] == [started.json()["processInstanceKey"]]
        done = http.post(f"/v2/jobs/{jobs[0]['jobKey']}/completion", json={}, headers=root)
        assert done.status_code == 204
    assert client.instance(started.json()["processInstanceKey"]).status == "completed"


def test_basic_credentials_are_verified_outside_the_lane_then_cached(client: Client) -> None:
    token = base64.b64encode(b"ann:pw").decode()

    class Verifying(Callers):
        verified: ClassVar[list[str]] = []

        def authenticate(self, authorization: str | None) -> Principal | None:
            self.verified.append(authorization or "")
            return Principal("ann", frozenset({"operator"}))

        def cached(self, authorization: str | None) -> Principal | None:
            return None

    app = create_app(client, ServerOptions(), authenticator=Verifying())
    with serve(app) as url, httpx.Client(base_url=url) as http:
        answer = http.post(
            "/v2/process-instances",
            json={"processDefinitionId": "work"},
            headers={"Authorization": f"Basic {token}"},
        )
    assert answer.status_code == 200
    assert Verifying.verified == [f"Basic {token}"]
