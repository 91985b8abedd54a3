"""A person's day in the browser: sign in with the keyboard only, find the task in the
tasklist, claim it, submit its Camunda Form with a field error first and then valid input,
and see the instance finish."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from testkit import wait_until

from .conftest import ADMIN, PEOPLE, Console, Server, screenshot, sign_in

FORM = {
    "id": "expense-form",
    "type": "default",
    "components": [
        {
            "type": "number",
            "key": "amount",
            "label": "Amount",
            "validate": {"required": True, "min": 1, "max": 1000},
        },
        {"type": "textfield", "key": "reason", "label": "Reason"},
    ],
}

EXPENSE = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="expense" name="Expense" isExecutable="true">
    <extensionElements>
      <zeebe:userTaskForm id="expenseForm">{json.dumps(FORM)}</zeebe:userTaskForm>
    </extensionElements>
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="enter"/>
    <userTask id="enter" name="Enter the expense">
      <extensionElements>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:expenseForm"/>
        <zeebe:taskSchedule dueDate="2020-01-01T00:00:00Z"/>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="enter" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def test_sign_in_with_the_keyboard_only(page: Page, server: Server) -> None:
    page.goto("/ui/")
    assert "/ui/login" in page.url
    expect(page.get_by_label("Username")).to_be_focused()  # the form takes the focus
    page.keyboard.type(ADMIN[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    screenshot(page, "dashboard")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator("a.skip")).to_be_focused()
    page.keyboard.press("Tab")  # then the home link and the navigation
    expect(page.locator("a.brand")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link").first).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # the skip link moves focus to the main content
    expect(page.locator("#main")).to_be_focused()


def test_a_wrong_password_is_said_on_the_form(page: Page, server: Server, console: Console) -> None:
    console.allow(401)
    page.goto("/ui/login")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
    screenshot(page, "login-refused")


def test_complete_a_task_through_its_form(page: Page, server: Server) -> None:
    server.deploy("expense.bpmn", EXPENSE)
    instance = server.start("expense", {"reason": "train"})
    sign_in(page, "ursula", PEOPLE["ursula"][0])
    page.goto("/ui/tasks?view=open")
    row = page.get_by_role("row").filter(has_text="Enter the expense").first
    expect(row).to_contain_text("Overdue")
    screenshot(page, "tasklist")
    row.get_by_role("link", name="Enter the expense").click()
    page.get_by_test_id("claim").click()
    expect(page.get_by_test_id("assignee")).to_have_text("ursula")
    form = page.get_by_test_id("task-form")
    expect(form.get_by_label("Reason")).to_have_value("train")
    amount = form.get_by_label("Amount")
    amount.fill("5000")  # over the form's maximum: the form says so, nothing is sent
    page.get_by_test_id("complete").click()
    expect(form).to_contain_text("1000")
    screenshot(page, "task-form-error")
    amount.fill("250")
    page.get_by_test_id("complete").click()
    page.wait_for_url("**/ui/tasks?completed=*")
    expect(page.get_by_role("status").first).to_contain_text("completed")

    def finished() -> bool:
        found = server.api.get(f"/v2/process-instances/{instance}").json()
        return bool(found["state"] == "COMPLETED")

    wait_until(finished, 60, what="the instance to complete")
    variables = server.api.post(
        "/v2/variables/search", json={"filter": {"processInstanceKey": instance}}
    ).json()
    values = {item["name"]: json.loads(item["value"]) for item in variables["items"]}
    assert values["amount"] == 250 and values["reason"] == "train"
