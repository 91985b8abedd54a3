"""`stuck`: running instances held at an element longer than usual, over the five claims of
`insightkit.make_history` (i5 is held at Check by an incident since 09:00; the four other
checks completed at once)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from insightkit import History, Place

from regista.cli.main import main
from regista.insight import InsightError, Scope
from regista.insight.stuck import stuck

pytest_plugins = ["insightfixtures"]

NOON = datetime(2030, 1, 1, 12, tzinfo=UTC)


def test_the_case_held_at_check_is_stuck(claims: tuple[Place, History]) -> None:
    place, history = claims
    with place.open() as db:
        report = stuck(db, Scope("claim"), now=NOON, min_samples=4)
        # Check has four completed executions: too few for the default of five
        assert stuck(db, Scope("claim"), now=NOON).rows == []
        # at 09:00 nothing has been held for any time yet
        assert (
            stuck(db, Scope("claim"), now=datetime(2030, 1, 1, 9, tzinfo=UTC), min_samples=1).rows
            == []
        )
        with pytest.raises(InsightError, match="imported log has none"):
            stuck(db, Scope(log="x"), now=NOON)
        with pytest.raises(InsightError, match="--factor") as bad:
            stuck(db, Scope("claim"), now=NOON, factor=0)
        assert bad.value.field == "factor"
    (row,) = report.rows
    assert (row["case_id"], row["activity"], row["name"]) == (history.ids["i5"], "check", "Check")
    assert (row["held"], row["usual_p90"], row["times_usual"]) == (3 * 3600.0, 0.0, None)
    assert (row["samples"], row["incident"]) == (4, True)
    assert report.extra["stuck"] == 1


def test_from_the_command_line(claims: tuple[Place, History]) -> None:
    place, history = claims
    args = ["insight", "stuck", "--database-url", place.url, "--definition", "claim"]
    args += ["--at", "2030-01-01T12:00:00Z"]
    result = CliRunner().invoke(main, [*args, "--min-samples", "4", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)["rows"]
    assert row["case_id"] == history.ids["i5"] and row["incident"] is True
    result = CliRunner().invoke(main, [*args, "--factor", "0"])
    assert result.exit_code == 2 and "--factor" in result.output
