"""The Insight page in the browser, with history to show: the diagram drawn with the
frequency heatmap (a heat level and the figure on each element that ran), switched to the
median service time (the legend's text follows), a variant's path highlighted on the
diagram; no console error and no serious or critical accessibility violation."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from regista.bpmn import ProcessBuilder, to_xml

from .conftest import ADMIN, Server, screenshot, sign_in
from .test_pages import grave_violations

#: A name a careless page would run as markup.
NAME = '<img src=x onerror=alert(1)> "Check"'


def _seed(server: Server) -> None:
    """Three claims: two complete (check, then archive), one waits at check."""
    built = ProcessBuilder("e2e-insight", name="Insight claims").start("s")
    built = built.user_task("check", name=NAME).user_task("archive", name="Archive").end("e")
    server.deploy("e2e-insight.bpmn", to_xml(built.build()).decode())
    started = [server.start("e2e-insight") for _ in range(3)]
    for instance in started[:2]:
        for element in ("check", "archive"):
            found = server.api.post(
                "/v2/user-tasks/search",
                json={"filter": {"processInstanceKey": instance, "elementId": element}},
            )
            assert found.status_code == 200, found.text
            (task,) = found.json()["items"]
            done = server.api.post(f"/v2/user-tasks/{task['userTaskKey']}/completion", json={})
            assert done.is_success, done.text


def _heat(page: Page) -> Any:
    return page.locator("[data-testid=diagram]").get_attribute("data-heat")


def test_the_heatmap_switches_and_a_variant_is_shown(page: Page, server: Server) -> None:
    _seed(server)
    sign_in(page, *ADMIN)
    page.goto("/ui/insight/e2e-insight")
    diagram = page.locator("[data-testid=diagram]")
    expect(diagram).to_have_attribute("data-ready", "true")
    assert _heat(page) == "frequency"
    # every element that ran carries its figure; check ran three times, archive twice
    check = page.locator('[data-element-id="check"]').first
    expect(check).to_have_class(re.compile(r"regista-heat-4"))
    figures = page.locator(".regista-heat-figure")
    expect(figures.filter(has_text="3")).not_to_have_count(0)
    expect(page.get_by_test_id("heat-legend-frequency")).to_be_visible()
    expect(page.get_by_test_id("heat-legend-median")).to_be_hidden()

    page.get_by_role("radio", name="Median service time").check()
    expect(diagram).to_have_attribute("data-heat", "median")
    expect(diagram).to_be_visible()
    expect(page.get_by_test_id("heat-legend-median")).to_be_visible()
    expect(page.get_by_test_id("heat-legend-frequency")).to_be_hidden()

    # the most frequent variant: started, check, archive, ended
    page.get_by_test_id("show-variant-1").click()
    expect(diagram).to_have_attribute("data-variant", "0")
    expect(page.get_by_test_id("show-variant-1")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".regista-variant")).not_to_have_count(0)
    # markup in a name stays text: no image element was made of it
    expect(page.locator("img[src=x]")).to_have_count(0)
    expect(page.get_by_test_id("process-map")).to_contain_text("Archive")
    page.wait_for_load_state("networkidle")
    screenshot(page, "insight-flow")
    assert grave_violations(page) == []
