"""The user task operations of the memory store, a part of `MemoryTransaction`: rows in
`Tables.user_tasks`, changed through the journal, and the tasklist's search."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from regista.store.errors import DuplicateKey
from regista.store.memory import tasklist
from regista.store.memory.tables import Journal, Tables, copy_json
from regista.store.params import NewUserTask
from regista.store.records import Outcome, UserTask
from regista.store.tasklist import UserTaskChanges, UserTaskQuery
from regista.store.values import utc, utc_opt

__all__ = ["MemoryUserTasks"]


class MemoryUserTasks:
    """User tasks of the memory store."""

    _j: Journal
    _t: Tables

    def insert_user_task(self, new: NewUserTask, *, now: datetime) -> None:
        self._j.check(write=True)
        if new.id in self._t.user_tasks:
            raise DuplicateKey(f"a row with the same key already exists (user task {new.id!r})")
        task = UserTask(
            id=new.id,
            instance_id=new.instance_id,
            element_id=new.element_id,
            element_instance_id=new.element_instance_id,
            name=new.name,
            assignee=new.assignee,
            candidate_users=tuple(new.candidate_users),
            candidate_groups=tuple(new.candidate_groups),
            due_at=utc_opt(new.due_at),
            follow_up_at=utc_opt(new.follow_up_at),
            form_key=new.form_key,
            status="open",
            variables=copy_json(new.variables, f"variables of user task {new.id!r}"),
            created_at=utc(now),
            completed_at=None,
            completed_by=None,
            priority=new.priority,
        )
        self._j.set(self._t.user_tasks, new.id, task)

    def get_user_task(self, task_id: str) -> UserTask | None:
        self._j.check()
        return self._t.user_tasks.get(task_id)

    def assign_user_task(self, task_id: str, assignee: str | None) -> bool:
        self._j.check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None or task.status != "open":
            return False
        self._j.set(self._t.user_tasks, task_id, replace(task, assignee=assignee))
        return True

    def complete_user_task(self, task_id: str, *, by: str | None, now: datetime) -> Outcome:
        self._j.check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None:
            return Outcome.MISSING
        if task.status == "completed":
            return Outcome.DUPLICATE
        if task.status != "open":
            return Outcome.STALE
        self._j.set(
            self._t.user_tasks,
            task_id,
            replace(task, status="completed", completed_at=utc(now), completed_by=by),
        )
        return Outcome.APPLIED

    def cancel_user_task(self, task_id: str, *, now: datetime) -> bool:
        self._j.check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None or task.status != "open":
            return False
        self._j.set(
            self._t.user_tasks, task_id, replace(task, status="cancelled", completed_at=utc(now))
        )
        return True

    def list_open_user_tasks(
        self,
        *,
        assignee: str | None = None,
        candidate_user: str | None = None,
        candidate_group: str | None = None,
        instance_id: str | None = None,
        limit: int = 100,
    ) -> list[UserTask]:
        self._j.check()
        found = [
            t
            for t in sorted(self._t.user_tasks.values(), key=lambda t: (t.created_at, t.id))
            if t.status == "open"
            and (assignee is None or t.assignee == assignee)
            and (candidate_user is None or candidate_user in t.candidate_users)
            and (candidate_group is None or candidate_group in t.candidate_groups)
            and (instance_id is None or t.instance_id == instance_id)
        ]
        return found[:limit]

    def search_user_tasks(self, query: UserTaskQuery) -> tuple[list[UserTask], int]:
        self._j.check()
        processes = (
            {i.id: (i.process_id, i.definition_id) for i in self._t.instances.values()}
            if query.process_id is not None or query.definition_id is not None
            else {}
        )
        return tasklist.search(self._t.user_tasks.values(), self._t.user_tasks, query, processes)

    def update_user_task(self, task_id: str, changes: UserTaskChanges) -> bool:
        self._j.check(write=True)
        task = self._t.user_tasks.get(task_id)
        if task is None or task.status != "open":
            return False
        updated = replace(
            task,
            due_at=utc_opt(changes.due_at),
            follow_up_at=utc_opt(changes.follow_up_at),
            candidate_users=tuple(changes.candidate_users),
            candidate_groups=tuple(changes.candidate_groups),
            priority=changes.priority,
        )
        self._j.set(self._t.user_tasks, task_id, updated)
        return True
