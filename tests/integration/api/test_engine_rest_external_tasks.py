"""Camunda 7's external tasks over real HTTP, on SQLite and PostgreSQL: fetchAndLock (topics,
filters, long polling), complete with typed variables, failure with retries and the
incident, BPMN errors caught by a boundary event, lock extension, unlock, retries, the
list, count and get, and every refusal (a worker without the lock is a 400 naming the
holder, a task that is gone a 404)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from jobkit import Served, served

from regista.api.engine_rest import external_tasks as module
from testkit import wait_until

pytest_plugins = ["jobfixtures"]

BASE = "/engine-rest/external-task"

#: charge is a Camunda 7 external task (topic "charge") with a boundary event catching the
#: BPMN error DECLINED; ship is one whose zeebe:taskDefinition type no worker handles.
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="d" targetNamespace="http://example.com">
  <bpmn:error id="declined" errorCode="DECLINED" />
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="charge" />
    <bpmn:serviceTask id="charge" camunda:type="external" camunda:topic="charge">
      <bpmn:extensionElements>
        <camunda:properties><camunda:property name="currency" value="EUR" /></camunda:properties>
        <camunda:inputOutput>
          <camunda:inputParameter name="fee">${amount / 10}</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="charge" targetRef="ship" />
    <bpmn:serviceTask id="ship">
      <bpmn:extensionElements><zeebe:taskDefinition type="ship" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="paid" />
    <bpmn:endEvent id="paid" />
    <bpmn:boundaryEvent id="refusal" attachedToRef="charge">
      <bpmn:errorEventDefinition errorRef="declined" />
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="refusal" targetRef="refused" />
    <bpmn:endEvent id="refused" />
  </bpmn:process>
</bpmn:definitions>
"""


def start(api: Served, business_key: str | None = None, **variables: Any) -> str:
    api.client.deploy(MODEL)
    return api.client.start("payment", variables or {"amount": 10}, business_key=business_key)


def fetch(
    http: httpx.Client, worker: str = "w1", max_tasks: int = 10, **topic: Any
) -> list[dict[str, Any]]:
    body = {
        "workerId": worker,
        "maxTasks": max_tasks,
        "topics": [{"topicName": "charge", "lockDuration": 60_000, **topic}],
    }
    response = http.post(f"{BASE}/fetchAndLock", json=body)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()
    return tasks


def test_fetch_and_lock_answers_locked_tasks_with_typed_variables(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api, "order-7", amount=10, note="x", items=[1, 2])
        (task,) = fetch(api.http, variables=["amount", "items"], includeExtensionProperties=True)
        assert task["topicName"] == "charge" and task["workerId"] == "w1"
        assert task["activityId"] == "charge" and task["processInstanceId"] == instance
        assert task["processDefinitionKey"] == "payment" and task["businessKey"] == "order-7"
        assert task["processDefinitionId"] == api.client.instance(instance).definition_id
        assert task["variables"] == {
            "amount": {"type": "Integer", "value": 10, "valueInfo": {}},
            "items": {"type": "Json", "value": "[1,2]", "valueInfo": {}},
        }
        assert task["extensionProperties"] == {"currency": "EUR"}
        assert task["retries"] is None and task["errorMessage"] is None
        assert task["lockExpirationTime"].endswith("+0000")
        assert fetch(api.http, worker="w2") == []  # locked: nobody else gets it
        done = api.http.post(
            f"{BASE}/{task['id']}/complete",
            json={
                "workerId": "w1",
                "variables": {"charged": {"value": "true", "type": "Boolean"}},
                "localVariables": {"receipt": {"value": "r-1", "type": "String"}},
            },
        )
        assert done.status_code == 204, done.text
        info = api.client.instance(instance)
        assert info.variables["charged"] is True and "receipt" not in info.variables
        again = api.http.post(f"{BASE}/{task['id']}/complete", json={"workerId": "w1"})
        assert again.status_code == 404 and "already completed" in again.json()["message"]
        # ship: a zeebe:taskDefinition type no in-process worker handles is external too
        (ship,) = fetch(api.http, topicName="ship")
        assert ship["activityId"] == "ship" and ship["variables"]["charged"]["value"] is True


def test_local_variables_are_those_of_the_task_scope(database_url: str) -> None:
    with served(database_url) as api:
        start(api, amount=30)
        (task,) = fetch(api.http, localVariables=True)
        assert task["variables"] == {"fee": {"type": "Integer", "value": 3, "valueInfo": {}}}
        start(api, amount=50)
        (other,) = fetch(api.http)
        assert set(other["variables"]) == {"amount", "fee"}
        start(api, amount=70)
        (named,) = fetch(api.http, localVariables=True, variables=["amount"])
        assert named["variables"] == {}


def test_topic_filters_choose_the_instances(database_url: str) -> None:
    with served(database_url) as api:
        start(api, "a", amount=1)
        b = start(api, "b", amount=2)
        assert fetch(api.http, businessKey="nobody") == []
        assert fetch(api.http, processDefinitionKey="other") == []
        assert fetch(api.http, tenantIdIn=["t1"]) == []
        (by_key,) = fetch(api.http, businessKey="b", processDefinitionKeyIn=["payment"])
        assert by_key["processInstanceId"] == b
        (by_value,) = fetch(api.http, processVariables={"amount": 1})
        assert by_value["businessKey"] == "a"
        assert fetch(api.http) == []  # both locked now


def test_max_tasks_and_several_topics(database_url: str) -> None:
    with served(database_url) as api:
        for n in range(3):
            start(api, amount=n)
        body = {
            "workerId": "w",
            "maxTasks": 2,
            "topics": [
                {"topicName": "none", "lockDuration": 1000},
                {"topicName": "charge", "lockDuration": 1000},
            ],
        }
        first = api.http.post(f"{BASE}/fetchAndLock", json=body).json()
        assert len(first) == 2 and {t["topicName"] for t in first} == {"charge"}
        body["maxTasks"] = 0
        assert api.http.post(f"{BASE}/fetchAndLock", json=body).json() == []


def test_a_long_poll_is_woken_by_a_new_task(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with no second look before the poll ends, only the bell can hand it the task
    monkeypatch.setattr(module, "_LOOK_AGAIN", 600.0)
    with served(database_url) as api:
        api.client.deploy(MODEL)
        got: list[list[dict[str, Any]]] = []
        body = {
            "workerId": "w",
            "maxTasks": 1,
            "asyncResponseTimeout": 50_000,
            "topics": [{"topicName": "charge", "lockDuration": 1000}],
        }
        poll = threading.Thread(
            target=lambda: got.append(api.http.post(f"{BASE}/fetchAndLock", json=body).json()),
            daemon=True,
        )
        poll.start()
        wait_until(lambda: api.client.shell.signals.jobs.listeners > 0, what="the long poll")
        instance = api.client.start("payment", {"amount": 1})
        poll.join(timeout=60)
        assert got and [t["processInstanceId"] for t in got[0]] == [instance]


def test_a_worker_without_the_lock_is_refused_naming_the_holder(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api)
        (task,) = fetch(api.http, worker="slow", lockDuration=1)
        key = task["id"]
        (again,) = wait_until(lambda: fetch(api.http, worker="fast"), what="the task again")
        assert again["id"] == key
        for path, body in (
            ("complete", {}),
            ("failure", {"errorMessage": "x", "retries": 1}),
            ("bpmnError", {"errorCode": "DECLINED"}),
            ("extendLock", {"newDuration": 1000}),
        ):
            late = api.http.post(f"{BASE}/{key}/{path}", json={"workerId": "slow", **body})
            assert late.status_code == 400, (path, late.text)
            assert late.json()["type"] == "BadUserRequestException"
            assert key in late.json()["message"] and "'fast'" in late.json()["message"]
        assert api.http.post(f"{BASE}/{key}/unlock").status_code == 204
        unlocked = api.http.post(f"{BASE}/{key}/complete", json={"workerId": "fast"})
        assert unlocked.status_code == 400 and "not locked" in unlocked.json()["message"]
        (third,) = fetch(api.http, worker="third")
        assert third["id"] == key
        extended = api.http.post(
            f"{BASE}/{key}/extendLock", json={"workerId": "third", "newDuration": 3_600_000}
        )
        assert extended.status_code == 204
        got = api.http.get(f"{BASE}/{key}").json()
        assert got["workerId"] == "third" and got["lockExpirationTime"] > task["lockExpirationTime"]
        done = api.http.post(f"{BASE}/{key}/complete", json={"workerId": "third"})
        assert done.status_code == 204
        assert api.client.instance(instance).status == "active"  # now at ship
        missing = api.http.post(f"{BASE}/404404/complete", json={"workerId": "x"})
        assert missing.status_code == 404 and missing.json()["type"] == "InvalidRequestException"


def test_failure_retries_then_raises_an_incident(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api)
        (task,) = fetch(api.http)
        key = task["id"]
        failed = api.http.post(
            f"{BASE}/{key}/failure",
            json={"workerId": "w1", "errorMessage": "down", "retries": 1, "retryTimeout": 0},
        )
        assert failed.status_code == 204, failed.text
        (again,) = fetch(api.http)
        assert again["id"] == key and again["retries"] == 1 and again["errorMessage"] == "down"
        assert again["errorDetails"] is None
        last = api.http.post(
            f"{BASE}/{key}/failure",
            json={"workerId": "w1", "errorMessage": "gone", "errorDetails": "trace", "retries": 0},
        )
        assert last.status_code == 204
        info = api.client.instance(instance)
        assert info.status == "incident" and [i.message for i in info.incidents] == ["gone"]
        details = api.http.get(f"{BASE}/{key}/errorDetails")
        assert details.status_code == 200 and details.text == "trace"
        assert api.http.get(f"{BASE}/nothing/errorDetails").status_code == 404
        listed = api.http.get(BASE, params={"noRetriesLeft": "true"}).json()
        assert [t["id"] for t in listed] == [key] and listed[0]["retries"] == 0
        # retries for the task behind the incident resolve it: the task is fetched again
        assert api.http.put(f"{BASE}/{key}/retries", json={"retries": 2}).status_code == 204
        assert api.client.instance(instance).status == "active"
        (revived,) = fetch(api.http)
        assert revived["processInstanceId"] == instance and revived["activityId"] == "charge"
        done = api.http.post(f"{BASE}/{revived['id']}/complete", json={"workerId": "w1"})
        assert done.status_code == 204
        (ship,) = fetch(api.http, topicName="ship")
        # retries of an open task are just set
        assert api.http.put(f"{BASE}/{ship['id']}/retries", json={"retries": 5}).status_code == 204
        with api.client.store.transaction(write=False) as tx:
            row = tx.get_job(ship["id"])
        assert row is not None and row.retries == 5
        assert api.http.put(f"{BASE}/404/retries", json={"retries": 1}).status_code == 404


def test_a_bpmn_error_is_caught_by_the_boundary_event(database_url: str) -> None:
    with served(database_url) as api:
        instance = start(api)
        (task,) = fetch(api.http)
        thrown = api.http.post(
            f"{BASE}/{task['id']}/bpmnError",
            json={
                "workerId": "w1",
                "errorCode": "DECLINED",
                "errorMessage": "card refused",
                "variables": {"reason": {"value": "card", "type": "String"}},
            },
        )
        assert thrown.status_code == 204, thrown.text
        info = api.client.instance(instance)
        assert info.status == "completed" and info.variables["reason"] == "card"
        ended = [
            e.element_id for e in api.client.history(instance) if e.kind == "element_completed"
        ]
        assert "refused" in ended and "paid" not in ended


def test_list_count_and_get(database_url: str) -> None:
    with served(database_url) as api:
        first = start(api, amount=1)
        start(api, amount=2)
        (locked,) = fetch(api.http, max_tasks=1)
        assert locked["processInstanceId"] == first
        every = api.http.get(BASE).json()
        assert len(every) == 2 and {t["topicName"] for t in every} == {"charge"}
        assert api.http.get(f"{BASE}/count").json() == {"count": 2}
        assert [t["id"] for t in api.http.get(BASE, params={"locked": "true"}).json()] == [
            locked["id"]
        ]
        assert api.http.get(f"{BASE}/count", params={"notLocked": "true"}).json() == {"count": 1}
        assert api.http.get(f"{BASE}/count", params={"workerId": "w1"}).json() == {"count": 1}
        by_instance = api.http.get(BASE, params={"processInstanceId": first}).json()
        assert [t["id"] for t in by_instance] == [locked["id"]]
        page = api.http.get(BASE, params={"firstResult": 1, "maxResults": 5}).json()
        assert len(page) == 1
        posted = api.http.post(BASE, json={"topicName": "charge", "notLocked": True}).json()
        assert len(posted) == 1 and posted[0]["id"] != locked["id"]
        assert api.http.post(f"{BASE}/count", json={"topicName": "x"}).json() == {"count": 0}
        assert api.http.get(f"{BASE}/topic-names").json() == ["charge"]
        assert api.http.get(f"{BASE}/topic-names", params={"withLockedTasks": "true"}).json() == [
            "charge"
        ]
        (done,) = fetch(api.http)
        assert api.http.post(f"{BASE}/{done['id']}/complete", json={"workerId": "w1"}).is_success
        names = api.http.get(f"{BASE}/topic-names", params={"withUnlockedTasks": "true"})
        assert names.json() == ["ship"]
        got = api.http.get(f"{BASE}/{locked['id']}")
        assert got.status_code == 200 and got.json()["workerId"] == "w1"
        assert api.http.get(f"{BASE}/no-such").status_code == 404
        bad = api.http.get(BASE, params={"locked": "perhaps"})
        assert bad.status_code == 400 and "locked" in bad.json()["message"]
        assert api.http.get(BASE, params={"maxResults": "-1"}).status_code == 400
        sorted_ = api.http.get(BASE, params={"sortBy": "createTime", "sortOrder": "desc"})
        assert sorted_.status_code == 200 and len(sorted_.json()) == 2


def test_a_list_filtered_in_memory_past_its_cap_is_refused_not_cut(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "_FILTER_CAP", 1)
    with served(database_url) as api:
        start(api, amount=1)
        start(api, amount=2)
        page = api.http.get(BASE, params={"maxResults": 5})
        assert len(page.json()) == 2  # paged by the store: no cap
        unpaged = api.http.get(BASE)
        assert unpaged.status_code == 400 and "maxResults" in unpaged.json()["message"]
        refused = api.http.get(BASE, params={"locked": "true", "maxResults": 5})
        assert refused.status_code == 400 and "narrow it" in refused.json()["message"]


def test_bad_bodies_are_400_naming_the_field(database_url: str) -> None:
    with served(database_url) as api:
        no_worker = api.http.post(f"{BASE}/fetchAndLock", json={"maxTasks": 1, "topics": []})
        assert no_worker.status_code == 400 and "workerId" in no_worker.json()["message"]
        no_lock = api.http.post(
            f"{BASE}/fetchAndLock",
            json={"workerId": "w", "maxTasks": 1, "topics": [{"topicName": "charge"}]},
        )
        assert no_lock.status_code == 400 and "lockDuration" in no_lock.json()["message"]
        start(api)
        (task,) = fetch(api.http)
        typed = api.http.post(
            f"{BASE}/{task['id']}/complete",
            json={"workerId": "w1", "variables": {"n": {"value": "x", "type": "Integer"}}},
        )
        assert typed.status_code == 400 and "variables.n" in typed.json()["message"]
        internal = api.http.post(
            f"{BASE}/fetchAndLock",
            json={
                "workerId": "w",
                "maxTasks": 1,
                "topics": [{"topicName": "regista:outbox", "lockDuration": 1}],
            },
        )
        assert internal.status_code == 400


def test_external_tasks_need_the_worker_or_operator_role(database_url: str) -> None:
    with served(database_url) as api:
        for role, status in (("user", 403), ("modeler", 403), ("operator", 200), ("worker", 200)):
            answer = api.http.get(BASE, headers={"Authorization": f"Bearer {role}"})
            assert answer.status_code == status, role
        refused = api.http.post(
            f"{BASE}/fetchAndLock",
            json={"workerId": "w", "maxTasks": 1, "topics": []},
            headers={"Authorization": "Bearer user"},
        )
        assert refused.status_code == 403 and refused.json()["type"] == "AuthorizationException"
