"""Helpers of the job tests: the API served over real HTTP to a worker, and the model the
tests run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from fastapi import FastAPI

from apikit import Roles
from regista.api import ServerOptions, create_app
from regista.api.v2.jobs import close_jobs
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.node import Node
from serving import serve

WORKER = {"Authorization": "Bearer worker"}


@dataclass
class Served:
    """The API over real HTTP (`http`, as a caller with the worker role; credentials name
    the roles, see `apikit.Roles`) and the client behind it."""

    client: Client
    http: httpx.Client
    url: str
    app: FastAPI


@contextmanager
def served(database_url: str, *, node: bool = False) -> Iterator[Served]:
    """Serve the API over `database_url` (with an engine node in the process when `node`)."""
    client = Client(database_url)
    engine = Node(client.shell) if node else None
    app = create_app(client, ServerOptions(), authenticator=Roles(), node=engine)
    try:
        if engine is not None:
            engine.start()
        with serve(app) as url, httpx.Client(base_url=url, headers=WORKER, timeout=60) as http:
            yield Served(client, http, url, app)
    finally:
        close_jobs(app.state)
        if engine is not None:
            engine.stop()
        client.close()


def payment() -> ProcessBuilder:
    """charge (job type "charge"), with a boundary event catching the BPMN error DECLINED."""
    return (
        ProcessBuilder("payment")
        .start("start")
        .service_task("charge", type="charge")
        .end("paid")
        .boundary_event("declined", attached_to="charge", error="DECLINED")
        .end("refused")
    )
