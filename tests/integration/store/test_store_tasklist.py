"""The tasklist's store operations on every backend: search with filters, visibility,
sorting and keyset pages, the total, and updating an open task."""

from __future__ import annotations

from storekit import T0, at

from regista.store import NewInstance, NewUserTask, Store
from regista.store.tasklist import UserTaskChanges, UserTaskQuery, Viewer

pytest_plugins = ["storefixtures"]


def seed(store: Store) -> None:
    rows = [
        # id, assignee, candidate users, candidate groups, priority, due (s), name
        ("t1", None, [], ["sales"], 50, None, "Call back"),
        ("t2", "ann", [], [], 80, 3600, "Approve"),
        ("t3", None, ["bob"], [], 10, 60, None),
        ("t4", None, [], [], 50, 7200, "Archive"),
        ("t5", "carl", [], ["finance"], 99, None, "Book"),
    ]
    with store.transaction() as tx:
        for n, (task_id, assignee, users, groups, priority, due, name) in enumerate(rows):
            tx.insert_user_task(
                NewUserTask(
                    id=task_id,
                    instance_id="i-1" if n < 3 else "i-2",
                    element_id=f"e{n}",
                    element_instance_id=f"ei-{n}",
                    name=name,
                    assignee=assignee,
                    candidate_users=users,
                    candidate_groups=groups,
                    due_at=at(due) if due is not None else None,
                    priority=priority,
                ),
                now=at(n),
            )


def ids(store: Store, query: UserTaskQuery) -> tuple[list[str], int]:
    with store.transaction(write=False) as tx:
        found, total = tx.search_user_tasks(query)
    return [t.id for t in found], total


def test_filters_and_visibility(store: Store) -> None:
    seed(store)
    assert ids(store, UserTaskQuery()) == (["t1", "t2", "t3", "t4", "t5"], 5)
    assert ids(store, UserTaskQuery(instance_id="i-2")) == (["t4", "t5"], 2)
    assert ids(store, UserTaskQuery(candidate_group="sales")) == (["t1"], 1)
    assert ids(store, UserTaskQuery(candidate_user="bob")) == (["t3"], 1)
    assert ids(store, UserTaskQuery(assignee="ann", priority=80)) == (["t2"], 1)
    assert ids(store, UserTaskQuery(task_id="t4", element_id="e3")) == (["t4"], 1)
    # what each may see: theirs, offered to them or their groups, or offered to nobody
    assert ids(store, UserTaskQuery(viewer=Viewer("ann"))) == (["t2", "t4"], 2)
    assert ids(store, UserTaskQuery(viewer=Viewer("bob", ["sales"]))) == (["t1", "t3", "t4"], 3)
    assert ids(store, UserTaskQuery(viewer=Viewer("dan", ["finance", "x"]))) == (["t4", "t5"], 2)
    with store.transaction() as tx:
        tx.complete_user_task("t4", by="ann", now=at(10))
    assert ids(store, UserTaskQuery(states=["open"], viewer=Viewer("ann"))) == (["t2"], 1)
    assert ids(store, UserTaskQuery(states=["completed"])) == (["t4"], 1)


def test_sorting_and_keyset_pages(store: Store) -> None:
    seed(store)
    by_priority = UserTaskQuery(sort="priority", descending=True, limit=2)
    assert ids(store, by_priority) == (["t5", "t2"], 5)
    assert ids(store, UserTaskQuery(sort="priority", descending=True, after="t2", limit=2)) == (
        ["t4", "t1"],
        5,
    )
    assert ids(store, UserTaskQuery(sort="priority", descending=True, after="t1")) == (["t3"], 5)
    assert ids(store, UserTaskQuery(sort="due_at")) == (["t1", "t5", "t3", "t2", "t4"], 5)
    assert ids(store, UserTaskQuery(sort="name"))[0] == ["t3", "t2", "t4", "t5", "t1"]
    assert ids(store, UserTaskQuery(descending=True, offset=1, limit=2))[0] == ["t4", "t3"]
    assert ids(store, UserTaskQuery(after="t5")) == ([], 5)


def test_update_an_open_task(store: Store) -> None:
    seed(store)
    changes = UserTaskChanges(
        due_at=at(99), follow_up_at=at(50), candidate_users=["zoe"], candidate_groups=[], priority=7
    )
    with store.transaction() as tx:
        assert tx.update_user_task("t1", changes) is True
        assert tx.update_user_task("nope", changes) is False
        tx.cancel_user_task("t3", now=T0)
        assert tx.update_user_task("t3", changes) is False
    with store.transaction(write=False) as tx:
        task = tx.get_user_task("t1")
    assert task is not None
    assert (task.due_at, task.follow_up_at, task.priority) == (at(99), at(50), 7)
    assert (task.candidate_users, task.candidate_groups) == (("zoe",), ())


def test_due_dates_holders_and_processes(store: Store) -> None:
    with store.transaction() as tx:
        loan, _ = tx.deploy_definition("loan", "<loan/>", now=T0)
        chores, _ = tx.deploy_definition("chores", "<chores/>", now=T0)
        for instance_id, definition in (("i-1", loan), ("i-2", chores)):
            tx.insert_instance(
                NewInstance(
                    id=instance_id,
                    definition_id=definition.id,
                    process_id=definition.process_id,
                    state={},
                ),
                now=T0,
            )
    seed(store)
    # due in 3600 s (t2), 60 s (t3), 7200 s (t4); t1 and t5 have no due date
    assert ids(store, UserTaskQuery(due_to=at(3600))) == (["t3"], 1)
    assert ids(store, UserTaskQuery(due_from=at(3600))) == (["t2", "t4"], 2)
    assert ids(store, UserTaskQuery(due_from=at(60), due_to=at(3601))) == (["t2", "t3"], 2)
    assert ids(store, UserTaskQuery(unassigned=True)) == (["t1", "t3", "t4"], 3)
    assert ids(store, UserTaskQuery(unassigned=False)) == (["t2", "t5"], 2)
    assert ids(store, UserTaskQuery(process_id="loan")) == (["t1", "t2", "t3"], 3)
    assert ids(store, UserTaskQuery(definition_id=chores.id)) == (["t4", "t5"], 2)
    assert ids(store, UserTaskQuery(process_id="none")) == ([], 0)
