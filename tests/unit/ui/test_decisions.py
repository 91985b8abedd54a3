"""The cockpit's decisions: the list with versions, a decision's page (its DMN for dmn-js,
the evaluation form made from the model), evaluation through the API with the matched
rules, and who may see and evaluate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from regista.dmn.parser import parse_bytes
from regista.ui.decision_form import DecisionInput, decision_inputs

from .opskit import admin
from .uikit import UiServed, csrf_of, ui_app

MODELS = Path(__file__).parents[2] / "acceptance/scenarios/models"
DISCOUNT = (MODELS / "discount.dmn").read_bytes()
DINNER = (MODELS / "camunda7-dinner.dmn").read_bytes()


def _deploy(http: httpx.Client, name: str, content: bytes) -> None:
    files = [("resources", (name, content, "application/octet-stream"))]
    answer = http.post("/v2/deployments", files=files)
    assert answer.status_code == 200, answer.text


def _keys(served: UiServed) -> dict[tuple[str, int], str]:
    with admin(served) as http:
        found = http.post("/v2/decision-definitions/search", json={}).json()["items"]
    return {(d["decisionDefinitionId"], d["version"]): d["decisionDefinitionKey"] for d in found}


def test_the_list_shows_decisions_and_their_versions() -> None:
    with ui_app() as served, admin(served) as http:
        _deploy(http, "discount.dmn", DISCOUNT)
        _deploy(http, "discount.dmn", DISCOUNT.replace(b"0.15", b"0.2"))
        _deploy(http, "dinner.dmn", DINNER)
        keys = _keys(served)
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/decisions")
            assert page.status_code == 200, page.text
            rows = re.findall(r'<tr data-testid="decision-row">(.*?)</tr>', page.text, re.S)
            names = [re.search(r'">([^<]+)</a></th>', r).group(1) for r in rows]  # type: ignore[union-attr]
            assert names == ["Discount", "Dish", "Season decision"]
            discount = rows[0]
            assert f'href="/ui/decisions/{keys["discount", 2]}">Discount</a>' in discount
            assert '<td class="num">2</td>' in discount
            assert f'href="/ui/decisions/{keys["discount", 1]}"' in discount
            assert "Decision requirements (DMN models)" in page.text
            assert re.search(r"<th scope=\"row\">Dinner</th>", page.text)


def test_no_decision_says_how_to_deploy_one() -> None:
    with ui_app() as served, served.signed_in("olga") as browser:
        page = browser.get("/ui/decisions")
        assert page.status_code == 200 and "No decision is deployed yet" in page.text


def test_a_decision_page_has_its_model_and_an_evaluation_form() -> None:
    with ui_app() as served, admin(served) as http:
        _deploy(http, "discount.dmn", DISCOUNT)
        key = _keys(served)["discount", 1]
        with served.signed_in("olga") as browser:
            page = browser.get(f"/ui/decisions/{key}")
            assert page.status_code == 200, page.text
            assert "dmn-modeler.production.min.js" in page.text and 'id="dmn"' in page.text
            found = re.search(
                r'<script type="application/json" id="decision-data">(.*?)</script>', page.text
            )
            assert found is not None
            data = json.loads(found.group(1))
            assert data["key"] == key and data["decisionId"] == "discount"
            assert data["fields"] == [
                {"name": "customerType", "control": "text"},
                {"name": "orderTotal", "control": "number"},
            ]
            xml = browser.get(data["xmlUrl"])
            assert xml.status_code == 200 and xml.content == DISCOUNT
            assert re.search(
                r'<label for="in-2">orderTotal <span class="muted">\(number\)', page.text
            )
            assert 'data-control="number" type="number"' in page.text
            assert 'data-testid="variables-json"' in page.text

            # what the Evaluate button does (static/decisions.js)
            token = {"X-CSRF-Token": csrf_of(page.text)}
            body = {"decisionDefinitionKey": key, "variables": {"orderTotal": 2000}}
            answer = browser.post("/v2/decision-definitions/evaluation", json=body, headers=token)
            assert answer.status_code == 200, answer.text
            result = answer.json()
            assert json.loads(result["output"]) == 0.05
            (evaluated,) = result["evaluatedDecisions"]
            assert [r["ruleId"] for r in evaluated["matchedRules"]] == ["r-big"]
            assert evaluated["matchedRules"][0]["ruleIndex"] == 2

            missing = browser.get("/ui/decisions/424242")
            assert missing.status_code == 404 and "424242" in missing.text


def test_a_required_decisions_rules_are_answered_per_decision() -> None:
    with ui_app() as served, admin(served) as http:
        _deploy(http, "dinner.dmn", DINNER)
        key = _keys(served)["dish", 1]
        with served.signed_in("mona") as browser:  # a modeler may see and evaluate too
            page = browser.get(f"/ui/decisions/{key}")
            assert page.status_code == 200, page.text
            token = {"X-CSRF-Token": csrf_of(page.text)}
            body = {"decisionDefinitionKey": key, "variables": {"month": 10, "guestCount": 4}}
            answer = browser.post("/v2/decision-definitions/evaluation", json=body, headers=token)
            assert answer.status_code == 200, answer.text
            rules = {
                d["decisionDefinitionId"]: [r["ruleId"] for r in d["matchedRules"]]
                for d in answer.json()["evaluatedDecisions"]
            }
            assert rules == {"season": ["s1"], "dish": ["r1"]}


@pytest.mark.parametrize("username", ["ursula"])
def test_people_without_a_reading_role_see_no_decision(username: str) -> None:
    with ui_app() as served, admin(served) as http:
        _deploy(http, "discount.dmn", DISCOUNT)
        key = _keys(served)["discount", 1]
        with served.signed_in(username) as browser:
            assert browser.get("/ui/decisions").status_code == 403
            page = browser.get(f"/ui/decisions/{key}")
            assert page.status_code == 403 and "evaluate-form" not in page.text
            token = {"X-CSRF-Token": csrf_of(page.text)}
            body = {"decisionDefinitionKey": key, "variables": {}}
            refused = browser.post("/v2/decision-definitions/evaluation", json=body, headers=token)
            assert refused.status_code == 403


def test_the_form_asks_for_what_no_required_decision_computes() -> None:
    dinner = parse_bytes(DINNER)
    assert decision_inputs(dinner, "dish") == [
        DecisionInput("guestCount", "guestCount", "integer", "number"),
        DecisionInput("month", "month", "integer", "number"),
    ]
    assert decision_inputs(dinner, "season") == [
        DecisionInput("month", "month", "integer", "number")
    ]
    assert decision_inputs(dinner, "nothing") == []
    discount = parse_bytes(DISCOUNT)
    assert [f.label for f in decision_inputs(discount, "discount")] == [
        "customerType",
        "orderTotal",
    ]
