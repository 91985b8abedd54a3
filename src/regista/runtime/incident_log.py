"""The operator's log of incidents: each committed incident once, at warning level, with its
instance and element, so a log shows what went wrong and where without a query."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from regista.store import NewIncident

__all__ = ["log_incidents"]

log = logging.getLogger("regista.runtime")


def log_incidents(incidents: Iterable[NewIncident]) -> None:
    """Log incidents a transaction committed (never before: a rolled-back one did not
    happen)."""
    for incident in incidents:
        log.warning(
            "incident %s in instance %s at %s: %s",
            incident.id,
            incident.instance_id,
            incident.element_id or "-",
            incident.message,
        )
