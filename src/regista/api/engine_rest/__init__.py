"""Camunda 7's REST API (`/engine-rest`), the subset that Camunda 7 clients, external-task
workers and the Modeler use, over the same shell as `/v2`.

Variables travel in Camunda 7's typed form (`variables.py`); errors are `{type, message}`
(`regista.api.problems`). Every path is also served under `/engine-rest/engine/default`,
as Camunda 7 serves its default engine.
"""

from __future__ import annotations

from fastapi import APIRouter

from regista.api.engine_rest import (
    decisions,
    definitions,
    deployments,
    engine,
    external_tasks,
    incidents,
    instances,
    jobs,
    messages,
    tasks,
    variable_instances,
)

__all__ = ["PREFIX", "router"]

PREFIX = "/engine-rest"

router = APIRouter()
for _resource in (
    engine,
    deployments,
    definitions,
    instances,
    messages,
    decisions,
    incidents,
    jobs,
    external_tasks,
    tasks,
    variable_instances,
):
    router.include_router(_resource.router)
