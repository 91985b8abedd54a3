"""The analyses over HTTP (`/v2/insight/...`) on a real server over each database: the
same reports as the library, the scope as query parameters, bad input answered with a
problem naming the parameter, and only operators (and administrators) let in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from insightkit import History, Place

from apikit import Roles, as_role
from regista.api import ServerOptions, create_app
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight import Scope, elements, sla_compliance, throughput
from regista.runtime import monitoring
from regista.runtime.clock import FakeClock
from serving import serve

pytest_plugins = ["insightfixtures"]

HOUR = 3600.0


@pytest.fixture(scope="module")
def http(claims: tuple[Place, History]) -> Iterator[tuple[Place, httpx.Client]]:
    place, _ = claims
    with Client(place.settings()) as client:
        app = create_app(
            client, ServerOptions(auth="basic"), authenticator=Roles(), insight=place.settings()
        )
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as made:
            made.headers.update(as_role("operator"))
            yield place, made


def _get(http: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    answer = http.get(f"/v2/insight/{path}", params=params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_the_answers_are_the_reports_of_the_library(
    http: tuple[Place, httpx.Client],
) -> None:
    place, client = http
    with place.open() as db:
        expected = elements(db, Scope(definition="claim")).to_json()
        per_hour = throughput(db, Scope(), bucket="hour").to_json()
    assert _get(client, "elements", definition="claim") == expected
    assert _get(client, "throughput", bucket="hour") == per_hour
    approve = next(r for r in expected["rows"] if r["activity"] == "approve")
    assert approve["service_p50"] == 0.5 * HOUR


def test_every_analysis_answers_with_its_parameters(http: tuple[Place, httpx.Client]) -> None:
    _, client = http
    spread = _get(client, "durations", definition="claim", version=1, bins=2)
    assert [r["count"] for r in spread["rows"]] == [2, 2]
    assert spread["summary"]["count"] == 4
    top = _get(client, "variants", definition="claim", limit=1)
    assert len(top["rows"]) == 1 and top["cases"] == 5 and top["distinct"] == 4
    assert top["rows"][0]["activities"] == ["s", "check", "ok", "approve", "done"]
    edges = {(r["source"], r["target"]): r["count"] for r in _get(client, "dfg")["rows"]}
    assert edges[("s", "check")] == 5
    assert _get(client, "bottlenecks")["rows"][0]["activity"] == "approve"
    never = {r["id"] for r in _get(client, "deviations", definition="claim")["rows"]}
    assert {"late", "escalated"} <= never
    (incident,) = _get(client, "incidents")["rows"]
    assert incident["element_id"] == "check"
    assert _get(client, "errors")["rows"][0]["code"] == "BAD"
    # a window on the start of the cases: nothing started on 2 January
    assert _get(client, "elements", since="2030-01-02T00:00:00")["rows"] == []
    assert len(_get(client, "variants", until="2030-01-02T00:00:00Z")["rows"]) == 4


@pytest.mark.parametrize(
    ("path", "params", "field", "says"),
    [
        ("elements", {"definition": "nope"}, "definition", "no definition 'nope'"),
        ("elements", {"definition": "claim", "version": 7}, "version", "has no version 7"),
        ("elements", {"version": 1}, "version", "needs definition"),
        ("elements", {"version": 0}, "version", ""),
        ("elements", {"log": "x"}, "log", "no imported event log 'x'"),
        ("deviations", {"log": "x"}, "log", "an imported log has no model"),
        (
            "variants",
            {"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
            "since",
            "since must be before until",
        ),
        ("elements", {"since": "yesterday"}, "since", ""),
        ("elements", {"until": "0001-01-01T00:00:00+01:00"}, "until", "out of range"),
        ("throughput", {"bucket": "month"}, "bucket", ""),
        ("durations", {"bins": 0}, "bins", ""),
        ("variants", {"limit": 0}, "limit", ""),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(
    http: tuple[Place, httpx.Client], path: str, params: dict[str, Any], field: str, says: str
) -> None:
    _, client = http
    answer = client.get(f"/v2/insight/{path}", params=params)
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in [p["name"] for p in problem["invalidParams"]], problem
    assert says in problem["detail"]


def test_only_operators_and_administrators(http: tuple[Place, httpx.Client]) -> None:
    _, client = http
    assert client.get("/v2/insight/elements", headers=as_role("admin")).status_code == 200
    assert client.get("/v2/insight/elements", headers=as_role("user")).status_code == 403
    assert client.get("/v2/insight/elements", headers=as_role("modeler")).status_code == 403
    anonymous = client.get("/v2/insight/elements", headers={"Authorization": ""})
    assert anonymous.status_code == 401


def test_a_server_without_a_database_for_it_says_so(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with Client(place.settings()) as client:
        app = create_app(client, ServerOptions(auth="none"))
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            answer = http.get("/v2/insight/elements")
    assert answer.status_code == 409
    assert "SQLite or PostgreSQL" in answer.json()["detail"]


def test_sla_compliance_per_definition_and_element(place: Place) -> None:
    """Targets of the model's API overrides: a review of an hour, an instance of three;
    one review in time, one late, one running past its target, one at risk."""
    clock = FakeClock("2030-01-01T00:00:00Z")
    with Client(place.settings(), clock=clock) as client:
        client.deploy(
            ProcessBuilder("claim").start("s").user_task("review", name="Review").end("e")
        )
        (definition,) = client.definitions("claim")
        monitoring.set_targets(
            client.shell, definition.id, instance="PT3H", elements={"review": "PT1H"}
        )
        on_time, late, stuck = (client.start("claim") for _ in range(3))

        def complete(instance: str) -> None:
            (task,) = client.tasks(instance_id=instance)
            assert client.complete_task(task.id)

        clock.advance("PT30M")
        complete(on_time)
        clock.advance("PT50M")
        at_risk = client.start("claim")
        clock.advance("PT50M")  # 2h10m: the last review has used 50 of its 60 minutes
        complete(late)
        app = create_app(
            client, ServerOptions(auth="basic"), authenticator=Roles(), insight=place.settings()
        )
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            http.headers.update(as_role("operator"))
            found = _get(http, "sla", definition="claim")
            rows = {r["id"]: r for r in found["rows"]}
            assert rows["review"] == {
                "level": "element",
                "id": "review",
                "name": "Review",
                "target": 3600.0,
                "count": 4,
                "met": 1,
                "breached": 2,
                "at_risk": 1,
                "on_track": 0,
                "compliance": 0.3333,
            }
            assert (rows["claim"]["met"], rows["claim"]["on_track"]) == (2, 2)
            with place.open() as db:
                now = clock().timestamp()
                expected = sla_compliance(db, Scope(definition="claim"), now=now).to_json()
            assert found == expected
            # a larger share: the last review is on track
            stricter = _get(http, "sla", definition="claim", share=0.9)
            assert {r["id"]: r["on_track"] for r in stricter["rows"]}["review"] == 1
            assert stricter["share"] == 0.9
            for params in ({"share": 0}, {"share": 2}, {"log": "x"}):
                refused = http.get("/v2/insight/sla", params=params)
                assert refused.status_code == 400, params
                assert list(params) == [p["name"] for p in refused.json()["invalidParams"]]
        assert at_risk and stuck


def test_user_tasks_count_against_their_due_dates(place: Place) -> None:
    """Each task with a due date against its own: one done in time, one late, one open
    past its date, one open with 90 % of its time used, one cancelled (not counted), and
    a task without a due date (not counted)."""
    clock = FakeClock("2030-01-01T00:00:00Z")
    with Client(place.settings(), clock=clock) as client:
        client.deploy(
            ProcessBuilder("visit")
            .start("s")
            .user_task("call", name="Call", due_date="=due")
            .user_task("file", name="File")
            .end("e")
        )
        due_at = {"due": "2030-01-01T01:00:00Z"}
        on_time, late, overdue, dropped = (client.start("visit", due_at) for _ in range(4))

        def complete(instance: str) -> None:
            (task,) = client.tasks(instance_id=instance)
            assert client.complete_task(task.id)

        clock.advance("PT30M")
        complete(on_time)
        clock.advance("PT50M")  # 1h20m: past the first due date
        complete(late)
        client.cancel(dropped)
        later = client.start("visit", {"due": "2030-01-01T02:00:00Z"})  # 40 minutes
        clock.advance("PT36M")  # 90 % of them used
        with place.open() as db:
            now = clock().timestamp()
            report = sla_compliance(db, Scope(definition="visit"), now=now).to_json()
            calm = sla_compliance(db, Scope(definition="visit"), now=now, share=0.95)
    (call,) = [r for r in report["rows"] if r["level"] == "task"]
    assert call == {
        "level": "task",
        "id": "call",
        "name": "Call",
        "target": 3600.0,  # the longest: creation to due date of the first four
        "count": 4,
        "met": 1,
        "breached": 2,
        "at_risk": 1,
        "on_track": 0,
        "compliance": 0.3333,
    }
    assert [r["on_track"] for r in calm.to_json()["rows"] if r["level"] == "task"] == [1]
    assert overdue and later
