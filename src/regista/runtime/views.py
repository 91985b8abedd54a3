"""What the client hands out: plain-Python snapshots of instances, tasks and incidents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from regista.engine import InstanceState, decode_value
from regista.feel.values import to_python
from regista.runtime.definitions import StoredModels
from regista.runtime.errors import NotFoundError
from regista.store import Incident, Instance, Transaction, UserTask

__all__ = [
    "IncidentInfo",
    "InstanceInfo",
    "TaskInfo",
    "incident_info",
    "instance_info",
    "read_instance",
    "task_info",
]


@dataclass(frozen=True, slots=True)
class IncidentInfo:
    """An incident: where it happened, why, and whether it was resolved."""

    id: str
    instance_id: str
    element_id: str | None
    job_id: str | None
    message: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    error_type: str = "UNKNOWN"
    """Its type as Camunda 8 names it (JOB_NO_RETRIES, UNHANDLED_ERROR_EVENT, ...)."""


@dataclass(frozen=True, slots=True)
class InstanceInfo:
    """A process instance: status, root variables (plain Python), the elements where
    tokens wait, those completed in order, and the version of the model it runs."""

    id: str
    process_id: str
    definition_id: str
    business_key: str | None
    status: str
    variables: dict[str, Any]
    active: list[str]
    passed: list[str]
    incidents: list[IncidentInfo]
    parent_id: str | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    version: int = 0
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TaskInfo:
    """A user task waiting for a person."""

    id: str
    instance_id: str
    element_id: str
    name: str | None
    assignee: str | None
    candidate_users: tuple[str, ...]
    candidate_groups: tuple[str, ...]
    due_at: dt.datetime | None
    follow_up_at: dt.datetime | None
    form_key: str | None
    status: str
    variables: dict[str, Any]
    created_at: dt.datetime
    priority: int = 50
    completed_at: dt.datetime | None = None
    completed_by: str | None = None


def incident_info(incident: Incident) -> IncidentInfo:
    return IncidentInfo(
        id=incident.id,
        instance_id=incident.instance_id,
        element_id=incident.element_id,
        job_id=incident.job_id,
        message=incident.message,
        created_at=incident.created_at,
        resolved_at=incident.resolved_at,
        error_type=incident.error_type,
    )


def instance_info(
    row: Instance,
    incidents: list[Incident],
    *,
    version: int = 0,
    children: list[str] | None = None,
) -> InstanceInfo:
    """A snapshot of an instance row (a corrupt state shows no variables or elements)."""
    try:
        state = InstanceState.from_json(row.state)
        variables = to_python(dict(state.variables()))
        active, passed = list(state.active_elements()), list(state.passed)
    except (KeyError, TypeError, ValueError, AttributeError):  # shown, not fatal: a corrupt row
        variables, active, passed = {}, [], []
    return InstanceInfo(
        id=row.id,
        process_id=row.process_id,
        definition_id=row.definition_id,
        business_key=row.business_key,
        status=row.status,
        variables=variables,
        active=active,
        passed=passed,
        incidents=[incident_info(i) for i in incidents],
        parent_id=row.parent_instance_id,
        started_at=row.started_at,
        ended_at=row.ended_at,
        version=version,
        children=list(children or []),
    )


def read_instance(tx: Transaction, models: StoredModels, instance_id: str) -> InstanceInfo:
    """A snapshot of the instance `instance_id` with its open incidents and children."""
    row = tx.get_instance(instance_id)
    if row is None:
        raise NotFoundError(f"there is no process instance {instance_id!r}")
    incidents = tx.list_open_incidents(instance_id=instance_id, limit=1000)
    children = [c.id for c in tx.list_instances(parent_instance_id=instance_id)]
    version = models.get(tx, row.definition_id).version
    return instance_info(row, incidents, version=version, children=children)


def task_info(task: UserTask) -> TaskInfo:
    return TaskInfo(
        id=task.id,
        instance_id=task.instance_id,
        element_id=task.element_id,
        name=task.name,
        assignee=task.assignee,
        candidate_users=task.candidate_users,
        candidate_groups=task.candidate_groups,
        due_at=task.due_at,
        follow_up_at=task.follow_up_at,
        form_key=task.form_key,
        status=task.status,
        variables=to_python(decode_value(task.variables)),
        created_at=task.created_at,
        priority=task.priority,
        completed_at=task.completed_at,
        completed_by=task.completed_by,
    )
