"""The cluster: `GET /v2/topology` (which the Camunda Modeler reads to check a
connection), `GET /v2/status` and `GET /v2/authentication/me`."""

from __future__ import annotations

import socket
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field

from regista.api.context import Principal, caller, services
from regista.store import StoreError
from regista.version import __version__

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Cluster"])


class Partition(BaseModel):
    partitionId: int
    role: str = "leader"
    health: str = "healthy"
    state: str = "active"


class Broker(BaseModel):
    nodeId: int
    brokerId: int = Field(default=0, description="The same as nodeId (its newer name)")
    host: str
    port: int
    partitions: list[Partition]
    version: str


class Topology(BaseModel):
    """The cluster as Camunda 8 describes it: Regista is one "broker" with one partition
    per engine, whatever the number of engine nodes sharing the database."""

    brokers: list[Broker]
    clusterId: str | None = None
    clusterSize: int
    partitionsCount: int
    replicationFactor: int
    gatewayVersion: str = Field(examples=["8.8.0"])
    lastCompletedChangeId: str = "-1"


@router.get("/topology", response_model=Topology, summary="The cluster topology")
def topology(request: Request) -> Topology:
    options = services(request).options
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    broker = Broker(
        nodeId=0,
        host=request.url.hostname or socket.gethostname(),
        port=port,
        partitions=[Partition(partitionId=1)],
        version=options.gateway_version,
    )
    return Topology(
        brokers=[broker],
        clusterSize=1,
        partitionsCount=1,
        replicationFactor=1,
        gatewayVersion=options.gateway_version,
    )


@router.get(
    "/status",
    status_code=204,
    summary="Whether the cluster can serve (204) or not (503)",
    responses={503: {"description": "The database does not answer"}},
)
def status(request: Request, _: Annotated[Principal, Depends(caller)]) -> Response:
    try:
        with services(request).client.store.transaction(write=False) as tx:
            tx.get_definition("")
    except StoreError:
        return Response(status_code=503)
    return Response(status_code=204)


class CurrentUser(BaseModel):
    username: str
    displayName: str | None = None
    email: str | None = None
    authorizedComponents: list[str]
    tenants: list[dict[str, Any]] = []
    groups: list[str]
    roles: list[str]
    salesPlanType: str | None = None
    c8Links: dict[str, str] = {}
    canLogout: bool = False
    regista: str = __version__


@router.get("/authentication/me", response_model=CurrentUser, summary="The authenticated user")
def me(principal: Annotated[Principal, Depends(caller)]) -> CurrentUser:
    return CurrentUser(
        username=principal.username,
        displayName=principal.display_name or principal.username,
        email=principal.email,
        authorizedComponents=["*"] if principal.has("admin") else ["tasklist", "operate"],
        groups=sorted(principal.groups),
        roles=sorted(principal.roles),
    )
