"""The user task lifecycle through the durable runtime on SQLite and PostgreSQL: claim,
delegate, assign, unclaim, update and complete, each a history event with its actor; the
task withdrawn by its process; forms checked on completion; four eyes; a second completion."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from runtimekit import Database, Harness

from regista.bpmn import ProcessBuilder
from regista.bpmn.duties import FOUR_EYES_PROPERTY
from regista.client import TaskUpdate
from regista.runtime.definitions import Resource
from regista.runtime.errors import DutiesConflict, InvalidVariables, RequestError, TaskConflict

pytest_plugins = ["runtimefixtures"]

FORM = {
    "id": "payment",
    "components": [
        {"type": "number", "key": "amount", "validate": {"required": True, "min": 1}},
        {"type": "select", "key": "method", "values": [{"label": "Card", "value": "card"}]},
    ],
}


def review() -> ProcessBuilder:
    return (
        ProcessBuilder("review")
        .start("s")
        .user_task("prepare", candidate_groups=["clerks"], priority="60")
        .user_task("approve", form_id="payment", candidate_groups=["clerks"])
        .property(FOUR_EYES_PROPERTY, "prepare")
        .end("e")
    )


def one_task(h: Harness, instance_id: str, element_id: str) -> str:
    (task,) = [t for t in h.client.tasks(instance_id=instance_id) if t.element_id == element_id]
    return task.id


def test_the_lifecycle_is_in_the_audit_trail_with_who_did_it(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(review())
    iid = h.client.start("review")
    task = one_task(h, iid, "prepare")
    assert h.client.assign_task(task, "ann", actor="ann") == "claimed"
    assert h.client.assign_task(task, "bob", actor="ann") == "delegated"
    with pytest.raises(TaskConflict, match="assigned to 'bob'"):
        h.client.assign_task(task, "carl", actor="carl", allow_override=False)
    assert h.client.assign_task(task, "carl", actor="boss") == "assigned"
    assert h.client.assign_task(task, "carl", actor="boss") == "unchanged"
    assert h.client.assign_task(task, None, actor="carl") == "unclaimed"
    due = dt.datetime(2030, 2, 1, 12, tzinfo=dt.UTC)
    changed = h.client.update_task(
        task, TaskUpdate(due_at=due, candidate_users=["dan"], priority=90), actor="boss"
    )
    assert (changed.due_at, changed.candidate_users, changed.priority) == (due, ("dan",), 90)
    assert changed.candidate_groups == ("clerks",)
    cleared = h.client.update_task(task, TaskUpdate(due_at=""), actor="boss")
    assert cleared.due_at is None and cleared.priority == 90
    with pytest.raises(RequestError, match="from 0 to 100"):
        h.client.update_task(task, TaskUpdate(priority=101), actor="boss")
    assert h.client.complete_task(task, {"ok": True}, by="dan") is True
    events = [(e.kind, e.actor) for e in h.history(iid) if e.kind.startswith("user_task")]
    assert events == [
        ("user_task_created", None),
        ("user_task_claimed", "ann"),
        ("user_task_delegated", "ann"),
        ("user_task_assigned", "boss"),
        ("user_task_unclaimed", "carl"),
        ("user_task_updated", "boss"),
        ("user_task_updated", "boss"),
        ("user_task_completed", "dan"),
        ("user_task_created", "dan"),  # the next task, opened by dan's completion
    ]
    created = next(e for e in h.history(iid) if e.kind == "user_task_created")
    assert created.data["priority"] == 60
    with pytest.raises(TaskConflict, match="already completed by 'dan'"):
        h.client.shell.complete_user_task(task, {}, by="eve", strict=True)
    with pytest.raises(TaskConflict, match="already completed"):
        h.client.assign_task(task, "eve", actor="eve")
    h.close()


def test_a_task_withdrawn_by_its_process_is_cancelled_in_the_trail(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(
        ProcessBuilder("late")
        .start("s")
        .user_task("work")
        .end("done")
        .boundary_event("timeout", attached_to="work", duration="PT1H")
        .end("gave-up")
    )
    iid = h.client.start("late")
    task = one_task(h, iid, "work")
    h.advance("PT2H")
    assert "user_task_cancelled" in h.kinds(iid)
    with pytest.raises(TaskConflict, match="cancelled by its process"):
        h.client.complete_task(task, {}, by="ann")
    h.close()


def test_the_form_and_four_eyes_are_checked_before_anything_is_applied(db: Database) -> None:
    h = Harness(db)
    h.client.deploy(review(), Resource("payment.form", json.dumps(FORM).encode()))
    iid = h.client.start("review")
    h.client.complete_task(one_task(h, iid, "prepare"), {}, by="ann")
    approve = one_task(h, iid, "approve")
    with pytest.raises(InvalidVariables) as refused:
        h.client.complete_task(approve, {"amount": 0, "method": "cash"}, by="bob")
    assert [(p.name, p.reason) for p in refused.value.problems] == [
        ("amount", "must be at least 1"),
        ("method", "'cash' is not one of the options ('card')"),
    ]
    assert "nothing was applied" in str(refused.value)
    with pytest.raises(DutiesConflict, match="'ann' completed the user task 'prepare'") as eyes:
        h.client.complete_task(approve, {"amount": 5}, by="ann")
    assert eyes.value.other.completed_by == "ann"
    assert h.client.instance(iid).status == "active"
    assert [t.id for t in h.client.tasks(instance_id=iid)] == [approve]
    assert h.client.complete_task(approve, {"amount": 5, "method": "card"}, by="bob") is True
    assert h.client.instance(iid).status == "completed"
    h.close()
