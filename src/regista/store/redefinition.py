"""An instance moved to another definition version (process instance migration): its row
names the new definition, and what it waits for (jobs, user tasks, timers, subscriptions,
incidents) the new element ids."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeVar

from regista.store.addon import memory_tables, sql_access
from regista.store.interface import Transaction
from regista.store.memory.transaction import MemoryTransaction
from regista.store.records import Incident, Job, Subscription, Timer, UserTask

__all__ = ["redefine_instance"]

_Row = TypeVar("_Row", Job, UserTask, Timer, Subscription, Incident)

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
    _rename(mtx, tables.jobs, instance_id, rows)
    _rename(mtx, tables.user_tasks, instance_id, rows)
    _rename(mtx, tables.timers, instance_id, rows)
    _rename(mtx, tables.subscriptions, instance_id, rows)
    _rename(mtx, tables.incidents, instance_id, rows)


def _rename(
    mtx: MemoryTransaction, table: dict[str, _Row], instance_id: str, rows: Mapping[str, str]
) -> None:
    for row_id, element_id in rows.items():
        row = table.get(row_id)
        if row is not None and row.instance_id == instance_id:
            mtx._set(table, row_id, replace(row, element_id=element_id))
