"""The JSON shapes Camunda 7 answers that several `/engine-rest` resources share: a process
definition, a process instance, `links`, and errors whose `type` names an exception other
than the one of their status (`ParseException`, `MismatchingMessageCorrelationException`).

Regista's definition row id is Camunda 7's process definition id, its process id the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.client import Client
from regista.engine import ENDED
from regista.runtime.definitions import is_process
from regista.store import Definition, Deployment, Instance, Transaction

__all__ = [
    "Link",
    "ProcessDefinitionDto",
    "ProcessInstanceDto",
    "definition_dto",
    "deployment_of",
    "fault",
    "instance_dto",
    "like",
    "link",
    "process_row",
    "running_row",
]


def fault(
    status: int, kind: str, message: str, extra: Mapping[str, Any] | None = None
) -> JSONResponse:
    """Camunda 7's `{type, message}` error with `kind` as its type."""
    return JSONResponse({"type": kind, "message": message, **(extra or {})}, status_code=status)


def like(pattern: str) -> re.Pattern[str]:
    """A SQL LIKE pattern (`%` any text, `_` one character) as a regular expression."""
    parts = ("." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


class Link(BaseModel):
    method: str
    href: str
    rel: str


def _base_of(request: Request) -> str:
    """The URL of the engine the request came through (`…/engine-rest` or
    `…/engine-rest/engine/default`), for `links`."""
    path = request.url.path
    for prefix in ("/engine-rest/engine/default", "/engine-rest"):
        at = path.find(prefix)
        if at >= 0:
            return str(request.base_url).rstrip("/") + path[: at + len(prefix)]
    return str(request.base_url).rstrip("/") + "/engine-rest"  # pragma: no cover


def link(request: Request, path: str, rel: str = "self", method: str = "GET") -> Link:
    return Link(method=method, href=_base_of(request) + path, rel=rel)


class ProcessDefinitionDto(BaseModel):
    id: str
    key: str
    category: str | None = None
    description: str | None = None
    name: str | None = None
    version: int
    resource: str | None = None
    deploymentId: str | None = None
    diagram: str | None = None
    suspended: bool = False
    tenantId: str | None = None
    versionTag: str | None = None
    historyTimeToLive: int | None = None
    startableInTasklist: bool = True


def deployment_of(deployments: list[Deployment]) -> dict[str, str]:
    """The deployment of each definition id: the one that created the version (else the
    first that named it)."""
    found: dict[str, str] = {}
    for deployment in deployments:  # oldest first
        for definition_id, created in deployment.definitions:
            if created:
                found[definition_id] = deployment.id
    for deployment in deployments:
        for definition_id, _created in deployment.definitions:
            found.setdefault(definition_id, deployment.id)
    return found


def definition_dto(
    client: Client, tx: Transaction, row: Definition, deployments: Mapping[str, str]
) -> ProcessDefinitionDto:
    process = client.shell.models.get(tx, row.id).definitions.processes.get(row.process_id)
    return ProcessDefinitionDto(
        id=row.id,
        key=row.process_id,
        name=process.name if process is not None else None,
        version=row.version,
        resource=row.resource_name,
        deploymentId=deployments.get(row.id),
    )


def process_row(tx: Transaction, definition_id: str) -> Definition:
    """The process definition `definition_id`, else a 404."""
    row = tx.get_definition(definition_id)
    if row is None or not is_process(row.process_id):
        raise ApiError(404, f"there is no process definition with the id {definition_id!r}")
    return row


class ProcessInstanceDto(BaseModel):
    id: str
    definitionId: str
    definitionKey: str
    businessKey: str | None = None
    caseInstanceId: str | None = None
    ended: bool
    suspended: bool = False
    tenantId: str | None = None
    links: list[Link]


def instance_dto(request: Request, row: Instance) -> ProcessInstanceDto:
    return ProcessInstanceDto(
        id=row.id,
        definitionId=row.definition_id,
        definitionKey=row.process_id,
        businessKey=row.business_key,
        ended=row.status in ENDED,
        links=[link(request, f"/process-instance/{row.id}")],
    )


def running_row(request: Request, instance_id: str) -> Instance:
    """The running process instance `instance_id`, else a 404 (Camunda 7's runtime API
    knows only running instances)."""
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.get_instance(instance_id)
    if row is None:
        raise ApiError(404, f"there is no process instance with the id {instance_id!r}")
    if row.status in ENDED:
        raise ApiError(
            404,
            f"the process instance {instance_id!r} has ended ({row.status}); Camunda 7's "
            "runtime API shows running instances only (its history is under /v2)",
        )
    return row
