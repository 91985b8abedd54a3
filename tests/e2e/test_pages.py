"""Every main page of the web UI, with data on it, opened in the browser: no console error
(the `page` fixture fails on any), a screenshot kept as an artifact, and axe-core's
accessibility rules (WCAG 2.1 A and AA) with no "serious" or "critical" violation.

axe-core is vendored under tests/e2e/vendor/ (vendor/README.md). The whole page is checked,
the bpmn.io libraries' own DOM included (the diagram canvas, the properties panel, dmn-js's
and form-js's editors): none of it has a serious or critical violation today, so nothing is
excluded."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from regista.bpmn import ProcessBuilder, to_xml

from .conftest import ADMIN, Server, screenshot, sign_in

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DISCOUNT = (Path(__file__).parents[1] / "acceptance/scenarios/models/discount.dmn").read_text()
GRAVE = ("serious", "critical")

FORM = {
    "id": "e2e-pages-form",
    "type": "default",
    "components": [{"type": "textfield", "key": "note", "label": "Note"}],
}


@dataclass(frozen=True)
class Seeded:
    """The keys of the data the pages show."""

    definition: str
    instance: str
    failed_instance: str
    task: str
    decision: str


def _first(server: Server, path: str, body: dict[str, Any], field: str) -> str:
    answer = server.api.post(path, json=body)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert items, f"{path} found nothing for {body}"
    return str(items[0][field])


@pytest.fixture(scope="module")
def seeded(server: Server) -> Seeded:
    server.deploy("e2e-pages-form.form", json.dumps(FORM))
    built = ProcessBuilder("e2e-pages", name="Pages").start("s")
    built = built.user_task("note", name="Write a note", form_id="e2e-pages-form")
    server.deploy("e2e-pages.bpmn", to_xml(built.end("e").build()).decode())
    instance = server.start("e2e-pages", {"note": "hello"})
    failing = ProcessBuilder("e2e-pages-failing", name="Failing payment").start("s")
    failing = failing.service_task("pay", name="Pay", type="e2e-pages-pay").end("e")
    server.deploy("e2e-pages-failing.bpmn", to_xml(failing.build()).decode())
    failed = server.start("e2e-pages-failing")
    body = {"type": "e2e-pages-pay", "worker": "e2e", "timeout": 60_000, "maxJobsToActivate": 1}
    jobs = server.api.post("/v2/jobs/activation", json={**body, "requestTimeout": -1}).json()
    for job in jobs["jobs"]:
        failure = {"retries": 0, "errorMessage": "the bank is closed"}
        assert server.api.post(f"/v2/jobs/{job['jobKey']}/failure", json=failure).is_success
    server.deploy("discount.dmn", DISCOUNT)
    process = {"filter": {"processDefinitionId": "e2e-pages"}}
    return Seeded(
        definition=_first(
            server, "/v2/process-definitions/search", process, "processDefinitionKey"
        ),
        instance=instance,
        failed_instance=failed,
        task=_first(
            server,
            "/v2/user-tasks/search",
            {"filter": {"processInstanceKey": instance}},
            "userTaskKey",
        ),
        decision=_first(
            server,
            "/v2/decision-definitions/search",
            {"filter": {"decisionDefinitionId": "discount"}},
            "decisionDefinitionKey",
        ),
    )


#: name, address (from the seeded keys), what shows the page is drawn
PAGES: list[tuple[str, Callable[[Seeded], str], str]] = [
    ("dashboard", lambda s: "/ui/", "h1"),
    ("definitions", lambda s: "/ui/definitions", "h1"),
    ("definition", lambda s: f"/ui/definitions/{s.definition}", ".djs-element"),
    ("instances", lambda s: "/ui/instances", "h1"),
    ("instance", lambda s: f"/ui/instances/{s.instance}", ".djs-element"),
    ("instance-incident", lambda s: f"/ui/instances/{s.failed_instance}", ".djs-element"),
    ("incidents", lambda s: "/ui/incidents", "[data-testid=incident-row]"),
    ("jobs", lambda s: "/ui/jobs", "h1"),
    ("decisions", lambda s: "/ui/decisions", "h1"),
    ("insight", lambda s: "/ui/insight/e2e-pages", "[data-testid=diagram][data-ready=true]"),
    ("decision", lambda s: f"/ui/decisions/{s.decision}", "#dmn [data-row-id]"),
    ("tasks", lambda s: "/ui/tasks?view=open", "h1"),
    ("task", lambda s: f"/ui/tasks/{s.task}", "[data-testid=task-form] input"),
    ("modeler", lambda s: "/ui/modeler", "h1"),
    ("modeler-bpmn", lambda s: "/ui/modeler/edit?new=camunda8", "body[data-modeler-ready=true]"),
    ("modeler-dmn", lambda s: "/ui/modeler/edit?new=dmn", "body[data-modeler-ready=true]"),
    ("modeler-form", lambda s: "/ui/modeler/edit?new=form", "body[data-modeler-ready=true]"),
]


def grave_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page."""
    # evaluated through the browser's debugging protocol, which the pages'
    # Content-Security-Policy (no inline scripts) does not govern, unlike a script tag
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    found: dict[str, Any] = page.evaluate(
        """async () => axe.run(
            document,
            {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
             resultTypes: ['violations'],
             // no CSSOM preload: axe would fetch the vendored CSS's @imports against the
             // page's address (404s in the console); only css-orientation-lock needs it
             preload: false})"""
    )
    said = []
    for violation in found["violations"]:
        if violation["impact"] not in GRAVE:
            continue
        for node in violation["nodes"]:
            said.append(
                f"{violation['impact']} {violation['id']} ({violation['help']}): "
                f"{node['target']} {node['failureSummary']}"
            )
    return said


@pytest.mark.parametrize(("name", "address", "drawn"), PAGES, ids=[p[0] for p in PAGES])
def test_a_main_page_is_clean_and_accessible(
    page: Page,
    seeded: Seeded,
    name: str,
    address: Callable[[Seeded], str],
    drawn: str,
) -> None:
    sign_in(page, *ADMIN)
    page.goto(address(seeded))
    expect(page.locator(drawn).first).to_be_attached()
    page.wait_for_load_state("networkidle")
    path = screenshot(page, f"page-{name}")
    print(f"screenshot: {path}")
    assert grave_violations(page) == []


def test_the_login_page_is_accessible(page: Page, server: Server) -> None:
    page.goto("/ui/login")
    expect(page.get_by_label("Username")).to_be_visible()
    screenshot(page, "page-login")
    assert grave_violations(page) == []


def test_the_check_finds_a_grave_violation(page: Page) -> None:
    """The accessibility check can fail: an image without a text alternative is critical."""
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,"></main></html>')
    found = grave_violations(page)
    assert any("image-alt" in said for said in found), found
