"""The outbox: effects on other instances, committed with the state that caused them.

A transaction that publishes a message, broadcasts a signal, ends a called instance or
cancels a call activity writes a job of an internal type (`regista:...`) instead of locking
the other instance. An engine node claims these jobs like any other and carries each out in
a transaction that also marks the job completed, so each happens exactly once even when a
node dies in between.

This module names the internal job types; the unit of work writes them
(`UnitOfWork.enqueue`) and `regista.runtime.delivery` carries them out.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "CANCEL_CHILD",
    "NOTIFY_PARENT",
    "PUBLISH",
    "RETRIES",
    "SIGNAL",
    "TYPES",
    "backoff",
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


def backoff(attempt: int) -> dt.timedelta:
    """Wait before retrying a failed outbox job: short, as these are database faults."""
    return dt.timedelta(seconds=min(0.1 * 2 ** max(attempt - 1, 0), 30.0))
