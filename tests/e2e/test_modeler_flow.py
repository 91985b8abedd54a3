"""A process from the first click to its end, in the browser: drawn in the modeler (start →
a user task linked to a form → end, with the palette's context pad, the replace menu and
the properties panel), validated, deployed and started there; its token seen on the
instance's diagram; the task completed in the tasklist through its form (a field error
first); the instance seen finished in the cockpit."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from .conftest import ADMIN, PEOPLE, Server, screenshot, sign_in

FORM_ID = "e2e-review-form"
FORM = {
    "id": FORM_ID,
    "type": "default",
    "components": [
        {
            "type": "number",
            "key": "score",
            "label": "Score",
            "validate": {"required": True, "min": 1, "max": 10},
        },
        {"type": "textfield", "key": "comment", "label": "Comment"},
    ],
}


def _element(page: Page, element_id: str) -> None:
    """Select an element of the diagram by clicking it (after clicking the empty canvas, so
    the click selects it afresh and its context pad opens)."""
    page.get_by_test_id("canvas").click(position={"x": 300, "y": 120})
    page.locator(f'.djs-element[data-element-id="{element_id}"]').first.click()


def _pad(page: Page, action: str) -> None:
    page.locator(f'.djs-context-pad .entry[data-action="{action}"]').click()


def _ids(page: Page, kind: str) -> list[str]:
    found: list[str] = page.evaluate(
        "kind => window.registaModeler.get('elementRegistry')"
        ".filter(e => e.type === kind).map(e => e.id)",
        kind,
    )
    return found


def _draw(page: Page) -> str:
    """Draw start → user task (linked to the form) → end; the user task's id."""
    page.goto("/ui/modeler")
    page.get_by_test_id("new-bpmn").click()
    page.wait_for_selector('body[data-modeler-ready="true"]')
    (start,) = _ids(page, "bpmn:StartEvent")
    _element(page, start)
    _pad(page, "append.append-task")
    page.keyboard.type("Review the claim")  # the new task's label is being edited
    (task,) = _ids(page, "bpmn:Task")
    _element(page, task)
    _pad(page, "replace")
    page.locator('.djs-popup .entry[data-id="replace-with-user-task"]').click()
    assert _ids(page, "bpmn:UserTask") == [task]
    properties = page.get_by_test_id("properties")
    properties.locator(".bio-properties-panel-group-header", has_text="Form").click()
    properties.locator("#bio-properties-panel-formType").select_option("camunda-form-linked")
    properties.get_by_label("Form ID").fill(FORM_ID)
    _element(page, task)
    _pad(page, "append.end-event")
    assert len(_ids(page, "bpmn:EndEvent")) == 1
    page.get_by_test_id("canvas").click(position={"x": 300, "y": 120})
    general = properties.locator(".bio-properties-panel-group-header", has_text="General")
    if general.get_attribute("class") and "open" not in str(general.get_attribute("class")):
        general.click()
    properties.get_by_label("Name", exact=True).fill("Claim review")
    properties.get_by_label("ID", exact=True).fill("e2e-claim-review")
    return task


def test_draw_deploy_start_and_complete(page: Page, server: Server) -> None:
    server.deploy(f"{FORM_ID}.form", json.dumps(FORM))
    sign_in(page, *ADMIN)
    task = _draw(page)
    page.get_by_test_id("file-name").fill("claim-review.bpmn")
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("problems")).to_contain_text("no problems")
    screenshot(page, "modeler-drawn")
    page.get_by_test_id("deploy").click()
    expect(page.get_by_test_id("deployment")).to_contain_text("Deployed")
    page.get_by_test_id("variables").fill('{"comment": "looks fine"}')
    page.get_by_test_id("start").click()
    link = page.get_by_test_id("instance-link")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url("**/ui/instances/*")
    instance = page.url.rstrip("/").rsplit("/", 1)[-1]
    expect(page.get_by_test_id("active-elements")).to_contain_text("Review the claim")
    token = page.locator(f'.djs-element.regista-active[data-element-id="{task}"]')
    expect(token.first).to_be_visible()  # the token, marked on the diagram
    expect(page.locator(".bjs-powered-by")).to_be_visible()
    screenshot(page, "instance-token")

    page.context.clear_cookies()
    sign_in(page, "ursula", PEOPLE["ursula"][0])
    page.goto("/ui/tasks?view=open")
    page.get_by_role("link", name="Review the claim").first.click()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("assignee")).to_have_text("ursula")
    form = page.get_by_test_id("task-form")
    expect(form.get_by_label("Comment")).to_have_value("looks fine")
    score = form.get_by_label("Score")
    score.fill("42")  # over the form's maximum: said at the field, nothing sent
    page.get_by_test_id("complete").click()
    expect(form).to_contain_text("10")
    screenshot(page, "modeler-task-form-error")
    score.fill("7")
    page.get_by_test_id("complete").click()
    page.wait_for_url("**/ui/tasks?completed=*")

    page.context.clear_cookies()
    sign_in(page, "olga", PEOPLE["olga"][0])
    page.goto(f"/ui/instances/{instance}")
    badge = page.locator("#instance-state-badge")
    expect(badge).to_have_attribute("data-state", "COMPLETED")
    expect(page.get_by_test_id("active-elements")).to_contain_text("nothing")
    screenshot(page, "instance-completed")
