"""An operator's day in the cockpit: a process's page with its diagram, starting an instance
from it (a JSON mistake shown at the field first), moving its token by clicking the
diagram, fixing a variable and retrying an incident, and cancelling an instance."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from regista.bpmn import ProcessBuilder, to_xml

from .conftest import PEOPLE, Console, Server, screenshot, sign_in


def _steps() -> str:
    built = ProcessBuilder("steps", name="Steps").start("s").user_task("one", name="One")
    return to_xml(built.user_task("two", name="Two").end("e").build()).decode()


def _gate() -> str:
    built = ProcessBuilder("gate", name="Gate").start("s").exclusive_gateway("choose")
    return to_xml(built.condition("=x > 1").user_task("big", name="Big").end("e").build()).decode()


def _definition_key(server: Server, process_id: str) -> str:
    found = server.api.post(
        "/v2/process-definitions/search", json={"filter": {"processDefinitionId": process_id}}
    ).json()
    return str(found["items"][0]["processDefinitionKey"])


def test_start_move_and_cancel(page: Page, server: Server, console: Console) -> None:
    server.deploy("steps.bpmn", _steps())
    key = _definition_key(server, "steps")
    sign_in(page, "olga", PEOPLE["olga"][0])
    page.goto(f"/ui/definitions/{key}")
    expect(page.locator('.djs-element[data-element-id="one"]')).to_be_visible()
    expect(page.locator(".bjs-powered-by")).to_be_visible()
    expect(page.get_by_test_id("element-counts")).to_have_attribute("data-loaded", "true")
    variables = page.get_by_label("Variables")
    variables.fill("{not json")
    page.get_by_test_id("start-submit").click()
    expect(variables).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#start-variables-error")).to_contain_text("not JSON")
    variables.fill('{"amount": 12}')
    page.get_by_label("Business key").fill("E2E-1")
    page.get_by_test_id("start-submit").click()
    page.wait_for_url("**/ui/instances/*")
    expect(page.get_by_test_id("active-elements")).to_contain_text("One")
    screenshot(page, "cockpit-instance")
    page.get_by_test_id("modify-start").click()
    page.locator('.djs-element[data-element-id="one"]').first.click()
    page.locator('.djs-element[data-element-id="two"]').first.click()
    expect(page.get_by_test_id("modify-target")).to_have_value("two")
    page.get_by_test_id("modify-apply").click()
    expect(page.get_by_test_id("active-elements")).to_contain_text("Two")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("cancel-instance").click()
    expect(page.locator("#instance-state-badge")).to_have_attribute("data-state", "TERMINATED")


def test_fix_a_variable_and_retry_an_incident(page: Page, server: Server, console: Console) -> None:
    server.deploy("gate.bpmn", _gate())
    instance = server.start("gate", {"x": 0})
    sign_in(page, "olga", PEOPLE["olga"][0])
    page.goto("/ui/instances?process=gate&state=INCIDENT")
    page.get_by_role("link", name=instance).click()
    expect(page.get_by_test_id("incidents")).to_contain_text("CONDITION_ERROR")
    page.get_by_role("button", name="Edit x").click()
    value = page.get_by_label("Value")
    value.fill("five")  # not JSON: said at the field, nothing sent
    page.get_by_test_id("variable-save").click()
    expect(value).to_have_attribute("aria-invalid", "true")
    value.fill("5")
    page.get_by_test_id("variable-save").click()
    expect(page.get_by_test_id("variables")).to_contain_text("5")
    page.locator("button.retry").first.click()
    expect(page.get_by_test_id("active-elements")).to_contain_text("Big")
    expect(page.get_by_test_id("incidents")).to_contain_text("No open incident")
