"""User tasks in the engine: priority (Camunda 8's 0-100, default 50), candidates from FEEL,
the parsed four-eyes rule, and a task withdrawn when its scope is cancelled."""

from __future__ import annotations

import datetime as dt

from regista.bpmn import ProcessBuilder, parse
from regista.engine import CancelUserTask, CreateUserTask

from .harness import Harness


def test_priority_is_evaluated_and_defaults_to_50(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("plain")
        .user_task("literal", priority="80")
        .user_task("feel", priority="=urgency * 10", candidate_groups="=teams")
        .end()
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start(variables={"urgency": 9, "teams": ["a", "b"]})
    assert h.task("plain").priority == 50
    h.complete_task("plain")
    assert h.task("literal").priority == 80
    h.complete_task("literal")
    task = h.task("feel")
    assert (task.priority, task.candidate_groups) == (90, ("a", "b"))
    h.complete_task("feel")
    assert h.status == "completed"


def test_a_priority_out_of_range_or_not_an_integer_is_an_incident(roundtrip: bool) -> None:
    for priority, words in (("=101", "from 0 to 100"), ("=1.5", "not an integer")):
        defs = ProcessBuilder("p").start().user_task("t", priority=priority).end().build()
        h = Harness(defs, roundtrip=roundtrip).start()
        assert h.status == "incident"
        assert words in h.state.incidents[0].message
        assert not any(isinstance(e, CreateUserTask) for e in h.effects)


def test_a_task_withdrawn_by_the_process_is_cancelled(roundtrip: bool) -> None:
    defs = (
        ProcessBuilder("p")
        .start()
        .user_task("review")
        .end("done")
        .boundary_event("late", attached_to="review", duration="PT1H")
        .end("gave-up")
        .build()
    )
    h = Harness(defs, roundtrip=roundtrip).start()
    task_id = h.task("review").task_id
    h.advance(dt.timedelta(hours=2))
    assert [e.task_id for e in h.effects if isinstance(e, CancelUserTask)] == [task_id]
    assert h.status == "completed"


def test_camunda_7_and_8_user_task_attributes_are_read() -> None:
    c8 = parse(
        b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="x">
        <process id="p" isExecutable="true"><startEvent id="s"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
        <userTask id="t"><extensionElements>
          <zeebe:userTask/>
          <zeebe:assignmentDefinition assignee="=boss" candidateGroups="a, b"/>
          <zeebe:priorityDefinition priority="70"/>
          <zeebe:formDefinition formId="approval"/>
        </extensionElements></userTask>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
        </process></definitions>"""
    )
    h = Harness(c8).start(variables={"boss": "ann"})
    task = h.task("t")
    assert (task.assignee, task.candidate_groups, task.priority, task.form_key) == (
        "ann",
        ("a", "b"),
        70,
        "approval",
    )
    c7 = parse(
        b"""<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="x">
        <process id="p" isExecutable="true"><startEvent id="s"/>
        <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
        <userTask id="t" camunda:candidateUsers="ann,bob" camunda:priority="20"
          camunda:dueDate="2030-01-01T10:00:00Z"/>
        <sequenceFlow id="f2" sourceRef="t" targetRef="e"/><endEvent id="e"/>
        </process></definitions>"""
    )
    task = Harness(c7).start().task("t")
    assert (task.candidate_users, task.priority) == (("ann", "bob"), 20)
    assert task.due_date is not None and task.due_date.year == 2030
