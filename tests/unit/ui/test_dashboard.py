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


OVERDUE = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="late" name="Late" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
    <userTask id="t" name="Overdue work">
      <extensionElements><zeebe:taskSchedule dueDate="2020-01-01T00:00:00Z"/></extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


def _figure(page: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">([^<]*)</span>', page)
    assert found is not None, f"no {testid}"
    return found.group(1)


def test_dashboard_counts_overdue_tasks_and_sla_breaches() -> None:
    with ui_app() as served:
        served.client.deploy(OVERDUE)
        served.client.start("late")
        served.client.start("late")
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/").text
            assert _figure(page, "overdue-tasks") == "2"
            assert _figure(page, "sla-breaches") == "0"
        # a task's due date is an SLA target: its deadline passed, so the scheduler's timer
        # records a breach when it fires
        due = served.client.store.due_timers(served.client.shell.now(), 100)
        assert len(due) == 2 and all(t.id.startswith("sla:") for t in due)
        for timer in due:
            served.client.shell.fire_timer(timer)
        with served.signed_in("olga") as browser:
            page = browser.get("/ui/").text
            assert _figure(page, "sla-breaches") == "2"
            assert _figure(page, "overdue-tasks") == "2"
