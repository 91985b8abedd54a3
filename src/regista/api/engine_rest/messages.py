"""Camunda 7's `POST /message` and `POST /signal`.

A message reaches the executions chosen by business key, process instance id and variable
values, or starts the processes with a message start event of its name
(`regista.runtime.correlation`); it is never kept for later. None matching — or more than
one without `all` — is a 400, as Camunda 7 answers; with `all` it reaches every matching
execution and starts every such process. `processVariablesLocal` are set with
the message's variables (Regista passes a message's variables to the instance).

A signal reaches every execution waiting for it and starts the processes with a signal
start event of its name; with `executionId`, only what waits in that execution (a process
instance or element instance id).
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from regista.api.engine_rest.common import Messenger
from regista.api.engine_rest.shapes import fault, instance_dto
from regista.api.engine_rest.variables import read_variables, typed_variables
from regista.api.problems import ApiError
from regista.api.v2.common import client_of
from regista.runtime.correlation import (
    Correlated,
    MismatchingCorrelation,
    Selection,
    correlate_selected,
)

__all__ = ["router"]

router = APIRouter(tags=["Camunda 7: messages and signals"])


class CorrelationMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messageName: str = Field(min_length=1)
    businessKey: str | None = None
    tenantId: str | None = None
    withoutTenantId: bool = False
    processInstanceId: str | None = None
    correlationKeys: dict[str, Any] | None = None
    localCorrelationKeys: dict[str, Any] | None = None
    processVariables: dict[str, Any] | None = None
    processVariablesLocal: dict[str, Any] | None = None
    processVariablesToTriggeredScope: dict[str, Any] | None = None
    all: bool = False
    resultEnabled: bool = False
    variablesInResultEnabled: bool = False


class ExecutionDto(BaseModel):
    id: str
    processInstanceId: str
    ended: bool
    tenantId: str | None = None


class CorrelationResult(BaseModel):
    resultType: Literal["Execution", "ProcessDefinition"]
    execution: ExecutionDto | None = None
    processInstance: dict[str, Any] | None = None
    variables: dict[str, dict[str, Any]] | None = None


def _result(request: Request, found: Correlated, with_variables: bool) -> dict[str, Any]:
    client = client_of(request)
    with client.store.transaction(write=False) as tx:
        row = tx.get_instance(found.instance_id)
    if row is None:  # pragma: no cover - it was correlated in this request
        raise ApiError(404, f"the process instance {found.instance_id!r} is gone")
    dto = instance_dto(request, row)
    result = CorrelationResult(
        resultType="ProcessDefinition" if found.started else "Execution",
        execution=None
        if found.started
        else ExecutionDto(id=row.id, processInstanceId=row.id, ended=dto.ended),
        processInstance=dto.model_dump() if found.started else None,
    )
    answer = result.model_dump(exclude={"variables"})
    if with_variables:
        answer["variables"] = typed_variables(client.instance(row.id).variables)
    return answer


@router.post(
    "/message",
    summary="Correlate a message (to waiting executions or message start events)",
    responses={
        200: {"description": "resultEnabled: what the message reached"},
        204: {"description": "Correlated"},
        400: {"description": "No execution or start event matches (or several, without all)"},
    },
)
def correlate(request: Request, body: CorrelationMessage, principal: Messenger) -> Any:
    variables = read_variables(body.processVariables, "processVariables")
    variables.update(read_variables(body.processVariablesLocal, "processVariablesLocal"))
    variables.update(
        read_variables(body.processVariablesToTriggeredScope, "processVariablesToTriggeredScope")
    )
    selection = Selection(
        name=body.messageName,
        business_key=body.businessKey,
        instance_id=body.processInstanceId,
        correlation_keys=read_variables(body.correlationKeys, "correlationKeys"),
        local_correlation_keys=read_variables(body.localCorrelationKeys, "localCorrelationKeys"),
        all=body.all,
    )
    try:
        reached = correlate_selected(
            client_of(request).shell, selection, variables, actor=principal.username
        )
    except MismatchingCorrelation as exc:
        return fault(
            400,
            "RestException",
            f"org.camunda.bpm.engine.MismatchingMessageCorrelationException: {exc}",
        )
    if not body.resultEnabled:
        return Response(status_code=204)
    return JSONResponse(
        [_result(request, found, body.variablesInResultEnabled) for found in reached]
    )


class SignalDto(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    executionId: str | None = None
    variables: dict[str, Any] | None = None
    tenantId: str | None = None
    withoutTenantId: bool = False


@router.post(
    "/signal",
    status_code=204,
    response_class=Response,
    summary="Throw a signal",
)
def signal(request: Request, body: SignalDto, principal: Messenger) -> Response:
    variables = read_variables(body.variables)
    client = client_of(request)
    if body.executionId is None:
        client.shell.signal(body.name, variables, actor=principal.username)
        return Response(status_code=204)
    with client.store.transaction(write=False) as tx:
        waiting = [
            s
            for s in tx.signal_subscriptions(body.name)
            if body.executionId in (s.instance_id, s.element_instance_id)
        ]
    if not waiting:
        raise ApiError(
            400,
            f"the execution {body.executionId!r} does not wait for the signal {body.name!r}",
            extra={"invalidParams": [{"name": "executionId", "reason": "not waiting"}]},
        )
    for subscription in waiting:
        client.shell.deliver(subscription.id, variables, actor=principal.username)
    return Response(status_code=204)
