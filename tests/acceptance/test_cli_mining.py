"""The as-is process from the command line, as a user runs it: import a CSV log,
discover a model, validate and deploy it, replay the log on it, and simulate it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOG = """case,activity,time,who
1,register,2024-01-01T09:00:00Z,ann
1,check,2024-01-01T09:10:00Z,bob
1,approve,2024-01-01T09:30:00Z,cy
2,register,2024-01-01T10:00:00Z,ann
2,check,2024-01-01T10:05:00Z,bob
2,fix,2024-01-01T10:20:00Z,bob
2,check,2024-01-01T10:40:00Z,bob
2,reject,2024-01-01T11:00:00Z,cy
3,register,2024-01-01T12:00:00Z,ann
3,check,2024-01-01T12:30:00Z,bob
3,approve,2024-01-01T12:45:00Z,cy
"""


def regista(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_discover_validate_deploy_replay_simulate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'regista.db'}"
    log = tmp_path / "claims.csv"
    log.write_text(LOG, encoding="utf-8")
    done = regista(
        "log", "import", str(log), "--database-url", url, "--case", "case",
        "--activity", "activity", "--timestamp", "time", "--resource", "who",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    model = tmp_path / "claims.bpmn"
    done = regista(
        "insight", "discover", "--database-url", url, "--log", "claims", "--noise", "0",
        "--tasks", "user", "--out", str(model),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "seq('register', loop('check', 'fix'), xor('approve', 'reject'))" in done.stdout
    assert regista("validate", str(model)).returncode == 0
    done = regista("deploy", str(model), "--database-url", url)
    assert done.returncode == 0, done.stderr + done.stdout
    done = regista(
        "insight", "fitness", "--database-url", url, "--log", "claims", "--model", str(model)
    )
    assert done.returncode == 0, done.stderr
    assert "fitness=1.0" in done.stdout and "fitting_cases=3" in done.stdout
    done = regista("simulate", str(model), "--instances", "30", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["completed"] == 30
    done = regista("insight", "discover", "--database-url", url, "--log", "nope", "--out", "x")
    assert done.returncode == 1
    assert "no imported event log 'nope'; the logs are: claims" in done.stderr
