"""The engine itself: `GET /version` and `GET /engine` (Regista has one engine, `default`),
which clients and the Modeler call to check the connection."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from regista.api.engine_rest.common import SignedIn

__all__ = ["COMPATIBLE_VERSION", "router"]

#: The Camunda 7 REST API version Regista answers as (the last community release's line).
COMPATIBLE_VERSION = "7.23.0"

router = APIRouter(tags=["Camunda 7: engine"])


class Version(BaseModel):
    version: str


class Engine(BaseModel):
    name: str


@router.get("/version", response_model=Version, summary="The Camunda 7 REST API version")
def version(principal: SignedIn) -> Version:
    return Version(version=COMPATIBLE_VERSION)


@router.get("/engine", response_model=list[Engine], summary="The engines (one: default)")
def engines(principal: SignedIn) -> list[Engine]:
    return [Engine(name="default")]
