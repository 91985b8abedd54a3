"""Retention and renames in the in-memory tables: the twins of `retention.sql` and of the
renames in `queries.sql` (see `Transaction.prune` and `Transaction.redefine_instance`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Protocol, TypeVar

from regista.engine.state import ENDED
from regista.store.memory.tables import Journal, Tables
from regista.store.records import Incident, Job, Pruned, Subscription, Timer, UserTask

__all__ = ["prunable", "prune", "rename"]

_UNFINISHED_JOBS = ("ready", "claimed", "failed")


class _Owned(Protocol):
    @property
    def instance_id(self) -> str: ...


_O = TypeVar("_O", bound=_Owned)
_Row = TypeVar("_Row", Job, UserTask, Timer, Subscription, Incident)


def prunable(
    t: Tables,
    before: datetime,
    limit: int | None,
    after: tuple[datetime, str] | None = None,
) -> list[tuple[datetime, str]]:
    """The end times and ids of the instances a prune with this cutoff removes (after
    `after`), oldest end first."""
    busy = {j.instance_id for j in t.jobs.values() if j.status in _UNFINISHED_JOBS}
    busy |= {i.instance_id for i in t.incidents.values() if i.resolved_at is None}

    def recent(instance_id: str | None) -> bool:
        parent = None if instance_id is None else t.instances.get(instance_id)
        return parent is not None and (parent.ended_at is None or parent.ended_at >= before)

    found = sorted(
        (row.ended_at, row.id)
        for row in t.instances.values()
        if row.status in ENDED
        and row.ended_at is not None
        and row.ended_at < before
        and row.id not in busy
        and not recent(row.parent_instance_id)
        and (after is None or (row.ended_at, row.id) > after)
    )
    return found if limit is None else found[:limit]


def prune(
    journal: Journal, before: datetime, limit: int, after: tuple[datetime, str] | None = None
) -> Pruned:
    """Remove up to `limit` prunable instances with everything that belongs to them."""
    journal.check(write=True)
    if limit <= 0:
        return Pruned()
    t = journal.tables
    found = prunable(t, before, limit, after)
    ids = {instance_id for _, instance_id in found}
    if not ids:
        return Pruned()
    history = 0
    breaches = t.alerts.breaches
    for key in [key for key, row in breaches.items() if row.instance_id in ids]:
        journal.delete(breaches, key)
    for instance_id in ids:
        events = journal.delete(t.history, instance_id)
        history += len(events or [])
        journal.delete(t.states, instance_id)
        journal.delete(t.history_heads, instance_id)
        journal.delete(t.instances, instance_id)
    _drop(journal, t.variables, ids)
    doomed = [k for k, d in t.decision_instances.items() if d.instance_id in ids]
    for key in doomed:  # the decisions its business rule tasks evaluated
        journal.delete(t.decision_instances, key)
    return Pruned(
        instances=len(ids),
        history=history,
        jobs=_drop(journal, t.jobs, ids),
        timers=_drop(journal, t.timers, ids),
        user_tasks=_drop(journal, t.user_tasks, ids),
        subscriptions=_drop(journal, t.subscriptions, ids),
        incidents=_drop(journal, t.incidents, ids),
        last=found[-1],
    )


def _drop(journal: Journal, table: dict[str, _O], ids: set[str]) -> int:
    doomed = [key for key, row in table.items() if row.instance_id in ids]
    for key in doomed:
        journal.delete(table, key)
    return len(doomed)


def rename(
    journal: Journal, table: dict[str, _Row], instance_id: str, rows: Mapping[str, str]
) -> None:
    """Give the rows of `table` named in `rows` (id -> element id) their new element id."""
    for row_id, element_id in rows.items():
        row = table.get(row_id)
        if row is not None and row.instance_id == instance_id:
            journal.set(table, row_id, replace(row, element_id=element_id))
