"""Export of the history as XES, CSV and OCEL 2.0 JSON, import of XES and CSV logs, and
the analyses over an imported log (hand-computed, and a generated log of 10,000 cases
counted independently here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from insightkit import History, Place, generate_log, validate_xes, write_generated_xes

from regista.insight import (
    CsvMapping,
    InsightError,
    LogFormatError,
    Scope,
    directly_follows,
    durations,
    elements,
    import_log,
    throughput,
    traces,
    variants,
    write_log,
)

pytest_plugins = ["insightfixtures"]

NOW = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)


def export(place: Place, fmt: str, path: Path, scope: Scope | None = None) -> int:
    with place.open() as db, path.open("w", encoding="utf-8", newline="") as out:
        return write_log(traces(db, scope or Scope()), out, fmt=fmt, name="claims")


def test_the_history_as_xes_is_valid_and_carries_the_lifecycle(
    claims: tuple[Place, History], tmp_path: Path
) -> None:
    place, history = claims
    path = tmp_path / "claims.xes"
    count = export(place, "xes", path)
    validate_xes(path)
    with place.open() as db:
        by_case = {t.case_id: t for t in traces(db, Scope(definition="claim"))}
    assert sum(len(t.events) for t in by_case.values()) == count
    i1 = by_case[history.ids["i1"]]
    assert [(e.activity, e.lifecycle, e.time.strftime("%H:%M"), e.resource) for e in i1.events] == [
        ("Received", "complete", "09:00", None),
        ("Check", "complete", "09:00", "node-test"),
        ("ok", "complete", "09:00", "node-test"),
        ("Approve", "schedule", "09:00", None),
        ("Approve", "start", "10:00", "ann"),
        ("Approve", "complete", "12:00", "ann"),
        ("Done", "complete", "12:00", "ann"),
    ]
    i4 = by_case[history.ids["i4"]]
    assert ("Check", "ate_abort") in [(e.activity, e.lifecycle) for e in i4.events]
    i5 = by_case[history.ids["i5"]]
    assert [(e.activity, e.lifecycle) for e in i5.events][-1] == ("Check", "start")
    assert (i1.process_id, i1.version, i1.status) == ("claim", 1, "completed")


def test_csv_and_ocel_hold_the_same_events(claims: tuple[Place, History], tmp_path: Path) -> None:
    place, history = claims
    xes = export(place, "xes", tmp_path / "a.xes")
    n_csv = export(place, "csv", tmp_path / "a.csv")
    n_ocel = export(place, "ocel-json", tmp_path / "a.json")
    assert xes == n_csv == n_ocel
    rows = list(csv.DictReader(io.StringIO((tmp_path / "a.csv").read_text("utf-8"))))
    assert len(rows) == n_csv
    assert rows[0].keys() >= {"case_id", "activity", "lifecycle", "timestamp", "resource"}
    ocel = json.loads((tmp_path / "a.json").read_text("utf-8"))
    assert set(ocel) == {"objectTypes", "eventTypes", "objects", "events"}
    assert len(ocel["events"]) == n_ocel
    assert {o["id"] for o in ocel["objects"]} == set(history.ids.values())
    assert [t["name"] for t in ocel["objectTypes"]] == ["claim"]
    assert {"Approve", "Check", "Received"} <= {t["name"] for t in ocel["eventTypes"]}
    objects = {o["id"] for o in ocel["objects"]}
    assert all(r["objectId"] in objects for e in ocel["events"] for r in e["relationships"])


def test_an_exported_log_imported_again_gives_the_same_paths(
    claims: tuple[Place, History], tmp_path: Path
) -> None:
    place, _ = claims
    path = tmp_path / "round.xes"
    export(place, "xes", path, Scope(definition="claim"))
    with place.open() as db:
        done = import_log(db, path, name=f"round-{place.kind}", now=NOW, replace=True)
        assert (done.cases, done.events) == (5, path.read_text("utf-8").count("<event>"))
        found = variants(db, Scope(log=done.name))
    # steps that never completed (terminated, still running) are not steps of a log
    assert {tuple(r["activities"]): r["cases"] for r in found.rows} == {
        ("Received", "Check", "ok", "Approve", "Done"): 2,
        ("Received", "Check", "ok", "Rejected"): 1,
        ("Received", "bad", "Failed"): 1,
        ("Received",): 1,
    }


HAND = """case,activity,time,who,transition
c1,A,2024-03-01T10:00:00Z,ann,start
c1,A,2024-03-01T10:10:00Z,ann,complete
c1,B,2024-03-01T10:30:00Z,bob,start
c1,B,2024-03-01T11:00:00Z,bob,complete
c1,B,2024-03-01T11:10:00Z,bob,start
c1,B,2024-03-01T11:20:00Z,bob,complete
c1,C,2024-03-01T12:00:00Z,ann,complete
c2,A,2024-03-02T09:00:00Z,ann,start
c2,A,2024-03-02T09:20:00Z,ann,complete
c2,C,2024-03-02T09:50:00Z,,complete
"""


def test_a_hand_computed_csv_log(place: Place, tmp_path: Path) -> None:
    path = tmp_path / "hand.csv"
    path.write_text(HAND, encoding="utf-8")
    mapping = CsvMapping("case", "activity", "time", "who", "transition")
    with place.open() as db:
        done = import_log(db, path, mapping=mapping, now=NOW)
        scope = Scope(log="hand")
        report = elements(db, scope)
        flows = directly_follows(db, scope)
        per_day = throughput(db, scope)
        spread = durations(db, scope, bins=2)
    assert (done.name, done.events, done.cases) == ("hand", 10, 2)
    a, b, c = (report.row(activity=x) for x in "ABC")
    assert (a["count"], a["service_p50"], a["service_p90"]) == (2, 600.0, 1200.0)
    assert (a["waiting_p50"], a["waiting_p99"]) == (0.0, 0.0)
    # B twice in c1: 30 min and 10 min of work, after 20 and 10 min of waiting
    assert (b["count"], b["cases"], b["repeats"], b["rework_cases"]) == (2, 1, 1, 1)
    assert (b["service_p50"], b["service_p90"], b["waiting_p50"], b["waiting_p90"]) == (
        600.0,
        1800.0,
        600.0,
        1200.0,
    )
    # C has no start: its work is instant, it waited since the step before it ended
    assert (c["service_p90"], c["waiting_p50"], c["waiting_p90"]) == (0.0, 1800.0, 2400.0)
    edges = {(r["source"], r["target"]): r["count"] for r in flows.rows}
    assert edges == {
        (None, "A"): 2,
        ("A", "B"): 1,
        ("B", "B"): 1,
        ("B", "C"): 1,
        ("A", "C"): 1,
        ("C", None): 2,
    }
    assert [(r["bucket"][:10], r["started"], r["ended"]) for r in per_day.rows] == [
        ("2024-03-01", 1, 1),
        ("2024-03-02", 1, 1),
    ]
    assert spread.extra["summary"]["max"] == 7200.0
    assert spread.extra["summary"]["min"] == 3000.0


def test_a_generated_log_of_10000_cases(place: Place, tmp_path: Path) -> None:
    log = generate_log(10_000)
    path = tmp_path / "generated.xes"
    events = write_generated_xes(log, path)
    with place.open() as db:
        done = import_log(db, path, now=NOW)
        scope = Scope(log="generated")
        report = elements(db, scope)
        found = variants(db, scope, limit=1000)
        flows = directly_follows(db, scope)
    assert (done.cases, done.events) == (10_000, events)
    counts = Counter(a for steps in log.cases.values() for a, *_ in steps)
    assert {r["activity"]: r["count"] for r in report.rows} == dict(counts)
    cases_with = Counter(a for steps in log.cases.values() for a in {s[0] for s in steps})
    assert {r["activity"]: r["cases"] for r in report.rows} == dict(cases_with)
    repeats = {a: counts[a] - cases_with[a] for a in counts}
    assert {r["activity"]: r["repeats"] for r in report.rows} == repeats
    service = sorted(
        (end - start).total_seconds()
        for steps in log.cases.values()
        for a, start, end, _ in steps
        if a == "check"
    )
    expected_p90 = service[-(-90 * len(service) // 100) - 1]
    assert report.row(activity="check")["service_p90"] == expected_p90
    paths = Counter(tuple(a for a, *_ in steps) for steps in log.cases.values())
    assert {tuple(r["activities"]): r["cases"] for r in found.rows} == dict(paths)
    assert found.extra == {"cases": 10_000, "distinct": len(paths)}
    follows: Counter[tuple[str | None, str | None]] = Counter()
    for steps in log.cases.values():
        names: list[str | None] = [None, *(a for a, *_ in steps), None]
        follows.update(itertools.pairwise(names))
    assert {(r["source"], r["target"]): r["count"] for r in flows.rows} == dict(follows)


def test_a_failed_import_leaves_nothing_behind(place: Place, tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    good = "case_id,activity,timestamp\n" + "".join(
        f"c{n},A,2024-01-01T00:00:{n % 60:02d}Z\n" for n in range(12_000)
    )
    path.write_text(good + "c9,B,yesterday\n", encoding="utf-8")
    with place.open() as db:
        with pytest.raises(LogFormatError, match=r"line 12002, field 'timestamp'"):
            import_log(db, path, now=NOW)
        assert db.all("SELECT COUNT(*) AS n FROM event_log_events")[0]["n"] == 0
        assert db.all("SELECT COUNT(*) AS n FROM event_logs")[0]["n"] == 0
        path.write_text(good, encoding="utf-8")
        assert import_log(db, path, now=NOW).events == 12_000
        with pytest.raises(InsightError, match="an event log named 'broken' exists"):
            import_log(db, path, now=NOW)
        assert import_log(db, path, now=NOW, replace=True).events == 12_000


def test_variables_only_when_asked(claims: tuple[Place, History], tmp_path: Path) -> None:
    place, history = claims
    with place.open() as db:
        plain = {t.case_id: t.variables for t in traces(db, Scope())}
        rich = {t.case_id: t.variables for t in traces(db, Scope(), variables=True)}
        path = tmp_path / "vars.xes"
        with path.open("w", encoding="utf-8") as out:
            write_log(traces(db, Scope(), variables=True), out, fmt="xes", name="v")
    assert all(v == {} for v in plain.values())
    assert rich[history.ids["i1"]] == {"valid": True}
    assert rich[history.ids["i4"]] == {"mode": "error"}
    validate_xes(path)
    text = path.read_text("utf-8")
    assert text.count('<boolean key="valid" value="true"/>') == 2
    assert '<string key="mode" value="down"/>' in text
