"""The bulk import (COPY on PostgreSQL, `executemany` batches on SQLite): a file that fails
after batches went to the database leaves nothing behind, and an empty file is refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from insightkit import Place

from regista.insight import LogFormatError, import_log, importer

pytest_plugins = ["insightfixtures"]

NOW = dt.datetime(2030, 6, 1, tzinfo=dt.UTC)


def _counts(place: Place) -> tuple[int, int]:
    with place.open() as db:
        events = db.one("SELECT COUNT(*) AS n FROM event_log_events")["n"]
        logs = db.one("SELECT COUNT(*) AS n FROM event_logs")["n"]
    return int(events), int(logs)


def test_a_failure_after_several_batches_leaves_nothing_behind(
    place: Place, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "BATCH", 100)
    path = tmp_path / "late.xes"
    traces = "".join(
        f'<trace><string key="concept:name" value="c{n}"/>'
        f'<event><string key="concept:name" value="A"/>'
        f'<date key="time:timestamp" value="2024-01-01T00:00:{n % 60:02d}Z"/></event></trace>\n'
        for n in range(450)
    )
    broken = '<trace><string key="concept:name" value="late"/><event>'
    broken += '<string key="concept:name" value="B"/></event></trace>\n'
    path.write_text(f"<log>\n{traces}{broken}</log>\n", encoding="utf-8")
    with place.open() as db, pytest.raises(LogFormatError, match="line 452"):
        import_log(db, path, now=NOW)
    assert _counts(place) == (0, 0)
    path.write_text(f"<log>\n{traces}</log>\n", encoding="utf-8")
    with place.open() as db:
        done = import_log(db, path, now=NOW)
    assert (done.events, done.cases) == (450, 450)
    assert _counts(place) == (450, 1)


def test_a_file_without_events_is_refused(place: Place, tmp_path: Path) -> None:
    path = tmp_path / "empty.xes"
    path.write_text('<log><trace><string key="concept:name" value="c"/></trace></log>')
    with place.open() as db, pytest.raises(LogFormatError, match="the file holds no events"):
        import_log(db, path, now=NOW)
    assert _counts(place) == (0, 0)
