"""The analyses over a history the runtime made (`insightkit.make_history`), against
figures computed by hand from the timeline of the five claims."""

from __future__ import annotations

import datetime as dt

import pytest
from insightkit import History, Place

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.insight import (
    InsightError,
    Scope,
    bottlenecks,
    bpmn_errors,
    deviations,
    directly_follows,
    durations,
    elements,
    incidents,
    throughput,
    variants,
)
from regista.runtime.clock import FakeClock

pytest_plugins = ["insightfixtures"]

HOUR = 3600.0


def test_elements_count_rework_service_and_waiting(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        report = elements(db, Scope(definition="claim"))
    approve = report.row(activity="approve")
    assert approve["name"] == "Approve" and approve["type"] == "userTask"
    assert (approve["count"], approve["ended"], approve["cases"]) == (2, 2, 2)
    assert approve["repeats"] == 0
    # i1: claimed after 1 h, done 2 h later; i2: claimed after 2 h, done 30 min later
    assert (approve["service_p50"], approve["service_p90"], approve["service_p99"]) == (
        0.5 * HOUR,
        2 * HOUR,
        2 * HOUR,
    )
    assert (approve["waiting_p50"], approve["waiting_p90"]) == (HOUR, 2 * HOUR)
    assert approve["service_mean"] == 1.25 * HOUR
    check = report.row(activity="check")
    # five checks; i5's has an incident and has not ended
    assert (check["count"], check["ended"], check["cases"]) == (5, 4, 5)
    assert report.row(activity="s")["count"] == 5
    assert report.row(activity="done")["count"] == 2
    assert "late" not in report.column("activity")


def test_bottlenecks_rank_the_human_step_first(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        report = bottlenecks(db, Scope(definition="claim", version=1))
    first = report.rows[0]
    assert (first["rank"], first["activity"]) == (1, "approve")
    assert first["total"] == 5.5 * HOUR  # 1 h + 2 h waiting, 2 h + 0.5 h service
    assert (first["waiting"], first["service"], first["share"]) == (3 * HOUR, 2.5 * HOUR, 1.0)


def test_variants_and_the_directly_follows_graph(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        found = variants(db, Scope(definition="claim"))
        dfg = directly_follows(db, Scope(definition="claim"))
    paths = {tuple(r["activities"]): r["cases"] for r in found.rows}
    assert paths == {
        ("s", "check", "ok", "approve", "done"): 2,
        ("s", "check", "ok", "rejected"): 1,
        ("s", "check", "bad", "failed"): 1,
        ("s", "check"): 1,
    }
    assert found.rows[0]["path"] == ["Received", "Check", "ok", "Approve", "Done"]
    assert found.rows[0]["mean_duration"] == (3 * HOUR + 2.5 * HOUR) / 2
    assert found.extra == {"cases": 5, "distinct": 4}
    edges = {(r["source"], r["target"]): r["count"] for r in dfg.rows}
    assert edges == {
        (None, "s"): 5,
        ("s", "check"): 5,
        ("check", "ok"): 3,
        ("check", "bad"): 1,
        ("check", None): 1,
        ("ok", "approve"): 2,
        ("ok", "rejected"): 1,
        ("approve", "done"): 2,
        ("bad", "failed"): 1,
        ("done", None): 2,
        ("rejected", None): 1,
        ("failed", None): 1,
    }
    gap = next(r for r in dfg.rows if (r["source"], r["target"]) == ("ok", "approve"))
    assert (gap["min_gap"], gap["max_gap"]) == (HOUR, 2 * HOUR)  # to the claim


def test_deviations_name_the_branch_no_case_took(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        report = deviations(db, Scope(definition="claim"))
    never = {(r["kind"], r["id"]) for r in report.rows}
    assert ("element never reached", "late") in never
    assert ("element never reached", "escalated") in never
    assert len([k for k, _ in never if k == "flow never taken"]) == 1
    assert all(r["process_id"] == "claim" and r["version"] == 1 for r in report.rows)


def test_throughput_and_durations(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        per_day = throughput(db, Scope(), bucket="day")
        per_hour = throughput(db, Scope(), bucket="hour")
        spread = durations(db, Scope(definition="claim"), bins=2)
    assert per_day.rows == [
        {
            "bucket": "2030-01-01T00:00:00Z",
            "started": 5,
            "ended": 4,
            "completed": 4,
            "mean_duration": (3 * HOUR + 2.5 * HOUR) / 4,
        }
    ]
    assert [(r["bucket"][11:16], r["started"], r["ended"]) for r in per_hour.rows] == [
        ("09:00", 5, 2),
        ("11:00", 0, 1),
        ("12:00", 0, 1),
    ]
    summary = spread.extra["summary"]
    assert summary == {
        "count": 4,
        "min": 0.0,
        "max": 3 * HOUR,
        "mean": 5.5 * HOUR / 4,
        "p50": 0.0,
        "p90": 3 * HOUR,
        "p99": 3 * HOUR,
    }
    assert [r["count"] for r in spread.rows] == [2, 2]
    assert (spread.rows[0]["from"], spread.rows[1]["to"]) == (0.0, 3 * HOUR)


def test_incidents_and_bpmn_errors(claims: tuple[Place, History]) -> None:
    place, _ = claims
    with place.open() as db:
        found = incidents(db, Scope(definition="claim"))
        errors = bpmn_errors(db, Scope(definition="claim"))
    (incident,) = found.rows
    assert (incident["element_id"], incident["count"], incident["open"]) == ("check", 1, 1)
    assert "the registry is down" in incident["message"]
    assert errors.rows == [
        {"element_id": "check", "name": "Check", "code": "BAD", "count": 1, "cases": 1}
    ]


def test_scope_by_time_window_and_bad_scopes(claims: tuple[Place, History]) -> None:
    place, _ = claims
    import datetime as dt

    later = dt.datetime(2030, 1, 2, tzinfo=dt.UTC)
    with place.open() as db:
        assert elements(db, Scope(since=later)).rows == []
        assert len(variants(db, Scope(until=later)).rows) == 4
        with pytest.raises(InsightError, match="no definition 'nope'; the processes are: claim"):
            elements(db, Scope(definition="nope"))
        with pytest.raises(InsightError, match="has no version 7; its versions are: 1"):
            elements(db, Scope(definition="claim", version=7))
        with pytest.raises(InsightError, match="no imported event log 'x'"):
            elements(db, Scope(log="x"))


def test_a_start_just_before_a_whole_second_is_read_exactly(place: Place) -> None:
    """SQLite's date functions round to the millisecond: 05.9996 would count as second 06
    and the case as lasting -0.9 s. Read to the microsecond, it lasts 0.1 s."""
    clock = FakeClock("2030-01-01T00:00:05.999600Z")
    with Client(place.settings(), clock=clock) as client:
        client.deploy(ProcessBuilder("quick").start("s").user_task("t").end("e"))
        instance = client.start("quick")
        clock.advance(dt.timedelta(milliseconds=100))
        (task,) = client.tasks(instance_id=instance)
        assert client.complete_task(task.id)
    with place.open() as db:
        summary = durations(db, Scope(definition="quick")).extra["summary"]
        late = elements(db, Scope(definition="quick", since=clock() - dt.timedelta(seconds=1)))
    assert (summary["count"], summary["min"]) == (1, 0.1)
    # the case started within the second before the end: the window finds it
    assert late.row(activity="t")["count"] == 1
