"""An operator's work in the browser: retry failed jobs' incidents from the incident list
(picking rows, a wrong retries count first), and evaluate a decision from its page, the
matched rule marked on the decision table shown by dmn-js."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from testkit import wait_until

from .conftest import PEOPLE, Server, screenshot, sign_in

CHARGING = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="e2e-charging" name="Charging" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="charge"/>
    <serviceTask id="charge" name="Charge the card">
      <extensionElements><zeebe:taskDefinition type="e2e-charge"/></extensionElements>
    </serviceTask>
    <sequenceFlow id="f2" sourceRef="charge" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""
DISCOUNT = (Path(__file__).parents[1] / "acceptance/scenarios/models/discount.dmn").read_text()


def _failed_jobs(server: Server, count: int) -> list[str]:
    """Start `count` instances and fail each one's job for good; the instances' keys."""
    server.deploy("e2e-charging.bpmn", CHARGING)
    keys = [server.start("e2e-charging") for _ in range(count)]
    body = {"type": "e2e-charge", "worker": "e2e", "timeout": 60_000, "maxJobsToActivate": 10}
    jobs = server.api.post("/v2/jobs/activation", json={**body, "requestTimeout": -1})
    for job in jobs.json()["jobs"]:
        failure = {"retries": 0, "errorMessage": "card service down"}
        answer = server.api.post(f"/v2/jobs/{job['jobKey']}/failure", json=failure)
        assert answer.status_code == 204, answer.text
    return keys


def test_an_operator_retries_incidents_from_the_list(page: Page, server: Server) -> None:
    instances = _failed_jobs(server, 2)
    sign_in(page, "olga", PEOPLE["olga"][0])
    page.goto("/ui/incidents?process=e2e-charging")
    rows = page.get_by_test_id("incident-row")
    expect(rows).to_have_count(2)
    for instance in instances:
        expect(page.locator(f'a[href="/ui/instances/{instance}"]')).to_be_visible()
    page.get_by_test_id("pick-all").check()
    expect(page.locator("#selected-count")).to_have_text("2 incidents selected")
    page.get_by_label("Retries to give a failed job").fill("0")
    page.get_by_test_id("retry-selected").click()
    retries = page.get_by_label("Retries to give a failed job")
    expect(retries).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-retries")).to_contain_text("whole number")
    retries.fill("2")
    page.get_by_test_id("retry-selected").click()
    log = page.get_by_test_id("retry-log").locator("li")
    expect(log).to_have_count(2)
    expect(log.first).to_contain_text("Retried (2 retries)")
    expect(rows).to_have_count(0)  # both resolved: the list reloaded
    screenshot(page, "incidents-retried")

    def retried() -> bool:
        found = server.api.post(
            "/v2/jobs/search",
            json={"filter": {"type": "e2e-charge", "state": "CREATED", "retries": 2}},
        ).json()
        return bool(found["page"]["totalItems"] == 2)

    wait_until(retried, 30, what="the new jobs with the retries given")


def test_a_decision_is_evaluated_and_its_rule_marked(page: Page, server: Server) -> None:
    server.deploy("discount.dmn", DISCOUNT)
    sign_in(page, "olga", PEOPLE["olga"][0])
    page.goto("/ui/decisions")
    page.get_by_test_id("decision-list").get_by_role("link", name="Discount").first.click()
    expect(page.get_by_role("heading", name="Discount")).to_be_visible()
    expect(page.locator('#dmn [data-row-id="r-big"]').first).to_be_visible()
    page.get_by_test_id("variables-json").fill("{not json")
    page.get_by_test_id("evaluate").click()
    expect(page.locator("#variables-error")).to_contain_text("not valid JSON")
    page.get_by_test_id("variables-json").fill("{}")
    page.get_by_test_id("input-orderTotal").fill("2000")
    expect(page.get_by_test_id("variables-json")).to_have_value('{\n  "orderTotal": 2000\n}')
    page.get_by_test_id("evaluate").click()
    expect(page.get_by_test_id("decision-output")).to_have_text("0.05")
    matched = page.get_by_test_id("matched-rules")
    expect(matched).to_contain_text("r-big")
    expect(page.locator('#dmn .matched-rule[data-row-id="r-big"]').first).to_be_visible()
    assert page.locator('#dmn .matched-rule[data-row-id="r-gold"]').count() == 0
    screenshot(page, "decision-evaluated")
