"""Camunda 7's task API over real HTTP with several callers, on SQLite and PostgreSQL: who
sees what, the query filters and sorting, claim / unclaim / assignee / delegate, completion
checked against the form (per-field messages) and refused when someone completed first,
the form, and a task's variables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from regista.api import ServerOptions, create_app
from regista.api.context import Principal
from regista.api.engine_rest import task_filters
from regista.client import Client
from regista.runtime.definitions import Resource
from serving import serve

pytest_plugins = ["jobfixtures"]

FORM = {
    "id": "approval-form",
    "components": [
        {"type": "checkbox", "key": "approved"},
        {"type": "number", "key": "limit", "validate": {"required": True, "min": 1, "max": 10}},
    ],
}

LOAN = """<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
  <process id="loan" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="prepare"/>
    <userTask id="prepare" name="Prepare loan" camunda:candidateGroups="sales"
        camunda:priority="70" camunda:dueDate="2030-01-31T17:00:00Z">
      <documentation>Gather the papers</documentation>
    </userTask>
    <sequenceFlow id="f2" sourceRef="prepare" targetRef="approve"/>
    <userTask id="approve" name="Approve loan" camunda:candidateGroups="sales"
        camunda:formRef="approval-form" camunda:formRefBinding="latest"/>
    <sequenceFlow id="f3" sourceRef="approve" targetRef="e"/>
    <endEvent id="e"/>
  </process>
  <process id="chores" isExecutable="true">
    <startEvent id="cs"/>
    <sequenceFlow id="c1" sourceRef="cs" targetRef="sweep"/>
    <userTask id="sweep" name="Sweep" camunda:candidateUsers="carl"/>
    <sequenceFlow id="c2" sourceRef="sweep" targetRef="ce"/>
    <endEvent id="ce"/>
  </process>
</definitions>"""

PEOPLE = {
    "ann": Principal("ann", frozenset({"user"}), frozenset({"sales"})),
    "dave": Principal("dave", frozenset({"user"}), frozenset({"sales"})),
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


class Tasks:
    def __init__(self, http: httpx.Client, client: Client, loan: str) -> None:
        self.http = http
        self.client = client
        self.loan = loan

    def call(
        self, who: str, method: str, path: str, body: Any = None, **params: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {who}"}
        return self.http.request(
            method, "/engine-rest" + path, json=body, headers=headers, params=params or None
        )

    def keys(self, who: str, **params: Any) -> list[str]:
        answer = self.call(who, "GET", "/task", **params)
        assert answer.status_code == 200, answer.text
        return [t["taskDefinitionKey"] for t in answer.json()]

    def key(self, element_id: str) -> str:
        (task,) = [t for t in self.client.tasks() if t.element_id == element_id]
        return task.id


@pytest.fixture
def tasks(database_url: str) -> Iterator[Tasks]:
    with Client(database_url) as client:
        client.deploy(LOAN, Resource("approval.form", json.dumps(FORM).encode()))
        loan = client.start("loan", {"amount": 5000}, business_key="L-1")
        client.start("chores", {"owner": "carl"})
        app = create_app(client, ServerOptions(), authenticator=People())
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield Tasks(http, client, loan)


def test_each_caller_sees_the_tasks_offered_to_them(tasks: Tasks) -> None:
    t = tasks
    assert sorted(t.keys("olga")) == ["prepare", "sweep"]
    assert t.keys("ann") == ["prepare"]
    assert t.keys("carl") == ["sweep"]
    assert t.keys("bob") == []
    assert t.call("ann", "GET", "/task/count").json() == {"count": 1}
    assert t.call("wendy", "GET", "/task").status_code == 403
    assert t.call("nobody", "GET", "/task").status_code == 401
    prepare = t.key("prepare")
    got = t.call("ann", "GET", f"/task/{prepare}").json()
    assert got["id"] == prepare and got["name"] == "Prepare loan" and got["priority"] == 70
    assert got["taskDefinitionKey"] == "prepare" and got["processInstanceId"] == t.loan
    assert got["due"] == "2030-01-31T17:00:00.000+0000" and got["assignee"] is None
    assert got["description"] == "Gather the papers" and got["suspended"] is False
    assert got["processDefinitionId"] == t.client.instance(t.loan).definition_id
    hidden = t.call("bob", "GET", f"/task/{prepare}")
    assert hidden.status_code == 403 and hidden.json()["type"] == "AuthorizationException"
    assert t.call("ann", "GET", "/task/42").status_code == 404
    engine = t.call("ann", "GET", "/engine/default/task")
    assert engine.status_code == 200 and [x["id"] for x in engine.json()] == [prepare]


def test_query_filters_and_sorting(tasks: Tasks) -> None:
    t = tasks
    t.client.start("loan", {"amount": 1}, business_key="L-2")
    assert len(t.keys("olga", processDefinitionKey="loan")) == 2
    assert t.keys("olga", processInstanceBusinessKey="L-2") == ["prepare"]
    assert t.keys("olga", processInstanceId=t.loan) == ["prepare"]
    assert t.keys("olga", taskDefinitionKey="sweep") == ["sweep"]
    assert t.keys("olga", name="Sweep") == ["sweep"]
    assert len(t.keys("olga", nameLike="%LOAN%")) == 2  # without regard to case
    assert t.keys("olga", candidateGroup="sales", nameLike="x%") == []
    assert len(t.keys("olga", candidateGroup="sales")) == 2
    assert t.keys("olga", candidateUser="carl") == ["sweep"]
    assert t.keys("olga", dueBefore="2031-01-01T00:00:00.000+0000", maxResults=1) == ["prepare"]
    assert t.keys("olga", dueAfter="2031-01-01T00:00:00.000+0000") == []
    assert t.keys("olga", minPriority=60, maxPriority=80) == ["prepare", "prepare"]
    by_priority = t.keys("olga", sortBy="priority", sortOrder="desc")
    assert by_priority == ["prepare", "prepare", "sweep"]
    assert t.keys("olga", sortBy="priority", sortOrder="asc")[0] == "sweep"
    page = t.keys("olga", sortBy="priority", sortOrder="desc", firstResult=2, maxResults=5)
    assert page == ["sweep"]
    body = {"sorting": [{"sortBy": "name", "sortOrder": "desc"}], "unassigned": True}
    posted = t.call("olga", "POST", "/task", body)
    assert [x["name"] for x in posted.json()] == ["Sweep", "Prepare loan", "Prepare loan"]
    counted = t.call("olga", "POST", "/task/count", {"processDefinitionKeyIn": ["chores"]})
    assert counted.json() == {"count": 1}
    prepare = t.call("olga", "GET", "/task", processInstanceId=t.loan).json()[0]["id"]
    assert t.call("olga", "POST", f"/task/{prepare}/claim", {"userId": "ann"}).status_code == 204
    assert t.keys("olga", assignee="ann") == ["prepare"]
    assert t.keys("olga", assigneeLike="a%") == ["prepare"]
    assert len(t.keys("olga", unassigned=True)) == 2
    assert t.keys("olga", assigned=True) == ["prepare"]
    # a candidate's claimed task is not theirs to pick any more, unless asked for
    assert len(t.keys("olga", candidateGroup="sales")) == 1
    assert len(t.keys("olga", candidateGroup="sales", includeAssignedTasks=True)) == 2


def test_bad_queries_are_400_naming_the_field(tasks: Tasks) -> None:
    t = tasks
    unknown = t.call("olga", "GET", "/task", noSuchFilter="x")
    assert unknown.status_code == 400 and "noSuchFilter" in unknown.json()["message"]
    date = t.call("olga", "GET", "/task", dueBefore="tomorrow")
    assert date.status_code == 400 and "dueBefore" in date.json()["message"]
    sort = t.call("olga", "POST", "/task", {"sorting": [{"sortBy": "colour"}]})
    assert sort.status_code == 400 and "colour" in sort.json()["message"]
    assert t.call("olga", "GET", "/task", maxResults="many").status_code == 400
    assert t.call("olga", "GET", "/task", sortBy="name").status_code == 400


def test_claim_unclaim_assignee_and_delegate(tasks: Tasks) -> None:
    t = tasks
    prepare = t.key("prepare")
    for_other = t.call("ann", "POST", f"/task/{prepare}/claim", {"userId": "dave"})
    assert for_other.status_code == 403
    assert t.call("ann", "POST", f"/task/{prepare}/claim", {"userId": "ann"}).status_code == 204
    taken = t.call("dave", "POST", f"/task/{prepare}/claim", {"userId": "dave"})
    assert taken.status_code == 400 and taken.json()["type"] == "TaskAlreadyClaimedException"
    assert "'ann'" in taken.json()["message"]
    assert t.call("ann", "GET", f"/task/{prepare}").json()["assignee"] == "ann"
    links = t.call("ann", "GET", f"/task/{prepare}/identity-links").json()
    assert links == [
        {"userId": "ann", "groupId": None, "type": "assignee"},
        {"userId": None, "groupId": "sales", "type": "candidate"},
    ]
    candidates = t.call("ann", "GET", f"/task/{prepare}/identity-links", type="candidate")
    assert [link["groupId"] for link in candidates.json()] == ["sales"]
    assert t.call("dave", "POST", f"/task/{prepare}/unclaim").status_code == 403
    delegated = t.call("ann", "POST", f"/task/{prepare}/delegate", {"userId": "dave"})
    assert delegated.status_code == 204
    assert t.call("dave", "GET", f"/task/{prepare}").json()["assignee"] == "dave"
    assert t.call("dave", "POST", f"/task/{prepare}/unclaim").status_code == 204
    assigned = t.call("olga", "POST", f"/task/{prepare}/assignee", {"userId": "bob"})
    assert assigned.status_code == 204
    assert t.keys("bob") == ["prepare"]  # assigned to him: now his to see
    kinds = [e.kind for e in t.client.history(t.loan) if e.kind.startswith("user_task_")]
    assert "user_task_claimed" in kinds and "user_task_delegated" in kinds
    assert "user_task_unclaimed" in kinds and "user_task_assigned" in kinds
    assert t.call("olga", "POST", "/task/42/claim", {"userId": "x"}).status_code == 404


def test_completion_checks_the_form_and_refuses_a_second_completion(tasks: Tasks) -> None:
    t = tasks
    prepare = t.key("prepare")
    done = t.call(
        "ann",
        "POST",
        f"/task/{prepare}/complete",
        {"variables": {"papers": {"value": 3, "type": "Integer"}}, "withVariablesInReturn": True},
    )
    assert done.status_code == 200, done.text
    assert done.json()["papers"] == {"type": "Integer", "value": 3, "valueInfo": {}}
    again = t.call("dave", "POST", f"/task/{prepare}/complete")  # no body at all
    assert again.status_code == 400 and again.json()["type"] == "BadUserRequestException"
    assert "already completed by 'ann'" in again.json()["message"]
    assert again.json()["completedBy"] == "ann" and again.json()["completedAt"]
    assert t.call("ann", "GET", f"/task/{prepare}").status_code == 404
    late_claim = t.call("olga", "POST", f"/task/{prepare}/claim", {"userId": "dave"})
    assert late_claim.status_code == 400 and late_claim.json()["completedBy"] == "ann"
    assert late_claim.json()["type"] == "BadUserRequestException"
    approve = t.key("approve")
    form = t.call("ann", "GET", f"/task/{approve}/form").json()
    assert form["camundaFormRef"]["key"] == "approval-form"
    schema = t.call("ann", "GET", f"/task/{approve}/deployed-form").json()
    assert schema["id"] == "approval-form"
    assert t.call("ann", "GET", f"/task/{prepare}/deployed-form").status_code == 404
    bad = t.call(
        "ann",
        "POST",
        f"/task/{approve}/submit-form",
        {"variables": {"limit": {"value": 99, "type": "Integer"}}},
    )
    assert bad.status_code == 400, bad.text
    assert [p["name"] for p in bad.json()["invalidParams"]] == ["variables.limit"]
    assert t.client.instance(t.loan).status == "active"  # nothing applied
    typed = t.call(
        "ann", "POST", f"/task/{approve}/submit-form", {"variables": {"limit": {"value": "x"}}}
    )
    assert typed.status_code == 400
    ok = t.call(
        "ann",
        "POST",
        f"/task/{approve}/submit-form",
        {"variables": {"limit": {"value": 5, "type": "Long"}, "approved": {"value": True}}},
    )
    assert ok.status_code == 204, ok.text
    info = t.client.instance(t.loan)
    assert info.status == "completed" and info.variables["limit"] == 5


def test_task_variables_get_and_put(tasks: Tasks) -> None:
    t = tasks
    prepare = t.key("prepare")
    got = t.call("ann", "GET", f"/task/{prepare}/variables").json()
    assert got["amount"] == {"type": "Integer", "value": 5000, "valueInfo": {}}
    put = t.call(
        "ann", "PUT", f"/task/{prepare}/variables/note", {"value": "urgent", "type": "String"}
    )
    assert put.status_code == 204, put.text
    assert t.call("ann", "GET", f"/task/{prepare}/variables/note").json()["value"] == "urgent"
    assert t.client.instance(t.loan).variables["note"] == "urgent"
    assert t.call("ann", "GET", f"/task/{prepare}/variables/none").status_code == 404
    modified = t.call(
        "ann",
        "POST",
        f"/task/{prepare}/variables",
        {"modifications": {"amount": {"value": "6000", "type": "Integer"}}},
    )
    assert modified.status_code == 204
    form = t.call("ann", "GET", f"/task/{prepare}/form-variables", variableNames="amount").json()
    assert form == {"amount": {"type": "Integer", "value": 6000, "valueInfo": {}}}
    refused = t.call("bob", "PUT", f"/task/{prepare}/variables/note", {"value": "x"})
    assert refused.status_code == 403
    deletions = t.call("ann", "POST", f"/task/{prepare}/variables", {"deletions": ["note"]})
    assert deletions.status_code == 400


def test_a_query_past_its_cap_is_refused_not_cut(
    tasks: Tasks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(task_filters, "CAP", 1)
    t = tasks
    assert len(t.keys("olga", maxResults=5)) == 2  # paged by the store
    unpaged = t.call("olga", "GET", "/task")
    assert unpaged.status_code == 400 and "maxResults" in unpaged.json()["message"]
    filtered = t.call("olga", "GET", "/task", nameLike="%", maxResults=5)
    assert filtered.status_code == 400 and "in-memory" in filtered.json()["message"]
