"""Resolving an incident, one unit of work: what failed runs again. An incident of the
engine is resolved by the engine (`ResolveIncident`); one of the runtime (an outbox job out
of attempts, a corrupt state) is resolved here and its job gets its retries back."""

from __future__ import annotations

from regista.engine import ResolveIncident
from regista.runtime import outbox
from regista.runtime.errors import NotFoundError
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import CorruptState, NotFound

__all__ = ["resolve_incident"]


def resolve_incident(uow: UnitOfWork, incident_id: str) -> bool:
    """Resolve the incident `incident_id` in `uow`: False when it was resolved already
    (nothing done), `NotFoundError` when there is none."""
    incident = uow.tx.get_incident(incident_id)
    if incident is None:
        raise NotFoundError(f"there is no incident {incident_id!r}")
    if incident.resolved_at is not None:
        return False
    try:
        loaded = uow.load(incident.instance_id)
    except (NotFound, CorruptState):
        loaded = None
    if loaded is not None and any(i.id == incident_id for i in loaded.state.incidents):
        uow.apply(loaded, ResolveIncident(incident_id))
        return True
    # an incident of the runtime (an outbox job out of attempts, a corrupt state)
    uow.tx.resolve_incident(incident_id, now=uow.now)
    job = uow.tx.get_job(incident.job_id) if incident.job_id is not None else None
    if job is not None:
        retries = outbox.RETRIES if outbox.is_internal(job.type) else 3
        if uow.tx.retry_job(job.id, retries=retries, due_at=uow.now):
            uow.jobs_ready = True
    if loaded is not None:
        uow.record(
            loaded,
            "incident_resolved",
            command="ResolveIncident",
            element_id=incident.element_id,
            element_instance_id=incident.element_instance_id,
            data={"incident_id": incident_id},
        )
    return True
