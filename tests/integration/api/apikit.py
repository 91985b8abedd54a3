"""Helpers of the API suite: the API served over real HTTP with an administrator, and the
models the tests run."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from regista.api import ServerOptions, create_app
from regista.api.identity import EnvironmentAdmin
from regista.api.v2.jobs import close_jobs
from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.node import Node
from serving import serve

ADMIN = {"Authorization": "Basic " + base64.b64encode(b"admin:pw").decode()}


@dataclass
class Served:
    """The API over real HTTP (`http`, as the administrator) and the client behind it."""

    client: Client
    http: httpx.Client
    url: str


@contextmanager
def served(database_url: str, *, node: bool = False) -> Iterator[Served]:
    """Serve the API over `database_url` (with an engine node in the process when `node`)."""
    client = Client(database_url)
    engine = Node(client.shell) if node else None
    app = create_app(
        client, ServerOptions(), authenticator=EnvironmentAdmin("admin", "pw"), node=engine
    )
    try:
        if engine is not None:
            engine.start()
        with serve(app) as url, httpx.Client(base_url=url, headers=ADMIN, timeout=60) as http:
            yield Served(client, http, url)
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
