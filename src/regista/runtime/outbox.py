"""The outbox: effects on other instances, committed with the state that caused them.

A transaction that publishes a message, broadcasts a signal, ends a called instance or
cancels a call activity writes a job of an internal type (`regista:...`) instead of locking
the other instance. An engine node claims these jobs like any other and carries each out in
a transaction that also marks the job completed, so each happens exactly once even when a
node dies in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from regista.engine import Cancel, decode_value
from regista.runtime import messages
from regista.store import Job, NotFound

if TYPE_CHECKING:
    from regista.runtime.unit_of_work import Loaded, UnitOfWork

__all__ = [
    "CANCEL_CHILD",
    "NOTIFY_PARENT",
    "PUBLISH",
    "SIGNAL",
    "TYPES",
    "cancel_here",
    "carry_out",
    "enqueue",
    "is_internal",
]

PREFIX = "regista:"
PUBLISH = "regista:publish"
SIGNAL = "regista:signal"
NOTIFY_PARENT = "regista:notify-parent"
CANCEL_CHILD = "regista:cancel-child"
TYPES = (PUBLISH, SIGNAL, NOTIFY_PARENT, CANCEL_CHILD)

#: Attempts of an outbox job before it becomes an incident (a database fault, a bug).
RETRIES = 10


def is_internal(job_type: str) -> bool:
    """Whether jobs of this type are the runtime's own (not for workers)."""
    return job_type.startswith(PREFIX)


def enqueue(uow: UnitOfWork, loaded: Loaded, job_type: str, payload: Mapping[str, Any]) -> None:
    """Write an outbox job of `loaded` carried out after this transaction commits."""
    uow.insert_job(
        loaded,
        job_id=uow.ids(),
        element_id=loaded.state.process_id,
        element_instance_id=loaded.id,
        job_type=job_type,
        retries=RETRIES,
        variables=dict(payload),
    )


def carry_out(uow: UnitOfWork, job: Job) -> None:
    """Do what the outbox job asks (its row is already marked completed in `uow.tx`)."""
    payload = job.variables
    if job.type == PUBLISH:
        messages.publish(
            uow, payload["name"], payload.get("key"), decode_value(payload["variables"])
        )
    elif job.type == SIGNAL:
        messages.broadcast(uow, payload["name"], decode_value(payload["variables"]))
    elif job.type == NOTIFY_PARENT:
        _notify_parent(uow, payload)
    elif job.type == CANCEL_CHILD:
        _cancel_child(uow, payload)
    else:
        raise ValueError(f"unknown outbox job type {job.type!r}")


def _notify_parent(uow: UnitOfWork, payload: Mapping[str, Any]) -> None:
    from regista.runtime.unit_of_work import ENDED, parent_command

    try:
        parent = uow.load(payload["parent"])
    except NotFound:
        return
    if parent.state.status in ENDED:
        return
    command = parent_command(
        payload["outcome"],
        payload["element_instance_id"],
        decode_value(payload["variables"]),
        payload.get("code"),
        payload.get("message") or "",
    )
    uow.apply(parent, command, strict=False)


def _cancel_child(uow: UnitOfWork, payload: Mapping[str, Any]) -> None:
    from regista.runtime.unit_of_work import child_key

    row = uow.tx.find_instance_by_idempotency_key(child_key(payload["element_instance_id"]))
    if row is None:
        return
    try:
        child = uow.load(row.id)
    except NotFound:
        return
    cancel_here(uow, child)


def cancel_here(uow: UnitOfWork, child: Loaded) -> None:
    """Cancel a called instance whose call activity was terminated."""
    from regista.runtime.unit_of_work import ENDED

    if child.state.status in ENDED:
        return
    # the parent no longer waits: the child's end must not be reported to it
    uow.apply(child, Cancel("the calling activity ended"), strict=False)


def backoff(attempt: int) -> dt.timedelta:
    """Wait before retrying a failed outbox job: short, as these are database faults."""
    return dt.timedelta(seconds=min(0.1 * 2 ** max(attempt - 1, 0), 30.0))
