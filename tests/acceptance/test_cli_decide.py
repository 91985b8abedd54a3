"""`regista decide` run as a real process: JSON out, clear errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DISH = REPO / "examples" / "dish.dmn"


def regista(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regista.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def decide_json(*args: str) -> dict[str, Any]:
    done = regista("decide", *args)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_the_readme_quickstart_decides_the_dish() -> None:
    doc = decide_json(
        str(DISH), "--decision", "Dish", "--input", '{"Season": "Winter", "Guest Count": 8}'
    )
    assert doc["decision"] == "Dish"
    assert doc["value"] == "Roastbeef"
    assert doc["matches"] == [{"decision": "Dish", "rules": [2], "rule_ids": ["dish-rule-winter"]}]
    assert doc["warnings"] == []


def test_a_collect_decision_requiring_another_lists_every_match(tmp_path: Path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(
        '{"Season": "Fall", "Guest Count": 10, "Guests with children": true}', encoding="utf-8"
    )
    doc = decide_json(str(DISH), "--decision", "Beverages", "--input", f"@{inputs}")
    assert doc["value"] == ["Guinness", "Apple Juice", "Water"]
    by_decision = {m["decision"]: m for m in doc["matches"]}
    assert by_decision["Dish"]["rules"] == [5]
    assert by_decision["Beverages"]["rules"] == [2, 5, 6]


def test_numbers_and_dates_are_encoded_as_json(tmp_path: Path) -> None:
    model = tmp_path / "calc.dmn"
    model.write_text(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="calc"
             name="calc" namespace="https://example.org/calc">
          <decision id="d" name="Calc">
            <literalExpression id="e"><text>{
              whole: 10 / 2, half: 1 / 2, third: 1 / 3, day: date("2024-02-29"),
              span: duration("P1Y2M"), nothing: null, range: [1..10)
            }</text></literalExpression>
          </decision>
        </definitions>""",
        encoding="utf-8",
    )
    value = decide_json(str(model), "--decision", "Calc")["value"]
    assert value == {
        "whole": 5,
        "half": 0.5,
        "third": "0.3333333333333333333333333333333333",
        "day": "2024-02-29",
        "span": "P1Y2M",
        "nothing": None,
        "range": "[1..10)",
    }


def test_bad_json_is_reported_without_a_traceback() -> None:
    done = regista("decide", str(DISH), "--decision", "Dish", "--input", '{"Season": ')
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_that_is_not_an_object_is_refused() -> None:
    done = regista("decide", str(DISH), "--decision", "Dish", "--input", "[1, 2]")
    assert done.returncode == 2
    assert "JSON object" in done.stderr


def test_a_missing_model_file_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nope.dmn"
    done = regista("decide", str(missing), "--decision", "Dish")
    assert done.returncode == 2
    assert "nope.dmn" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_malformed_model_names_the_line_and_element(tmp_path: Path) -> None:
    model = tmp_path / "bad.dmn"
    model.write_text(
        """<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="bad"
             name="bad" namespace="https://example.org/bad">
          <decision id="broken-decision" name="Broken">
            <literalExpression id="broken-expression"><text>1 +* 2</text></literalExpression>
          </decision>
        </definitions>""",
        encoding="utf-8",
    )
    done = regista("decide", str(model), "--decision", "Broken")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "bad.dmn" in done.stderr
    assert "broken-expression" in done.stderr or "broken-decision" in done.stderr
    assert ":4" in done.stderr or "line 4" in done.stderr


def test_xml_that_is_not_well_formed_is_reported(tmp_path: Path) -> None:
    model = tmp_path / "truncated.dmn"
    model.write_text("<definitions>\n<decision", encoding="utf-8")
    done = regista("decide", str(model), "--decision", "X")
    assert done.returncode == 2
    assert "truncated.dmn" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unknown_decision_is_reported() -> None:
    done = regista("decide", str(DISH), "--decision", "Dessert")
    assert done.returncode == 2
    assert "Dessert" in done.stderr
    assert "Traceback" not in done.stderr


def test_exactly_one_of_decision_or_service_is_required() -> None:
    done = regista("decide", str(DISH))
    assert done.returncode == 2
    assert "--decision" in done.stderr


def test_version() -> None:
    done = regista("--version")
    assert done.returncode == 0
    assert "regista" in done.stdout


# as Camunda 7 modelers wrote it: the DMN 1.1 `dmn11.xsd` namespace, no input data
CAMUNDA_DMN = REPO / "tests" / "acceptance" / "scenarios" / "models" / "camunda7-dinner.dmn"


def test_a_camunda_model_without_input_data_reads_the_input_as_variables() -> None:
    model = CAMUNDA_DMN
    doc = decide_json(str(model), "--decision", "dish", "--input", '{"month": 10, "guestCount": 4}')
    assert doc["value"] == "Spareribs"
    assert doc["warnings"] == []
    via = decide_json(str(model), "-d", "dish", "--variables", '{"month": 1, "guestCount": 12}')
    assert via["value"] == "Stew"


def test_variables_reach_a_model_with_input_data_too() -> None:
    doc = decide_json(
        str(DISH), "--decision", "Dish", "--variables", '{"Season": "Winter", "Guest Count": 8}'
    )
    assert doc["value"] == "Roastbeef"
    done = regista("decide", str(DISH), "-d", "Dish", "--variables", "[1]")
    assert done.returncode == 2
    assert "--variables" in done.stderr and "JSON object" in done.stderr
