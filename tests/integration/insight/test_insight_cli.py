"""`regista insight` and `regista log` from the command line, on a real database."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner
from insightkit import History, Place, validate_xes

from regista.cli.main import main

pytest_plugins = ["insightfixtures"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_analyses_as_tables_and_json(claims: tuple[Place, History], tmp_path: Path) -> None:
    place, _ = claims
    code, out = run("insight", "elements", "--database-url", place.url, "--definition", "claim")
    assert code == 0, out
    assert "approve" in out and "Approve" in out and "service_p90" in out
    code, out = run("insight", "variants", "--database-url", place.url, "--json")
    assert code == 0, out
    assert json.loads(out)["cases"] == 5
    chart = tmp_path / "chart.svg"
    code, out = run(
        "insight", "durations", "--database-url", place.url, "--bins", "3", "--out", str(chart)
    )
    assert code == 0, out
    assert "count=4" in out and chart.read_text("utf-8").startswith("<svg")
    png = tmp_path / "chart.png"
    code, out = run("insight", "durations", "--database-url", place.url, "--out", str(png))
    assert code == 0 and f"chart written to {png}" in out, out
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    code, out = run("insight", "durations", "--database-url", place.url, "--out", "chart.gif")
    assert code == 2 and "written as .svg or .png, not .gif" in out
    code, out = run("insight", "dfg", "--database-url", place.url, "--since", "2031-01-01")
    assert (code, out.splitlines()[1]) == (0, "(no data in this scope)")
    code, out = run("insight", "errors", "--database-url", place.url, "--definition", "nope")
    assert code == 1 and "no definition 'nope'; the processes are: claim" in out
    code, out = run("insight", "bottlenecks", "--database-url", place.url, "--since", "soon")
    assert code == 2 and "'soon' is not an ISO 8601 date" in out


def test_export_then_import_then_analyse(claims: tuple[Place, History], tmp_path: Path) -> None:
    place, _ = claims
    out_file = tmp_path / "claims.xes"
    code, out = run(
        "log",
        "export",
        "--database-url",
        place.url,
        "--definition",
        "claim",
        "--out",
        str(out_file),
    )
    assert code == 0, out
    assert "24 event(s) of 20 step(s) written" in out
    validate_xes(out_file)
    name = f"cli-{place.kind}"
    code, out = run(
        "log", "import", str(out_file), "--database-url", place.url, "--name", name, "--replace"
    )
    assert code == 0 and "of 5 case(s)" in out, out
    code, out = run("insight", "elements", "--database-url", place.url, "--log", name, "--json")
    assert code == 0, out
    counts = {r["activity"]: r["count"] for r in json.loads(out)["rows"]}
    assert counts["Approve"] == 2 and counts["Received"] == 5
    code, out = run("log", "list", "--database-url", place.url)
    assert name in out


def test_export_as_ocel_sqlite(claims: tuple[Place, History], tmp_path: Path) -> None:
    place, history = claims
    out_file = tmp_path / "claims.sqlite"
    out_file.write_text("an older file, replaced once the export is complete", "utf-8")
    base = ("log", "export", "--database-url", place.url, "--definition", "claim")
    code, out = run(*base, "--format", "ocel-sqlite", "--variables", "--out", str(out_file))
    assert code == 0, out
    assert "24 event(s) of 20 step(s) written" in out and "(ocel-sqlite)" in out
    assert not list(tmp_path.glob(".*partial"))
    with sqlite3.connect(out_file) as conn:
        assert conn.execute("SELECT COUNT(*) FROM event").fetchone() == (24,)
        assert conn.execute("SELECT COUNT(*) FROM event_object").fetchone() == (24,)
        objects = {r[0] for r in conn.execute("SELECT ocel_id FROM object_claim")}
        assert objects == set(history.ids.values())
        types = dict(conn.execute("SELECT ocel_type, ocel_type_map FROM event_map_type"))
        assert types["Approve"] == "Approve"
        # two approvals, each scheduled, started (claimed) and completed
        assert conn.execute("SELECT COUNT(*) FROM event_Approve").fetchone() == (6,)
        valid = conn.execute(
            "SELECT valid FROM object_claim WHERE ocel_id = ?", (history.ids["i1"],)
        ).fetchone()
        assert valid == (1,)


def test_a_wrong_mapping_is_refused_listing_the_columns(place: Place, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("id,step,when\n1,A,2024-01-01T00:00:00Z\n", encoding="utf-8")
    code, out = run("log", "import", str(path), "--database-url", place.url, "--case", "case")
    assert code == 1
    assert "the columns found are: 'id', 'step', 'when'" in out
    code, out = run(
        "log",
        "import",
        str(path),
        "--database-url",
        place.url,
        "--case",
        "id",
        "--activity",
        "step",
        "--timestamp",
        "when",
    )
    assert code == 0 and "imported 1 event(s) of 1 case(s) as log 'events'" in out
    code, out = run(
        "log",
        "export",
        "--database-url",
        place.url,
        "--log",
        "events",
        "--format",
        "csv",
        "--out",
        str(tmp_path / "again.csv"),
    )
    assert code == 0, out
    assert (tmp_path / "again.csv").read_text("utf-8").splitlines()[1].startswith("1,A,A,")
