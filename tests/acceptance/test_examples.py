"""The shipped examples work as the README says: the order process runs end to end and its
scenarios pass."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ORDER = REPO / "examples" / "order"


def regista(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
        check=False,
    )


def test_the_order_example_runs_to_the_end_with_an_approval() -> None:
    result = regista(
        "run",
        str(ORDER / "order.bpmn"),
        "--with",
        str(ORDER / "discount.dmn"),
        "--worker",
        str(ORDER / "workers.py"),
        "--var",
        "orderTotal=2000",
        "--var",
        "customerType:=regular",
        "--var",
        "orderId:=A-7",
        "--json",
        stdin='{"approved": true}\n',
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["state"] == "completed"
    assert out["passed"][-3:] == ["merge", "charge", "paid"]
    assert out["variables"]["price"] == 1900
    assert out["variables"]["transactionId"] == "tx-A-7"


def test_a_declined_card_is_a_bpmn_error_caught_by_the_model() -> None:
    result = regista(
        "run",
        str(ORDER / "order.bpmn"),
        "--with",
        str(ORDER / "discount.dmn"),
        "--worker",
        str(ORDER / "workers.py"),
        "--var",
        "orderTotal=10",
        "--var",
        "card=4000123",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["passed"][-2:] == ["declined", "payment_failed"]


def test_the_example_scenarios_pass() -> None:
    result = regista("test", str(REPO / "examples"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
