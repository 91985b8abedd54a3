"""The tasklist's pages: who sees which tasks, filters and sorting, overdue tasks, claim,
unclaim and delegate through the API, and the task page's forms."""

from __future__ import annotations

import json
import re

import pytest

from regista.bpmn import ProcessBuilder

from .uikit import UiServed, csrf_of, ui_app

SCHEMA_FORM = {
    "type": "object",
    "required": ["amount"],
    "properties": {
        "amount": {"type": "integer", "title": "Amount", "minimum": 1},
        "approved": {"type": "boolean", "title": "Approved"},
        "level": {"enum": ["low", "high"], "title": "Level"},
        "note": {"type": "string", "description": "Why"},
    },
}
CAMUNDA_FORM = {
    "id": "review-form",
    "type": "default",
    "components": [
        {"type": "number", "key": "score", "label": "Score", "validate": {"required": True}}
    ],
}

PROCESS = f"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="claims" name="Claims" isExecutable="true">
    <extensionElements>
      <zeebe:userTaskForm id="reviewForm">{json.dumps(CAMUNDA_FORM)}</zeebe:userTaskForm>
    </extensionElements>
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f1" sourceRef="split" targetRef="review"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="plain"/>
    <userTask id="review" name="Review claim">
      <extensionElements>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:reviewForm"/>
        <zeebe:taskSchedule dueDate="2020-01-01T00:00:00Z"/>
      </extensionElements>
    </userTask>
    <userTask id="plain" name="Plain chore">
      <extensionElements>
        <zeebe:assignmentDefinition candidateGroups="nobody-here"/>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f3" sourceRef="review" targetRef="join"/>
    <sequenceFlow id="f4" sourceRef="plain" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f5" sourceRef="join" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"""


@pytest.fixture(scope="module")
def served() -> object:
    with ui_app() as found:
        found.client.deploy(PROCESS)
        yield found


def _links(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<a href="/ui/tasks/(\d+)">([^<]*)</a>', page)


def _task_key(served: UiServed, element: str, instance: str) -> str:
    (task,) = [
        t for t in served.client.tasks() if t.element_id == element and t.instance_id == instance
    ]
    return task.id


def test_lists_filter_sort_and_mark_overdue(served: UiServed) -> None:
    instance = served.client.start("claims", business_key="C-1")
    review = _task_key(served, "review", instance)
    with served.signed_in("ursula") as browser:
        mine = browser.get("/ui/tasks")
        assert mine.status_code == 200, mine.text
        assert "No task here" in mine.text
        open_ = browser.get("/ui/tasks?view=open&sort=due")
        titles = [title for _, title in _links(open_.text)]
        # ursula sees the task offered to nobody, not the one offered to another group
        assert "Review claim" in titles and "Plain chore" not in titles
        assert "Overdue · 2020-01-01 00:00:00 UTC" in open_.text
        overdue = browser.get("/ui/tasks?view=open&overdue_only=true")
        assert [title for _, title in _links(overdue.text)].count("Review claim") >= 1
        other = browser.get("/ui/tasks?view=open&process=nothing")
        assert _links(other.text) == []
        bad = browser.get("/ui/tasks?view=everything")
        assert bad.status_code == 400 and "the address is not valid" in bad.text
    with served.signed_in("olga") as browser:  # an operator sees every task
        titles = [title for _, title in _links(browser.get("/ui/tasks?view=all").text)]
        assert "Plain chore" in titles
    assert review


def test_claim_delegate_and_unclaim_through_the_api(served: UiServed) -> None:
    instance = served.client.start("claims")
    key = _task_key(served, "review", instance)
    with served.signed_in("ursula") as browser:
        page = browser.get(f"/ui/tasks/{key}")
        assert page.status_code == 200
        assert 'data-testid="claim"' in page.text and 'data-testid="unclaim"' not in page.text
        token = csrf_of(page.text)
        claim = browser.post(
            f"/v2/user-tasks/{key}/assignment",
            json={"assignee": "ursula", "allowOverride": False, "action": "claim"},
            headers={"X-CSRF-Token": token},
        )
        assert claim.status_code == 204
        page = browser.get(f"/ui/tasks/{key}")
        assert 'data-testid="unclaim"' in page.text and 'id="delegate"' in page.text
        assert '<dd data-testid="assignee">ursula</dd>' in page.text
        handed = browser.post(
            f"/v2/user-tasks/{key}/assignment",
            json={"assignee": "olga", "action": "delegate"},
            headers={"X-CSRF-Token": token},
        )
        assert handed.status_code == 204
        # now olga's, and no longer offered to ursula: she does not see it any more
        assert browser.get(f"/ui/tasks/{key}").status_code == 403
    with served.signed_in("olga") as browser:
        page = browser.get(f"/ui/tasks/{key}")
        assert 'data-testid="complete"' in page.text and 'data-testid="unclaim"' in page.text
        fragment = browser.get(f"/ui/tasks/{key}/fragment")
        assert '<dd data-testid="assignee">olga</dd>' in fragment.text


def test_a_camunda_form_is_rendered_by_form_js(served: UiServed) -> None:
    instance = served.client.start("claims", {"score": 3})
    key = _task_key(served, "review", instance)
    with served.signed_in("olga") as browser:
        page = browser.get(f"/ui/tasks/{key}").text
        assert 'id="task-form"' in page and "form-viewer" in page
        found = re.search(r'<script type="application/json" id="task-data">(.*?)</script>', page)
        assert found is not None
        data = json.loads(found.group(1))
        assert data["kind"] == "camunda" and data["schema"]["id"] == "review-form"
        assert data["variables"] == {"score": 3}


def test_a_task_without_a_form_completes_with_json_and_a_field_error_first(
    served: UiServed,
) -> None:
    instance = served.client.start("claims")
    key = _task_key(served, "plain", instance)
    with served.signed_in("olga") as browser:
        page = browser.get(f"/ui/tasks/{key}")
        assert 'id="json-form"' in page.text
        token = csrf_of(page.text)
        done = browser.post(
            f"/v2/user-tasks/{key}/completion",
            json={"variables": {"ok": True}},
            headers={"X-CSRF-Token": token},
        )
        assert done.status_code == 204
        page = browser.get(f"/ui/tasks/{key}")
        assert "This task is completed." in page.text and 'id="complete"' not in page.text


def test_a_json_schema_form_is_generated_with_labels() -> None:
    from regista.ui.tasklist import fields_of

    fields = {f["name"]: f for f in fields_of(SCHEMA_FORM)}
    assert fields["amount"]["control"] == "number" and fields["amount"]["required"]
    assert fields["amount"]["step"] == "1" and fields["amount"]["minimum"] == 1
    assert fields["approved"]["control"] == "checkbox"
    assert fields["level"]["control"] == "select" and fields["level"]["options"] == ["low", "high"]
    assert fields["note"]["label"] == "note" and fields["note"]["help"] == "Why"


def test_people_without_the_tasklist_role_are_refused(served: UiServed) -> None:
    with served.signed_in("mona") as browser:
        page = browser.get("/ui/tasks")
        assert page.status_code == 403 and "needs the role user or operator" in page.text


def test_an_unknown_task_is_a_404_page(served: UiServed) -> None:
    with served.signed_in("olga") as browser:
        page = browser.get("/ui/tasks/999999")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_builder_processes_show_their_name() -> None:
    with ui_app() as served:
        served.client.deploy(ProcessBuilder("chore", name="Chore").start().user_task("t").end())
        served.client.start("chore")
        with served.signed_in("root") as browser:
            page = browser.get("/ui/tasks?view=all").text
            assert ">Chore</td>" in page or ">Chore <" in page
