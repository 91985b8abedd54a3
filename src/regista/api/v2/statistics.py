"""Statistics in Camunda 8.8/8.9's shapes: instances per process (and per version of one
process), and element instances per element of a definition or of one instance, which
Operate-like cockpits draw on a diagram.

The counts come from the store's GROUP BY statements (`Transaction.count_instances_by_
definition`, `count_elements`), never from a walk over the instances; element counts over
every instance (no state filter) are the store's running totals. Regista adds, as
documented extra fields, the completed and terminated instances beside Camunda's active
ones, and the latest version's key and number.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from regista.api.problems import ApiError
from regista.api.v2.common import TENANT, Reader, client_of, no_such
from regista.api.v2.filters import values
from regista.api.v2.history import element_instances
from regista.api.v2.instances import STATES
from regista.api.v2.search import (
    Model,
    Page,
    SearchResult,
    SortField,
    check_sort,
    page_of,
    sort_items,
)
from regista.client import Client
from regista.runtime.definitions import is_process
from regista.store import Definition, InstanceCount

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Process definitions", "Process instances"])

_EVERY = sorted({s for group in STATES.values() for s in group})


class _Counts:
    """Instance counts of one definition (or a process's definitions), by Camunda state."""

    def __init__(self) -> None:
        self.active = 0
        self.incident = 0
        self.completed = 0
        self.terminated = 0

    def add(self, count: InstanceCount) -> None:
        if count.status == "incident":
            self.incident += count.count
        elif count.status == "active":
            self.active += count.count
        elif count.status == "completed":
            self.completed += count.count
        else:  # terminated, cancelled
            self.terminated += count.count

    def fields(self) -> dict[str, int]:
        return {
            "activeInstancesWithoutIncidentCount": self.active,
            "activeInstancesWithIncidentCount": self.incident,
            "completedInstancesCount": self.completed,
            "terminatedInstancesCount": self.terminated,
        }


_COMPLETED = Field(description="Regista: the completed instances (kept by retention)")
_TERMINATED = Field(description="Regista: the terminated and cancelled instances")


class ProcessInstanceStatistics(BaseModel):
    processDefinitionId: str
    tenantId: str = TENANT
    latestProcessDefinitionName: str | None = None
    hasMultipleVersions: bool
    activeInstancesWithoutIncidentCount: int
    activeInstancesWithIncidentCount: int
    completedInstancesCount: int = _COMPLETED
    terminatedInstancesCount: int = _TERMINATED
    latestProcessDefinitionKey: str = Field(description="Regista: the latest version's key")
    latestProcessDefinitionVersion: int = Field(description="Regista: the latest version")


class ProcessInstanceStatisticsFilter(Model):
    processDefinitionId: Any = Field(default=None, description="A value, or $eq / $in")
    tenantId: Any = None


class ProcessInstanceStatisticsQuery(Model):
    filter: ProcessInstanceStatisticsFilter = Field(default_factory=ProcessInstanceStatisticsFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


_BY_PROCESS_SORT = (
    "processDefinitionId",
    "latestProcessDefinitionName",
    "activeInstancesWithoutIncidentCount",
    "activeInstancesWithIncidentCount",
    "completedInstancesCount",
    "terminatedInstancesCount",
)


def _name(client: Client, row: Definition) -> str | None:
    with client.store.transaction(write=False) as tx:
        model = client.shell.models.get(tx, row.id)
    process = model.definitions.processes.get(row.process_id)
    return process.name if process is not None else None


def _by_process(client: Client, wanted: list[str] | None) -> list[ProcessInstanceStatistics]:
    with client.store.transaction(write=False) as tx:
        rows = [r for r in tx.list_definitions() if is_process(r.process_id)]
        if wanted is not None:
            rows = [r for r in rows if r.process_id in wanted]
        counts = tx.count_instances_by_definition([r.id for r in rows])
    process_of = {r.id: r.process_id for r in rows}
    totals: dict[str, _Counts] = {}
    for count in counts:
        totals.setdefault(process_of[count.definition_id], _Counts()).add(count)
    latest: dict[str, Definition] = {}
    versions = Counter(r.process_id for r in rows)
    for row in rows:
        if row.process_id not in latest or row.version > latest[row.process_id].version:
            latest[row.process_id] = row
    return [
        ProcessInstanceStatistics.model_validate(
            {
                "processDefinitionId": process_id,
                "latestProcessDefinitionName": _name(client, row),
                "hasMultipleVersions": versions[process_id] > 1,
                "latestProcessDefinitionKey": row.id,
                "latestProcessDefinitionVersion": row.version,
                **totals.get(process_id, _Counts()).fields(),
            }
        )
        for process_id, row in sorted(latest.items())
    ]


@router.post(
    "/process-definitions/statistics/process-instances",
    response_model=SearchResult[ProcessInstanceStatistics],
    summary="Instance counts per process, all versions together",
    description="Camunda's active instances with and without incidents per process "
    "definition id; Regista adds the completed and terminated ones and the latest version.",
)
async def process_instance_statistics(
    request: Request, body: ProcessInstanceStatisticsQuery, principal: Reader
) -> SearchResult[ProcessInstanceStatistics]:
    check_sort(body.sort, _BY_PROCESS_SORT)
    wanted = values(body.filter.processDefinitionId, "processDefinitionId")
    tenants = values(body.filter.tenantId, "tenantId")
    items: list[ProcessInstanceStatistics] = []
    if tenants is None or TENANT in tenants:
        items = await run_in_threadpool(_by_process, client_of(request), wanted)
    items = sort_items(items, body.sort, "processDefinitionId")
    chosen, info = page_of(items, body.page, lambda i: [i.processDefinitionId])
    return SearchResult[ProcessInstanceStatistics](items=chosen, page=info)


class VersionStatistics(BaseModel):
    processDefinitionId: str
    processDefinitionKey: str
    processDefinitionName: str | None = None
    processDefinitionVersion: int
    tenantId: str = TENANT
    activeInstancesWithoutIncidentCount: int
    activeInstancesWithIncidentCount: int
    completedInstancesCount: int = _COMPLETED
    terminatedInstancesCount: int = _TERMINATED


class VersionStatisticsFilter(Model):
    processDefinitionId: str | None = Field(default=None, description="Needed: the process")
    tenantId: Any = None


class VersionStatisticsQuery(Model):
    filter: VersionStatisticsFilter = Field(default_factory=VersionStatisticsFilter)
    sort: list[SortField] = Field(default_factory=list)
    page: Page | None = None


_BY_VERSION_SORT = (
    "processDefinitionKey",
    "processDefinitionVersion",
    "processDefinitionName",
    "activeInstancesWithoutIncidentCount",
    "activeInstancesWithIncidentCount",
    "completedInstancesCount",
    "terminatedInstancesCount",
)


def _by_version(client: Client, process_id: str) -> list[VersionStatistics]:
    with client.store.transaction(write=False) as tx:
        rows = tx.list_definitions(process_id)
        counts = tx.count_instances_by_definition([r.id for r in rows])
    totals: dict[str, _Counts] = {}
    for count in counts:
        totals.setdefault(count.definition_id, _Counts()).add(count)
    return [
        VersionStatistics.model_validate(
            {
                "processDefinitionId": row.process_id,
                "processDefinitionKey": row.id,
                "processDefinitionName": _name(client, row),
                "processDefinitionVersion": row.version,
                **totals.get(row.id, _Counts()).fields(),
            }
        )
        for row in sorted(rows, key=lambda r: r.version)
    ]


@router.post(
    "/process-definitions/statistics/process-instances-by-version",
    response_model=SearchResult[VersionStatistics],
    summary="Instance counts per version of one process",
    description="filter.processDefinitionId is needed. Regista adds the completed and "
    "terminated instances.",
)
async def version_statistics(
    request: Request, body: VersionStatisticsQuery, principal: Reader
) -> SearchResult[VersionStatistics]:
    check_sort(body.sort, _BY_VERSION_SORT)
    process_id = body.filter.processDefinitionId
    if not process_id:
        raise ApiError(
            400,
            "filter.processDefinitionId is needed: the counts are of the versions of one process",
            extra={"invalidParams": [{"name": "filter.processDefinitionId", "reason": "missing"}]},
        )
    tenants = values(body.filter.tenantId, "tenantId")
    items: list[VersionStatistics] = []
    if tenants is None or TENANT in tenants:
        items = await run_in_threadpool(_by_version, client_of(request), process_id)
    items = sort_items(items, body.sort, "processDefinitionVersion")
    chosen, info = page_of(items, body.page, lambda i: [i.processDefinitionKey])
    return SearchResult[VersionStatistics](items=chosen, page=info)


# -- element instances ----------------------------------------------------------------------


class ElementStatistics(BaseModel):
    elementId: str
    active: int
    canceled: int
    incidents: int
    completed: int


class ElementStatisticsResult(BaseModel):
    items: list[ElementStatistics]


class ElementStatisticsQuery(Model):
    filter: dict[str, Any] = Field(
        default_factory=dict,
        description="Of the process instances counted: state (ACTIVE, COMPLETED, "
        "TERMINATED; or $eq / $in) and hasIncident; and elementId (a value, $eq or $in)",
    )


_SUPPORTED = ("state", "hasIncident", "elementId", "tenantId")


def _statuses(raw: dict[str, Any]) -> list[str]:
    unknown = sorted(k for k, v in raw.items() if k not in _SUPPORTED and v is not None)
    if unknown:
        raise ApiError(
            400,
            f"filter.{unknown[0]}: Regista counts element instances by the instances' state "
            f"and hasIncident and by elementId; remove {', '.join(unknown)}",
            extra={
                "invalidParams": [
                    {"name": f"filter.{k}", "reason": "not supported here"} for k in unknown
                ]
            },
        )
    chosen = set(_EVERY)
    states = values(raw.get("state"), "state")
    if states is not None:
        picked: set[str] = set()
        for state in states:
            if state.upper() not in STATES:
                raise ApiError(
                    400,
                    f"filter.state: {state!r} is not a state; use ACTIVE, COMPLETED or TERMINATED",
                    extra={"invalidParams": [{"name": "filter.state", "reason": "unknown"}]},
                )
            picked.update(STATES[state.upper()])
        chosen &= picked
    incident = raw.get("hasIncident")
    if incident is not None:
        if not isinstance(incident, bool):
            raise ApiError(
                400,
                "filter.hasIncident: give true or false",
                extra={"invalidParams": [{"name": "filter.hasIncident", "reason": "a boolean"}]},
            )
        chosen &= {"incident"} if incident else set(_EVERY) - {"incident"}
    return sorted(chosen)


def _definition_elements(client: Client, key: str, statuses: list[str]) -> list[ElementStatistics]:
    with client.store.transaction(write=False) as tx:
        row = tx.get_definition(key)
        if row is None or not is_process(row.process_id):
            raise no_such("process definition", key)
        counts = tx.count_elements(key, statuses)
    return [
        ElementStatistics(
            elementId=c.element_id,
            active=c.active,
            canceled=c.terminated,
            incidents=c.incidents,
            completed=c.completed,
        )
        for c in counts
    ]


@router.post(
    "/process-definitions/{processDefinitionKey}/statistics/element-instances",
    response_model=ElementStatisticsResult,
    summary="Element instance counts per element of a process definition",
    description="Over the definition's instances whose history is kept: per element, its "
    "active, completed and canceled element instances and its open incidents.",
)
async def definition_element_statistics(
    request: Request,
    processDefinitionKey: str,
    principal: Reader,
    body: ElementStatisticsQuery | None = None,
) -> ElementStatisticsResult:
    raw = (body or ElementStatisticsQuery()).filter
    statuses = _statuses(raw)
    elements = values(raw.get("elementId"), "elementId")
    items = await run_in_threadpool(
        _definition_elements, client_of(request), processDefinitionKey, statuses
    )
    if elements is not None:
        items = [i for i in items if i.elementId in elements]
    return ElementStatisticsResult(items=items)


def _instance_elements(client: Client, key: str) -> list[ElementStatistics]:
    found: dict[str, dict[str, int]] = {}
    for item in element_instances(client, key):
        if item.type == "PROCESS":  # the instance itself, not one of its elements
            continue
        counts = found.setdefault(
            item.elementId, {"active": 0, "canceled": 0, "incidents": 0, "completed": 0}
        )
        if item.state == "ACTIVE":
            counts["active"] += 1
        elif item.state == "COMPLETED":
            counts["completed"] += 1
        else:
            counts["canceled"] += 1
        if item.hasIncident:
            counts["incidents"] += 1
    return [ElementStatistics(elementId=e, **c) for e, c in sorted(found.items())]


@router.get(
    "/process-instances/{processInstanceKey}/statistics/element-instances",
    response_model=ElementStatisticsResult,
    summary="Element instance counts per element of one process instance",
)
async def instance_element_statistics(
    request: Request, processInstanceKey: str, principal: Reader
) -> ElementStatisticsResult:
    items = await run_in_threadpool(_instance_elements, client_of(request), processInstanceKey)
    return ElementStatisticsResult(items=items)
