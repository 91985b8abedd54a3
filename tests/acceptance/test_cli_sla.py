"""`regista sla` and `regista alerts` on a SQLite file, as an operator types them: the
breaches and at-risk deadlines a run left, subscriptions added, listed and removed, and
one-line errors instead of tracebacks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from regista.bpmn import ProcessBuilder
from regista.cli.main import main
from regista.testing import FakeClock, LocalRuntime


def slow() -> ProcessBuilder:
    """A step with a 1-hour target and one with a 100-hour target."""
    return (
        ProcessBuilder("slow")
        .start("s")
        .user_task("quick")
        .property("regista.sla", "PT1H")
        .user_task("long")
        .property("regista.sla", "PT100H")
        .end("e")
    )


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A database where one instance breached `quick` and waits at `long`, whose target
    is 90 % used now (the run's fake clock began 92 hours ago)."""
    url = f"sqlite:///{tmp_path / 'sla.db'}"
    began = dt.datetime.now(dt.UTC) - dt.timedelta(hours=92)
    with LocalRuntime.open(url, clock=FakeClock(began)) as rt:
        rt.deploy(slow())
        instance = rt.start("slow")
        rt.advance("PT2H")
        rt.complete_task(instance, "quick")
    return url


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--database-url", db])


def ok(db: str, *args: str) -> str:
    done = run(db, *args)
    assert done.exit_code == 0, done.output
    return done.output


def test_breaches_and_deadlines_at_risk(db: str) -> None:
    (breach,) = json.loads(ok(db, "sla", "breaches", "--json"))
    assert (breach["process_id"], breach["element_id"], breach["kind"]) == (
        "slow",
        "quick",
        "element",
    )
    assert "slow instance" in ok(db, "sla", "breaches") and "over its PT1H" in ok(
        db, "sla", "breaches"
    )
    (risky,) = json.loads(ok(db, "sla", "at-risk", "--json"))
    assert risky["element_id"] == "long" and 0.85 < risky["used"] < 1
    assert json.loads(ok(db, "sla", "at-risk", "--share", "0.99", "--json")) == []
    bad = run(db, "sla", "at-risk", "--share", "2")
    assert bad.exit_code == 2 and "--share" in bad.output


def test_alert_subscriptions_from_the_command_line(db: str) -> None:
    made = json.loads(
        ok(db, "alerts", "add", "sla_breach", "webhook", "https://x.example/h", "--json")
    )
    ok(db, "alerts", "add", "incident_raised", "email", "ops@example.com")
    listed = json.loads(ok(db, "alerts", "list", "--json"))
    assert sorted(s["event_kind"] for s in listed) == ["incident_raised", "sla_breach"]
    assert "ops@example.com" in ok(db, "alerts", "list", "--kind", "incident_raised")
    assert "removed" in ok(db, "alerts", "remove", made["id"])
    gone = run(db, "alerts", "remove", made["id"])
    assert gone.exit_code == 1 and "no alert subscription" in gone.output
    bad = run(db, "alerts", "add", "sla_breach", "webhook", "not-a-url")
    assert bad.exit_code == 1 and "not an http:// or https:// URL" in bad.output
    assert "Traceback" not in bad.output
