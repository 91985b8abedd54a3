"""Carrying out the outbox jobs (`regista.runtime.outbox`): a message published, a signal
broadcast, a parent told that its called instance ended, a called instance cancelled.

Each runs in the transaction that marks its job completed, so it happens exactly once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regista.engine import decode_value
from regista.runtime import messages
from regista.runtime.outbox import CANCEL_CHILD, NOTIFY_PARENT, PUBLISH, SIGNAL
from regista.runtime.unit_of_work import ENDED, UnitOfWork, child_key, parent_command
from regista.store import Job, NotFound

__all__ = ["carry_out"]


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
    row = uow.tx.find_instance_by_idempotency_key(child_key(payload["element_instance_id"]))
    if row is None:
        return
    try:
        child = uow.load(row.id)
    except NotFound:
        return
    uow.cancel_called(child)
