"""Markup in a process's own data (its name, a task's name, variable values, a business
key, a failure message) never runs in the browser: every page an administrator opens over
such an instance shows it without a single dialog or console error."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Dialog, Page

from .conftest import ADMIN, Server, sign_in

PROCESS = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="xss" name="&lt;img src=x onerror=alert(1)&gt;" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f1" sourceRef="split" targetRef="review"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="charge"/>
    <userTask id="review" name="&lt;script&gt;alert(2)&lt;/script&gt;"/>
    <serviceTask id="charge" name="&quot;&gt;&lt;svg onload=alert(3)&gt;">
      <extensionElements><zeebe:taskDefinition type="xss-charge"/></extensionElements>
    </serviceTask>
    <sequenceFlow id="f3" sourceRef="review" targetRef="join"/>
    <sequenceFlow id="f4" sourceRef="charge" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f5" sourceRef="join" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""

VARIABLES = {
    "note": "</script><script>alert(4)</script>",
    "<img src=x onerror=alert(5)>": "'\"><img src=x onerror=alert(6)>",
}


def test_no_payload_runs_on_any_page(page: Page, server: Server) -> None:
    server.deploy("xss.bpmn", PROCESS)
    server.start("xss", VARIABLES)
    jobs = server.api.post(
        "/v2/jobs/activation",
        json={"type": "xss-charge", "worker": "w", "timeout": 60_000, "maxJobsToActivate": 5},
    ).json()["jobs"]
    for job in jobs:
        failed = server.api.post(
            f"/v2/jobs/{job['jobKey']}/failure",
            json={"retries": 0, "errorMessage": "<img src=x onerror=alert(7)>"},
        )
        assert failed.status_code == 204, failed.text
    tasks = server.api.post(
        "/v2/user-tasks/search", json={"filter": {"elementId": "review"}}
    ).json()["items"]
    dialogs: list[str] = []

    def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    sign_in(page, *ADMIN)
    addresses = ["/ui/", "/ui/incidents", "/ui/jobs", "/ui/tasks?view=all", "/ui/modeler"]
    addresses += [f"/ui/tasks/{task['userTaskKey']}" for task in tasks]
    for address in addresses:
        page.goto(address)
        page.wait_for_load_state("networkidle")
        assert "/ui/login" not in page.url, address
    assert tasks, "the instance made no user task to look at"
    assert dialogs == [], f"a payload ran: {dialogs}"
    # the payload is on the page, as text
    assert "<script>alert(2)</script>" in page.locator("body").inner_text()


MODELS = Path(__file__).parents[1] / "acceptance/scenarios/models"


def test_every_kind_of_page_runs_under_the_content_security_policy(
    page: Page, server: Server
) -> None:
    """The policy allows only this server's script files: a page that needed an inline
    script or eval would print a refusal, which fails the test (the `page` fixture)."""
    deployed = server.deploy("csp.bpmn", PROCESS.replace('id="xss"', 'id="csp"'))
    (process,) = [
        d["processDefinition"] for d in deployed["deployments"] if "processDefinition" in d
    ]
    answer = server.api.post(
        "/v2/deployments",
        files=[("resources", ("discount.dmn", (MODELS / "discount.dmn").read_bytes(), "text/xml"))],
    )
    assert answer.status_code == 200, answer.text
    (decision,) = [
        d["decisionDefinition"] for d in answer.json()["deployments"] if "decisionDefinition" in d
    ][:1]
    sign_in(page, *ADMIN)
    addresses = [
        "/ui/decisions",
        f"/ui/decisions/{decision['decisionDefinitionKey']}",
        f"/ui/modeler/edit?process={process['processDefinitionKey']}",
        "/ui/modeler/edit?new=camunda7",
        "/ui/modeler/edit?new=dmn",
        "/ui/modeler/edit?new=form",
    ]
    for address in addresses:
        response = page.goto(address)
        assert response is not None and response.status == 200, address
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")


def test_a_live_page_whose_session_ended_shows_the_login(page: Page, server: Server) -> None:
    """The dashboard reloads its content every few seconds; once the session is gone the
    browser goes to the login instead of nesting the login form inside the dashboard."""
    sign_in(page, *ADMIN)
    page.goto("/ui/")
    page.context.clear_cookies()
    page.wait_for_url("**/ui/login**", timeout=30_000)
    assert page.locator("#dashboard").count() == 0
