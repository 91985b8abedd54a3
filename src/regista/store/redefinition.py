"""An instance moved to another definition version (process instance migration): its row
names the new definition, and what it waits for (jobs, user tasks, timers, subscriptions,
incidents) the new element ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Transaction

__all__ = ["redefine_instance"]

_RENAMES = (
    "job_rename",
    "user_task_rename",
    "timer_rename",
    "subscription_rename",
    "incident_rename",
)


def redefine_instance(
    tx: Transaction,
    instance_id: str,
    *,
    definition_id: str,
    process_id: str,
    rows: Mapping[str, str],
) -> None:
    """Point the instance at `definition_id` and give the rows of `rows` (job, user task,
    timer, subscription or incident id -> element id) their new element id."""
    sql = sql_access(tx, "redefinition.sql")
    if sql is not None:
        sql.change(
            "instance_redefine", id=instance_id, definition_id=definition_id, process_id=process_id
        )
        for row_id, element_id in sorted(rows.items()):
            for name in _RENAMES:  # ids are unique across the tables: one of them matches
                sql.change(name, id=instance_id, row_id=row_id, element_id=element_id)
        return
    mtx, tables = memory_tables(tx)
    row = tables.instances.get(instance_id)
    if row is not None:
        mtx._set(
            tables.instances,
            instance_id,
            replace(row, definition_id=definition_id, process_id=process_id),
        )
    for row_id, element_id in rows.items():
        job = tables.jobs.get(row_id)
        if job is not None and job.instance_id == instance_id:
            mtx._set(tables.jobs, row_id, replace(job, element_id=element_id))
        task = tables.user_tasks.get(row_id)
        if task is not None and task.instance_id == instance_id:
            mtx._set(tables.user_tasks, row_id, replace(task, element_id=element_id))
        timer = tables.timers.get(row_id)
        if timer is not None and timer.instance_id == instance_id:
            mtx._set(tables.timers, row_id, replace(timer, element_id=element_id))
        sub = tables.subscriptions.get(row_id)
        if sub is not None and sub.instance_id == instance_id:
            mtx._set(tables.subscriptions, row_id, replace(sub, element_id=element_id))
        incident = tables.incidents.get(row_id)
        if incident is not None and incident.instance_id == instance_id:
            mtx._set(tables.incidents, row_id, replace(incident, element_id=element_id))
