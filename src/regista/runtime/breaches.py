"""SLA breaches: what happens when an SLA timer (`regista.runtime.sla`) comes due, and the
instances at risk of a breach.

A breach is one unit of work on its instance: the timer row is taken (so it happens once,
whichever node fired it), an `sla_breached` event is appended to the instance's history
chain, a row is added to `sla_breaches` (what the API searches), and the alerts of its
kinds are queued in the alert outbox — all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from regista.runtime import alerts
from regista.runtime.sla import INSTANCE, TASK_DUE, deadline_of, is_sla_timer
from regista.runtime.unit_of_work import ENDED, UnitOfWork
from regista.store import NotFound, SlaBreach, Timer, Transaction

__all__ = ["AtRisk", "at_risk", "breach"]


def breach(uow: UnitOfWork, timer: Timer) -> bool:
    """Record the breach of a due SLA timer, unless it was cancelled or moved meanwhile;
    returns whether a breach was recorded."""
    tx = uow.tx
    try:
        loaded = uow.load(timer.instance_id)
    except NotFound:
        tx.take_timer(timer.id)
        return False
    current = tx.get_timer(timer.id)
    if current is None or current.due_at != timer.due_at:
        return False
    tx.take_timer(timer.id)
    if loaded.state.status in ENDED:
        return False
    deadline = deadline_of(timer.id)
    model = loaded.model
    found = SlaBreach(
        id=uow.ids(),
        instance_id=loaded.id,
        process_id=model.process_id,
        definition_id=model.definition_id,
        element_id=current.element_id,
        element_instance_id=deadline.element_instance_id,
        kind=deadline.kind,
        started_at=current.created_at,
        due_at=current.due_at,
        breached_at=uow.now,
    )
    tx.insert_sla_breach(found)
    target = (current.due_at - current.created_at).total_seconds()
    details = {
        "breach_id": found.id,
        "sla_kind": found.kind,
        "element_id": found.element_id,
        "element_instance_id": found.element_instance_id,
        "started_at": found.started_at.isoformat(),
        "due_at": found.due_at.isoformat(),
        "target_seconds": target,
    }
    uow.record(
        loaded,
        "sla_breached",
        command="SlaBreach",
        element_id=found.element_id,
        element_instance_id=None if found.kind == INSTANCE else found.element_instance_id,
        data={k: v for k, v in details.items() if k != "target_seconds"},
    )
    payload = {
        "instance_id": loaded.id,
        "process_id": found.process_id,
        "definition_id": found.definition_id,
        "business_key": loaded.state.business_key,
        **details,
    }
    alerts.enqueue(tx, uow.ids, uow.now, alerts.SLA_BREACH, payload)
    if found.kind == TASK_DUE:
        alerts.enqueue(tx, uow.ids, uow.now, alerts.TASK_OVERDUE, payload)
    return True


@dataclass(frozen=True, slots=True)
class AtRisk:
    """An open SLA deadline of which at least the asked share of its target is used."""

    instance_id: str
    element_id: str
    element_instance_id: str
    kind: str
    started_at: dt.datetime
    due_at: dt.datetime
    used: float
    """The share of the target used so far (0.8: 80 %)."""


def at_risk(
    tx: Transaction, now: dt.datetime, *, share: float = 0.8, limit: int = 100
) -> list[AtRisk]:
    """The open SLA deadlines not yet due of which `share` (0 < share <= 1) or more of the
    target is used, soonest due first. Walks the open deadlines in due order (the timers'
    index on the due time) until `limit` are found."""
    if not 0 < share <= 1:
        raise ValueError(f"the share {share} must be above 0 and at most 1 (0.8 is 80 %)")
    found: list[AtRisk] = []
    after: tuple[dt.datetime, str] = (now, "\uffff")
    page = max(limit, 100)
    while len(found) < limit:
        timers = tx.open_sla_timers(after=after, limit=page)
        for timer in timers:
            if not is_sla_timer(timer.id):
                continue
            span = (timer.due_at - timer.created_at).total_seconds()
            used = (now - timer.created_at).total_seconds() / span if span > 0 else 1.0
            if used >= share:
                deadline = deadline_of(timer.id)
                found.append(
                    AtRisk(
                        instance_id=timer.instance_id,
                        element_id=timer.element_id,
                        element_instance_id=deadline.element_instance_id,
                        kind=deadline.kind,
                        started_at=timer.created_at,
                        due_at=timer.due_at,
                        used=round(used, 4),
                    )
                )
                if len(found) == limit:
                    break
        if len(timers) < page:
            break
        after = (timers[-1].due_at, timers[-1].id)
    return found
