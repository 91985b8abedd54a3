"""`compare` — before and after a model change — over a history made by the runtime with
known timings (`two_versions`), against figures computed by hand; on SQLite and
PostgreSQL, as a library call, from the command line and over HTTP (with `stuck`, which
needs the same server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from insightkit import Place, pg_schema_url

from apikit import Roles, as_role
from regista.api import ServerOptions, create_app
from regista.bpmn import ProcessBuilder
from regista.cli.main import main
from regista.client import Client
from regista.insight import InsightError, Scope, compare, durations, elements
from regista.runtime.clock import FakeClock
from regista.runtime.node import Node
from regista.runtime.options import RuntimeOptions
from regista.runtime.workers import Workers
from regista.store import open_store
from serving import serve

HOUR = 3600.0
NOON = datetime(2030, 1, 1, 12, tzinfo=UTC)


def _model(sign: bool) -> ProcessBuilder:
    made = ProcessBuilder("order").start("s").user_task("review", name="Review")
    if sign:
        made = made.user_task("sign", name="Sign")
    return made.end("done", name="Done")


def two_versions(place: Place) -> None:
    """Version 1 (s -> review -> done): o1 waits 1 h and takes 1 h, o2 waits 2 h and takes
    2 h (both started 09:00). Version 2 adds `sign` after review: o3 and o4 start at 13:00,
    wait 30 min and take 30 min at review; o3 signs 1 h later, o4 is still at sign."""
    clock = FakeClock("2030-01-01T09:00:00Z")
    store = open_store(place.settings())
    client = Client(store, options=RuntimeOptions(), clock=clock)
    node = Node(client.shell, Workers({}), node_id="node-test")

    def task(instance: str, element: str) -> str:
        (found,) = [t for t in client.tasks(instance_id=instance) if t.element_id == element]
        return found.id

    try:
        client.deploy(_model(sign=False))
        o1, o2 = client.start("order", {}), client.start("order", {})
        node.run_until_idle()
        clock.advance("PT1H")  # 10:00
        client.assign_task(task(o1, "review"), "ann", actor="ann")
        clock.advance("PT1H")  # 11:00
        client.complete_task(task(o1, "review"), {}, by="ann")
        client.assign_task(task(o2, "review"), "bob", actor="bob")
        clock.advance("PT2H")  # 13:00
        client.complete_task(task(o2, "review"), {}, by="bob")
        client.deploy(_model(sign=True))
        o3, o4 = client.start("order", {}), client.start("order", {})
        node.run_until_idle()
        clock.advance("PT30M")
        for instance in (o3, o4):
            client.assign_task(task(instance, "review"), "ann", actor="ann")
        clock.advance("PT30M")  # 14:00
        for instance in (o3, o4):
            client.complete_task(task(instance, "review"), {}, by="ann")
        node.run_until_idle()
        clock.advance("PT1H")
        client.complete_task(task(o3, "sign"), {}, by="cy")
        node.run_until_idle()
    finally:
        node.close()
        client.close()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def orders(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Place:
    if request.param == "sqlite":
        place = Place("sqlite", f"sqlite:///{tmp_path_factory.mktemp('cmp') / 'regista.db'}")
    else:
        place = Place("postgres", pg_schema_url(request.getfixturevalue("pg_database")))
    two_versions(place)
    return place


def _summary(report: Any) -> dict[str, dict[str, Any]]:
    return {row["figure"]: row for row in report["summary"]}


def check_versions(found: dict[str, Any]) -> None:
    """The hand-computed comparison of version 1 with version 2 (JSON form)."""
    rows = {row["activity"]: row for row in found["rows"]}
    review = rows["review"]
    assert (review["count_from"], review["count_to"], review["only"]) == (2, 2, None)
    # service 1 h and 2 h before (p50 = 1 h, p90 = 2 h), 30 min twice after
    assert (review["service_p50_from"], review["service_p50_to"]) == (HOUR, 0.5 * HOUR)
    assert (review["service_p50_diff"], review["service_p50_change"]) == (-0.5 * HOUR, -0.5)
    assert (review["service_p90_from"], review["service_p90_change"]) == (2 * HOUR, -0.75)
    assert (review["waiting_p50_from"], review["waiting_p50_to"]) == (HOUR, 0.5 * HOUR)
    sign = rows["sign"]
    assert (sign["only"], sign["name"], sign["count_from"], sign["count_to"]) == (
        "to",
        "Sign",
        0,
        2,
    )
    assert (sign["count_diff"], sign["count_change"]) == (2, None)
    assert (sign["per_case_from"], sign["per_case_to"]) == (0.0, 1.0)
    summary = _summary(found)
    assert (summary["cases"]["from"], summary["cases"]["to"]) == (2, 2)
    assert (summary["ended"]["from"], summary["ended"]["to"]) == (2, 1)
    # durations 2 h and 4 h before, 2 h after (o4 still runs)
    mean = summary["duration_mean"]
    assert (mean["from"], mean["to"], mean["diff"], mean["change"]) == (
        3 * HOUR,
        2 * HOUR,
        -HOUR,
        -0.3333,
    )
    assert (summary["duration_p90"]["from"], summary["duration_p90"]["to"]) == (
        4 * HOUR,
        2 * HOUR,
    )
    assert (summary["variants"]["from"], summary["variants"]["to"]) == (1, 2)
    assert (summary["sla_compliance"]["from"], summary["incident_rate"]["to"]) == (1.0, 0.0)
    paths = {tuple(v["activities"]): v for v in found["variants"]}
    assert paths[("s", "review", "done")]["share_from"] == 1.0
    assert paths[("s", "review", "done")]["only"] == "from"
    assert paths[("s", "review", "sign", "done")]["share_to"] == 0.5
    # 2 bins over 2 h .. 4 h: o1 and o3 in the first, o2 in the second
    assert [(b["count_from"], b["count_to"]) for b in found["histogram"]] == [(1, 1), (1, 0)]


def test_two_versions_against_hand_computed_figures(orders: Place) -> None:
    with orders.open() as db:
        report = compare(db, Scope("order", version=1), Scope("order", version=2), bins=2)
    check_versions(report.to_json())
    assert report.name == "compare" and "order version 1" in report.title


def test_two_time_windows_give_the_same_figures(orders: Place) -> None:
    with orders.open() as db:
        report = compare(db, Scope("order", until=NOON), Scope("order", since=NOON), bins=2)
    check_versions(report.to_json())


def test_the_case_figures_are_those_of_durations(orders: Place) -> None:
    """compare reads each side's cases once; its figures are the `durations` analysis's."""
    sides = (Scope("order", until=NOON), Scope("order", since=NOON))
    with orders.open() as db:
        report = compare(db, *sides, bins=3)
        expected = [durations(db, side).extra["summary"] for side in sides]
    summary = _summary(report.to_json())
    for side, found in zip(("from", "to"), expected, strict=True):
        assert summary["ended"][side] == found["count"]
        for key in ("mean", "p50", "p90", "p99"):
            assert summary[f"duration_{key}"][side] == found[key], (side, key)
        assert sum(b[f"count_{side}"] for b in report.extra["histogram"]) == found["count"]
    histogram = report.extra["histogram"]
    assert (histogram[0]["from"], histogram[-1]["to"]) == (2 * HOUR, 4 * HOUR)


def test_the_element_figures_are_those_of_elements(orders: Place) -> None:
    """compare folds the elements and variants of a side in one pass on SQLite; its
    figures are the `elements` analysis's."""
    sides = (Scope("order", until=NOON), Scope("order", since=NOON))
    with orders.open() as db:
        report = compare(db, *sides)
        expected = [{r["activity"]: r for r in elements(db, side).rows} for side in sides]
    rows = {row["activity"]: row for row in report.rows}
    assert set(rows) == {*expected[0], *expected[1]}
    for side, found in zip(("from", "to"), expected, strict=True):
        for activity, row in found.items():
            assert rows[activity]["type"] == row["type"]
            for figure in ("count", "service_p50", "service_p90", "waiting_p50", "waiting_p90"):
                assert rows[activity][f"{figure}_{side}"] == row[figure], (side, activity)


def test_bad_comparisons_name_the_option(orders: Place) -> None:
    with orders.open() as db:
        with pytest.raises(InsightError, match="same cases") as same:
            compare(db, Scope("order", version=1), Scope("order", version=1))
        assert same.value.field == "toVersion"
        with pytest.raises(InsightError, match="--to-version") as missing:
            compare(db, Scope("order", version=1), Scope("order", version=7))
        assert missing.value.field == "toVersion"
        assert "its versions are: 1, 2" in str(missing.value)
        with pytest.raises(InsightError, match="name the process"):
            compare(db, Scope(version=1), Scope(version=2))


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_from_the_command_line(orders: Place, tmp_path: Path) -> None:
    chart = tmp_path / "compare.svg"
    base = ("insight", "compare", "order", "--database-url", orders.url, "--bins", "2")
    code, out = run(*base, "--from-version", "1", "--to-version", "2", "--json")
    assert code == 0, out
    check_versions(json.loads(out))
    code, out = run(*base, "--from-version", "1", "--to-version", "2", "--out", str(chart))
    assert code == 0, out
    assert "duration_mean" in out and "sign" in out and "░" in out and "█" in out
    assert chart.read_text("utf-8").startswith("<svg") and "from" in chart.read_text("utf-8")
    png = tmp_path / "compare.png"
    code, out = run(*base, "--from-version", "1", "--to-version", "2", "--out", str(png))
    assert code == 0 and f"chart written to {png}" in out, out
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    code, out = run(*base, "--from-version", "1", "--to-version", "2", "--out", "compare.pdf")
    assert code == 2 and "written as .svg or .png, not .pdf" in out
    code, out = run(*base, "--from-version", "1", "--to-version", "9")
    assert code == 1 and "--to-version" in out and "its versions are: 1, 2" in out


@pytest.fixture(scope="module")
def http(orders: Place) -> Iterator[httpx.Client]:
    with Client(orders.settings()) as client:
        app = create_app(
            client, ServerOptions(auth="basic"), authenticator=Roles(), insight=orders.settings()
        )
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as made:
            made.headers.update(as_role("operator"))
            yield made


def test_over_http(http: httpx.Client) -> None:
    params: dict[str, str | int] = {
        "definition": "order",
        "fromVersion": 1,
        "toVersion": 2,
        "bins": 2,
    }
    answer = http.get("/v2/insight/compare", params=params)
    assert answer.status_code == 200, answer.text
    check_versions(answer.json())
    bad = http.get("/v2/insight/compare", params={**params, "toVersion": 5})
    assert bad.status_code == 400, bad.text
    assert bad.json()["invalidParams"][0]["name"] == "toVersion"
    same = http.get("/v2/insight/compare", params={**params, "toVersion": 1})
    assert same.status_code == 400
    windows: dict[str, str | int] = {
        "definition": "order",
        "fromUntil": "2030-01-01T12:00:00",
        "bins": 2,
    }
    answer = http.get("/v2/insight/compare", params={**windows, "toSince": "2030-01-01T12:00"})
    assert answer.status_code == 200, answer.text
    check_versions(answer.json())
    viewer = http.get("/v2/insight/compare", params=params, headers=as_role("user"))
    assert viewer.status_code == 403


def test_stuck_over_http(http: httpx.Client) -> None:
    # the server judges by its own clock, which is before this 2030 history: none held
    answer = http.get("/v2/insight/stuck", params={"definition": "order", "minSamples": 1})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["analysis"], answer.json()["rows"]) == ("stuck", [])
    bad = http.get("/v2/insight/stuck", params={"definition": "order", "factor": 0})
    assert bad.status_code == 400, bad.text
    unknown = http.get("/v2/insight/stuck", params={"definition": "nope"})
    assert unknown.status_code == 400 and "nope" in unknown.text
