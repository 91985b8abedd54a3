"""The cockpit's dashboard counts each process's instances by state through the API, and
its body reloads as a fragment."""

from __future__ import annotations

import re

from regista.bpmn import ProcessBuilder

from .uikit import ui_app


def _row(page: str, name: str) -> list[str]:
    """The cells of the dashboard's row of process `name`."""
    found = re.search(rf">{name}</a></th>(.*?)</tr>", page, re.S)
    assert found is not None, f"no row for {name}"
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))


def test_dashboard_counts_instances_per_process() -> None:
    with ui_app() as served:
        served.client.deploy(
            ProcessBuilder("review", name="Review").start().user_task("check").end(),
            ProcessBuilder("quick").start().end(),
        )
        for _ in range(3):
            served.client.start("review")
        cancelled = served.client.start("review")
        served.client.cancel(cancelled, "not needed")
        served.client.start("quick")
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/")
            assert page.status_code == 200, page.text
            # version, running, with incidents, completed, terminated
            assert _row(page.text, "Review") == ["1", "3", "0", "0", "1"]
            assert _row(page.text, "quick") == ["1", "0", "0", "1", "0"]
            assert re.search(r'<span class="figure">3</span> open user tasks', page.text)
            fragment = browser.get("/ui/fragments/dashboard")
            assert fragment.status_code == 200
            assert "<html" not in fragment.text and _row(fragment.text, "Review")[1] == "3"


def test_dashboard_without_processes_says_how_to_deploy() -> None:
    with ui_app() as served, served.signed_in("root") as browser:
        page = browser.get("/ui/")
        assert "No process is deployed yet" in page.text
