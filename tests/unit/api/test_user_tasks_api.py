"""User tasks over real HTTP with several callers: who sees what, claim, delegate, assign
and unassign, completion checked against the form and four eyes, the completion race, the
form and variables of a task, updates, paging, and bad input."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from regista.api import ServerOptions, create_app
from regista.api.context import Principal
from regista.client import Client
from regista.store.memory import MemoryStore
from serving import serve

FORM = {
    "id": "approval-form",
    "components": [
        {"type": "checkbox", "key": "approved"},
        {"type": "number", "key": "limit", "validate": {"required": True, "min": 1, "max": 10}},
        {
            "type": "select",
            "key": "level",
            "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
        },
    ],
}

LOAN = f"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
  <process id="loan" isExecutable="true">
    <extensionElements>
      <zeebe:userTaskForm id="approvalForm">{json.dumps(FORM)}</zeebe:userTaskForm>
    </extensionElements>
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="prepare"/>
    <userTask id="prepare" name="Prepare">
      <extensionElements>
        <zeebe:assignmentDefinition candidateGroups="sales"/>
        <zeebe:priorityDefinition priority="70"/>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f2" sourceRef="prepare" targetRef="approve"/>
    <userTask id="approve" name="Approve">
      <extensionElements>
        <zeebe:assignmentDefinition candidateGroups="sales"/>
        <zeebe:formDefinition formKey="camunda-forms:bpmn:approvalForm"/>
        <zeebe:properties><zeebe:property name="regista.fourEyes" value="prepare"/>
        </zeebe:properties>
      </extensionElements>
    </userTask>
    <sequenceFlow id="f3" sourceRef="approve" targetRef="e"/>
    <endEvent id="e"/>
  </process>
  <process id="chores" isExecutable="true">
    <startEvent id="cs"/>
    <sequenceFlow id="c1" sourceRef="cs" targetRef="anyone"/>
    <userTask id="anyone" name="Anyone"/>
    <sequenceFlow id="c2" sourceRef="anyone" targetRef="mine"/>
    <userTask id="mine" name="Mine">
      <extensionElements><zeebe:assignmentDefinition assignee="=owner"/></extensionElements>
    </userTask>
    <sequenceFlow id="c3" sourceRef="mine" targetRef="ce"/>
    <endEvent id="ce"/>
  </process>
</definitions>"""

PEOPLE = {
    "ann": Principal("ann", frozenset({"user"}), frozenset({"sales"})),
    "dave": Principal("dave", frozenset({"user"}), frozenset({"sales", "x"})),
    "bob": Principal("bob", frozenset({"user"}), frozenset({"finance"})),
    "carl": Principal("carl", frozenset({"user"})),
    "olga": Principal("olga", frozenset({"operator"})),
    "wendy": Principal("wendy", frozenset({"worker"})),
}


class People:
    """`Authorization: Bearer <name>` names one of PEOPLE."""

    def authenticate(self, authorization: str | None) -> Principal | None:
        scheme, _, name = (authorization or "").partition(" ")
        return PEOPLE.get(name) if scheme == "Bearer" else None


class Tasklist:
    def __init__(self, http: httpx.Client, client: Client) -> None:
        self.http = http
        self.client = client

    def call(self, who: str, method: str, path: str, body: Any = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {who}"}
        return self.http.request(method, path, json=body, headers=headers)

    def search(self, who: str, body: dict[str, Any] | None = None) -> list[str]:
        answer = self.call(who, "POST", "/v2/user-tasks/search", body or {})
        assert answer.status_code == 200, answer.text
        return [item["elementId"] for item in answer.json()["items"]]

    def key(self, element_id: str) -> str:
        (task,) = [t for t in self.client.tasks() if t.element_id == element_id]
        return task.id


@pytest.fixture
def tasklist() -> Iterator[Tasklist]:
    store = MemoryStore()
    with Client(store) as client:
        client.deploy(LOAN)
        client.start("loan", {"amount": 5000})
        client.start("chores", {"owner": "carl"})
        app = create_app(client, ServerOptions(), authenticator=People())
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield Tasklist(http, client)
    store.close()


def test_each_caller_sees_the_tasks_offered_to_them(tasklist: Tasklist) -> None:
    t = tasklist
    assert t.search("olga") == ["prepare", "anyone"]
    assert t.search("ann") == ["prepare", "anyone"]
    assert t.search("bob") == ["anyone"]
    assert t.call("wendy", "POST", "/v2/user-tasks/search", {}).status_code == 403
    assert t.call("nobody", "POST", "/v2/user-tasks/search", {}).status_code == 401
    prepare = t.key("prepare")
    got = t.call("ann", "GET", f"/v2/user-tasks/{prepare}").json()
    assert got["state"] == "CREATED" and got["priority"] == 70
    assert (got["candidateGroups"], got["processDefinitionId"]) == (["sales"], "loan")
    assert got["processDefinitionVersion"] == 1 and got["name"] == "Prepare"
    hidden = t.call("bob", "GET", f"/v2/user-tasks/{prepare}")
    assert hidden.status_code == 403 and "'bob' may not see" in hidden.json()["detail"]
    assert t.call("ann", "GET", "/v2/user-tasks/42").status_code == 404
    # completing "anyone" opens "mine", assigned to carl: his alone
    assert (
        t.call("bob", "POST", f"/v2/user-tasks/{t.key('anyone')}/completion", {}).status_code == 204
    )
    open_ = {"filter": {"state": "CREATED"}}
    assert t.search("carl", open_) == ["mine"]
    assert t.search("bob", open_) == []
    assert t.search("bob") == ["anyone"]  # every state unless filtered, as Camunda's search
    assert t.search("olga", {"filter": {"assignee": "carl", "state": "CREATED"}}) == ["mine"]
    assert t.search("olga", {"filter": {"state": {"$eq": "COMPLETED"}}}) == ["anyone"]
    assert t.search("olga", {"filter": {"state": "COMPLETING"}}) == []
    both = {"filter": {"state": {"$in": ["CREATED", "COMPLETED"]}}}
    assert sorted(t.search("olga", both)) == sorted(t.search("olga"))
    assert t.search("olga", {"filter": {"state": {"$in": ["COMPLETED"]}}}) == ["anyone"]
    bad = t.call("olga", "POST", "/v2/user-tasks/search", {"filter": {"state": {"$in": "x"}}})
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "filter.state"
    assert t.search("olga", {"filter": {"candidateGroup": "sales", "priority": 70}}) == ["prepare"]


def test_claim_delegate_assign_and_unassign(tasklist: Tasklist) -> None:
    t = tasklist
    key = t.key("prepare")
    path = f"/v2/user-tasks/{key}"
    assert t.call("bob", "POST", f"{path}/assignment", {"assignee": "bob"}).status_code == 403
    assert t.call("ann", "POST", f"{path}/assignment", {"assignee": "ann"}).status_code == 204
    taken = t.call(
        "dave", "POST", f"{path}/assignment", {"assignee": "dave", "allowOverride": False}
    )
    assert taken.status_code == 409 and taken.json()["assignee"] == "ann"
    assert "unassign it first" in taken.json()["detail"]
    stolen = t.call("dave", "POST", f"{path}/assignment", {"assignee": "dave"})
    assert stolen.status_code == 403  # a user takes no task another holds
    assert t.call("dave", "DELETE", f"{path}/assignee").status_code == 403
    assert t.call("ann", "POST", f"{path}/assignment", {"assignee": "bob"}).status_code == 204
    assert t.search("bob") == ["prepare", "anyone"]  # now his
    assert t.call("olga", "POST", f"{path}/assignment", {"assignee": "dave"}).status_code == 204
    assert t.call("dave", "DELETE", f"{path}/assignee").status_code == 204
    assert t.call("ann", "GET", path).json()["assignee"] is None
    instance = t.client.tasks()[0].instance_id
    trail = [(e.kind, e.actor, e.data.get("assignee")) for e in t.client.history(instance)]
    assert [x for x in trail if x[0] != "user_task_created" and x[0].startswith("user_task")] == [
        ("user_task_claimed", "ann", "ann"),
        ("user_task_delegated", "ann", "bob"),
        ("user_task_assigned", "olga", "dave"),
        ("user_task_unclaimed", "dave", None),
    ]


def test_completion_checks_the_form_and_four_eyes(tasklist: Tasklist) -> None:
    t = tasklist
    prepare = t.key("prepare")
    assert t.call("ann", "POST", f"/v2/user-tasks/{prepare}/completion", {}).status_code == 204
    approve = t.key("approve")
    path = f"/v2/user-tasks/{approve}/completion"
    form = t.call("dave", "GET", f"/v2/user-tasks/{approve}/form")
    assert form.status_code == 200
    assert form.json()["schema"] == FORM and form.json()["formId"] == "approvalForm"
    assert t.call("ann", "GET", f"/v2/user-tasks/{prepare}/form").status_code == 204
    bad = t.call("dave", "POST", path, {"variables": {"limit": 11, "level": "c", "approved": 1}})
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["invalidParams"] == [
        {"name": "variables.approved", "reason": "must be true or false"},
        {"name": "variables.limit", "reason": "must be at most 10"},
        {"name": "variables.level", "reason": "'c' is not one of the options ('a', 'b')"},
    ]
    missing = t.call("dave", "POST", path, {"variables": {"approved": True}})
    assert missing.json()["invalidParams"] == [{"name": "variables.limit", "reason": "is required"}]
    eyes = t.call("ann", "POST", path, {"variables": {"limit": 5}})
    assert eyes.status_code == 403
    assert (eyes.json()["otherElementId"], eyes.json()["completedBy"]) == ("prepare", "ann")
    assert "'ann' completed the user task 'prepare'" in eyes.json()["detail"]
    assert [x.element_id for x in t.client.tasks()] == ["anyone", "approve"]  # nothing applied
    assert (
        t.call("dave", "POST", path, {"variables": {"limit": 5, "level": "a"}}).status_code == 204
    )
    late = t.call("olga", "POST", path, {"variables": {"limit": 7}})
    assert late.status_code == 409
    body = late.json()
    assert (body["completedBy"], body["state"]) == ("dave", "COMPLETED")
    assert body["completedAt"] and body["variablesNotApplied"] == {"limit": 7}
    assert "already completed by 'dave'" in body["detail"]
    assert [x.element_id for x in t.client.tasks()] == ["anyone"]  # the loan went on


def test_two_completing_at_once_one_wins_the_other_hears_who(tasklist: Tasklist) -> None:
    t = tasklist
    key = t.key("anyone")
    answers: dict[str, httpx.Response] = {}

    def complete(who: str) -> None:
        answers[who] = t.call(
            who, "POST", f"/v2/user-tasks/{key}/completion", {"variables": {who: 1}}
        )

    threads = [threading.Thread(target=complete, args=(who,)) for who in ("ann", "bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(a.status_code for a in answers.values())
    assert codes == [204, 409]
    loser = next(who for who, a in answers.items() if a.status_code == 409)
    winner = "bob" if loser == "ann" else "ann"
    assert answers[loser].json()["completedBy"] == winner
    assert answers[loser].json()["variablesNotApplied"] == {loser: 1}


def test_operators_update_tasks_and_users_may_not(tasklist: Tasklist) -> None:
    t = tasklist
    path = f"/v2/user-tasks/{t.key('prepare')}"
    change = {
        "changeset": {"dueDate": "2030-05-01T12:00:00Z", "priority": 90, "candidateUsers": ["bob"]}
    }
    assert t.call("ann", "PATCH", path, change).status_code == 403
    assert t.call("olga", "PATCH", path, change).status_code == 204
    got = t.call("bob", "GET", path).json()
    assert (got["priority"], got["candidateUsers"]) == (90, ["bob"])
    assert got["dueDate"].startswith("2030-05-01T12:00:00")
    assert t.call("olga", "PATCH", path, {"changeset": {"dueDate": ""}}).status_code == 204
    assert t.call("olga", "GET", path).json()["dueDate"] is None
    bad = t.call("olga", "PATCH", path, {"changeset": {"priority": 200}})
    assert bad.status_code == 400 and bad.json()["invalidParams"][0]["name"] == "changeset.priority"
    bad = t.call("olga", "PATCH", path, {"changeset": {"followUpDate": "soon"}})
    assert bad.json()["invalidParams"] == [
        {
            "name": "changeset.followUpDate",
            "reason": "must be a date and time with an offset, e.g. 2030-01-31T17:00:00Z",
        }
    ]


def test_sorting_paging_and_variables(tasklist: Tasklist) -> None:
    t = tasklist
    first = t.call(
        "olga",
        "POST",
        "/v2/user-tasks/search",
        {"sort": [{"field": "priority", "order": "DESC"}], "page": {"limit": 1}},
    ).json()
    assert [i["elementId"] for i in first["items"]] == ["prepare"]
    assert first["page"]["totalItems"] == 2
    after = {
        "sort": [{"field": "priority", "order": "DESC"}],
        "page": {"after": first["page"]["endCursor"]},
    }
    second = t.call("olga", "POST", "/v2/user-tasks/search", after).json()
    assert [i["elementId"] for i in second["items"]] == ["anyone"]
    before = {
        "sort": [{"field": "priority", "order": "DESC"}],
        "page": {"before": second["page"]["startCursor"]},
    }
    assert t.search("olga", before) == ["prepare"]
    assert t.search("olga", {"page": {"from": 1, "limit": 5}}) == ["anyone"]
    variables = t.call("ann", "POST", f"/v2/user-tasks/{t.key('prepare')}/variables/search", {})
    (item,) = variables.json()["items"]
    assert (item["name"], json.loads(item["value"])) == ("amount", 5000)


def test_bad_input_is_a_400_naming_the_field(tasklist: Tasklist) -> None:
    t = tasklist
    key = t.key("prepare")
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/v2/user-tasks/search", {"filter": {"state": "DONE"}}, "filter.state"),
        (
            "POST",
            "/v2/user-tasks/search",
            {"filter": {"assignee": {"$like": "a*"}}},
            "filter.assignee",
        ),
        ("POST", "/v2/user-tasks/search", {"sort": [{"field": "colour"}]}, "sort[0].field"),
        ("POST", "/v2/user-tasks/search", {"page": {"after": "!!"}}, "page.after"),
        ("POST", "/v2/user-tasks/search", {"page": {"from": 1, "after": "x"}}, "page"),
        ("POST", "/v2/user-tasks/search", {"page": {"limit": 0}}, "page.limit"),
        ("POST", f"/v2/user-tasks/{key}/assignment", {"assignee": ""}, "assignee"),
        ("POST", f"/v2/user-tasks/{key}/assignment", {}, "assignee"),
        ("POST", f"/v2/user-tasks/{key}/completion", {"variables": [1]}, "variables"),
    ]
    for method, path, body, field in cases:
        answer = t.call("olga", method, path, body)
        assert answer.status_code == 400, (path, body, answer.text)
        assert field in [p["name"] for p in answer.json()["invalidParams"]], answer.json()
    malformed = t.http.post(
        "/v2/user-tasks/search",
        content=b"{nope",
        headers={"Authorization": "Bearer olga", "content-type": "application/json"},
    )
    assert malformed.status_code == 400
    ignored = t.call("olga", "POST", "/v2/user-tasks/search", {"colour": "red", "filter": {"x": 1}})
    assert ignored.status_code == 200
    assert t.call("olga", "POST", "/v2/user-tasks/nope/completion", {}).status_code == 404


def test_filters_by_due_date_holder_and_process(tasklist: Tasklist) -> None:
    t = tasklist
    due = {"changeset": {"dueDate": "2030-05-01T12:00:00Z"}}
    assert t.call("olga", "PATCH", f"/v2/user-tasks/{t.key('prepare')}", due).status_code == 204

    def found(flt: dict[str, Any]) -> list[str]:
        return sorted(t.search("olga", {"filter": flt}))

    assert found({"dueDate": {"$lt": "2030-05-01T12:00:01Z"}}) == ["prepare"]
    assert found({"dueDate": {"$lt": "2030-05-01T12:00:00Z"}}) == []
    assert found({"dueDate": {"$lte": "2030-05-01T12:00:00Z"}}) == ["prepare"]
    assert found({"dueDate": {"$gt": "2030-05-01T12:00:00Z"}}) == []
    assert found({"dueDate": {"$gte": "2030-05-01T12:00:00Z", "$lt": "2031-01-01T00:00:00Z"}}) == [
        "prepare"
    ]
    assert found({"dueDate": "2030-05-01T12:00:00Z"}) == ["prepare"]
    assert found({"processDefinitionId": "chores"}) == ["anyone"]
    assert found({"processDefinitionId": "loan"}) == ["prepare"]
    assert found({"assignee": {"$exists": False}}) == ["anyone", "prepare"]
    claim = t.call(
        "ann", "POST", f"/v2/user-tasks/{t.key('prepare')}/assignment", {"assignee": "ann"}
    )
    assert claim.status_code == 204
    assert found({"assignee": {"$exists": False}}) == ["anyone"]
    assert found({"assignee": {"$exists": True}}) == ["prepare"]
    definition = t.call("olga", "GET", f"/v2/user-tasks/{t.key('anyone')}").json()
    assert found({"processDefinitionKey": definition["processDefinitionKey"]}) == ["anyone"]
    bad = t.call("olga", "POST", "/v2/user-tasks/search", {"filter": {"dueDate": {"$soon": 1}}})
    assert bad.status_code == 400 and "$soon" in bad.json()["detail"]
    bad = t.call("olga", "POST", "/v2/user-tasks/search", {"filter": {"dueDate": {"$lt": "x"}}})
    assert bad.status_code == 400
    assert bad.json()["invalidParams"][0]["name"] == "filter.dueDate.$lt"
