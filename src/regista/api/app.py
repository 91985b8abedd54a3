"""The FastAPI application: the routers, problem details, and the edge in front (the body
limit, CORS, the hot lane).

    >>> client = Client("sqlite:///regista.db")                    # doctest: +SKIP
    >>> app = create_app(client, ServerOptions(auth="none"))        # doctest: +SKIP

Endpoints are plain functions, which FastAPI runs in its thread pool: each calls the
shell (one unit of work per request), which is thread-safe.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.types import ASGIApp, Receive, Scope, Send

from regista.api import engine_rest, health, inbound, metrics, oauth
from regista.api.authenticator import StoredAuthenticator
from regista.api.context import Authenticator, OpenDoor, Services
from regista.api.edge import Edge
from regista.api.identity import Directory
from regista.api.lane import HotLane
from regista.api.options import ServerOptions
from regista.api.problems import document_problems, install_problem_handlers
from regista.api.v2 import (
    apikeys,
    cluster,
    decision_instances,
    definitions,
    deployments,
    forms,
    groups,
    history,
    incidents,
    instances,
    jobs,
    messages,
    requirements,
    roles,
    sla,
    statistics,
    user_tasks,
    users,
    validation,
    variables,
)
from regista.api.v2 import insight as insight_api
from regista.client import Client
from regista.connectors import Secrets
from regista.insight.metrics import Metrics
from regista.runtime.node import Node
from regista.settings import Settings
from regista.version import __version__

__all__ = ["HOT_ROUTERS", "Api", "create_app"]

DESCRIPTION = """\
Regista's REST API. Under `/v2` it speaks the shape of Camunda 8's Orchestration Cluster
REST API (same paths, field names and semantics where Regista has the concept), so
existing Camunda clients and workers work unchanged. Errors are RFC 9457 problem details.
Under `/engine-rest` it speaks the subset of Camunda 7's REST API that Camunda 7 clients,
external-task workers and the Modeler use (typed variables, `{type, message}` errors).
"""


#: How callers authenticate (the document's `securitySchemes`): HTTP Basic (a user), a bearer
#: API key, or an access token of the OAuth token endpoint (client credentials).
SECURITY_SCHEMES: dict[str, Any] = {
    "basic": {"type": "http", "scheme": "basic", "description": "A user's name and password"},
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (rgk_...) or an access token of POST /oauth/token",
    },
    "oauth": {
        "type": "oauth2",
        "description": "Client credentials: an API key (client id rgk_<id>) or a user",
        "flows": {"clientCredentials": {"tokenUrl": oauth.PREFIX + "/token", "scopes": {}}},
    },
}

#: The routers of the hot paths, included first (see `create_app`).
HOT_ROUTERS = (instances.router, jobs.router)

#: Operations anyone may call: orchestrators' probes, the Modeler's connection check, the
#: token endpoint (it checks the credentials it is sent) and inbound webhooks (their models'
#: own verification). `tests/unit/api/test_permissions.py` holds the app to this list.
PUBLIC_PATHS = ("/health", "/ready", "/v2/topology", oauth.PREFIX + "/token", "/inbound/")


def _secured(document: dict[str, Any]) -> dict[str, Any]:
    """`document` with the security schemes, required everywhere but on public paths."""
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = [{"basic": []}, {"bearer": []}, {"oauth": []}]
    for path, item in document.get("paths", {}).items():
        if path in PUBLIC_PATHS or path.startswith("/inbound/"):
            for operation in item.values():
                if isinstance(operation, dict):
                    operation["security"] = []
    return document


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document, generated once, declaring the problems the API answers and
    how callers authenticate."""
    if app.openapi_schema is None:
        app.openapi_schema = _secured(
            document_problems(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                ),
                own={oauth.PREFIX: (oauth.OAUTH_ERROR_SCHEMA, (400, 401))},
            )
        )
    return app.openapi_schema


class Api(FastAPI):
    """The FastAPI application behind Regista's edge (`api/edge.py`): an HTTP request
    meets the body limit, CORS and the last resort for errors once, then the hot lane
    (`api/lane.py`) or FastAPI's own stack. Other scopes (lifespan) go to FastAPI."""

    edge: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.edge is not None and scope["type"] == "http":
            await self.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def _stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        """FastAPI's own handling of a request (its middleware stack, router, routes)."""
        await super().__call__(scope, receive, send)


def create_app(
    client: Client,
    options: ServerOptions | None = None,
    *,
    authenticator: Authenticator | None = None,
    node: Node | None = None,
    secrets: Secrets | None = None,
    node_metrics: Metrics | None = None,
    insight: Settings | None = None,
) -> Api:
    """The API over `client`'s database; `node` is this process's engine node, if any;
    `secrets` are what inbound webhooks' properties may name; `node_metrics` what
    `/metrics` answers (None: metrics of its own, observing `client`'s shell unless
    something else does); `insight` the settings naming the database process intelligence
    reads (`/v2/insight`; None: not served)."""
    options = options or ServerOptions()
    if authenticator is None:
        if options.auth != "none":
            raise ValueError("an authenticator is needed unless auth is 'none'")
        authenticator = OpenDoor()
    app = Api(
        title="Regista",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.services = Services(
        client=client, options=options, authenticator=authenticator, node=node
    )
    # the authenticator's directory, so that a change made here drops its cached credentials
    app.state.directory = (
        authenticator.directory
        if isinstance(authenticator, StoredAuthenticator)
        else Directory(client.store)
    )
    app.state.secrets = secrets or Secrets()
    if node_metrics is None:
        node_metrics = Metrics(client.store, clock=client.shell.now)
        if client.shell.observer is None:
            node_metrics.observe(client.shell)
    app.state.metrics = node_metrics
    app.state.insight = insight
    install_problem_handlers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # The router tries its routes in order, so every request pays for the routes before
    # its own: the hot paths (starts, job activation and reports) come first. No path of
    # theirs is one that a router included later would answer (`HOT_ROUTERS`, checked by
    # tests/unit/api/test_route_order.py), so the order changes no answer.
    for hot in HOT_ROUTERS:
        app.include_router(hot)
    app.include_router(health.router)
    app.include_router(metrics.router(public=options.metrics_public))
    app.include_router(oauth.router)
    app.include_router(cluster.router)
    for identity in (users, groups, roles, apikeys):
        app.include_router(identity.router)
    for resource in (
        deployments,
        statistics,  # before definitions: /process-definitions/statistics/...
        validation,
        definitions,
        requirements,
        decision_instances,
        forms,
        history,
        variables,
        incidents,
        messages,
        sla,
    ):
        app.include_router(resource.router)
    app.include_router(user_tasks.router)
    app.include_router(insight_api.router)
    app.include_router(inbound.router)
    app.include_router(engine_rest.router, prefix=engine_rest.PREFIX)
    # Camunda 7 also serves its default engine by name; one description in the document
    app.include_router(
        engine_rest.router, prefix=engine_rest.PREFIX + "/engine/default", include_in_schema=False
    )
    inner: ASGIApp = app._stack
    if options.hot_lane:
        inner = HotLane(app, inner)
    app.edge = Edge(inner, options)
    return app
