"""`GET /metrics`: the node's Prometheus metrics (`regista.insight.metrics`).

Prometheus scrapers usually come without credentials, yet the metrics name the processes,
elements and job types a company runs. So the path asks for the operator role (or admin:
HTTP Basic or an API key, which Prometheus' `basic_auth` / `authorization` settings send)
unless the server runs with `--metrics-public` (`ServerOptions.metrics_public`), for a
scraper inside a trusted network; with `--auth none` everyone is an administrator anyway.
The path is left out of the OpenAPI document: it is Prometheus' text, not JSON.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from regista.api.context import require
from regista.insight.metrics import CONTENT_TYPE, Metrics

__all__ = ["PATH", "router"]

PATH = "/metrics"


def _answer(request: Request) -> Response:
    metrics: Metrics = request.app.state.metrics
    return Response(content=metrics.exposition(), media_type=CONTENT_TYPE)


def router(*, public: bool) -> APIRouter:
    """The route of `/metrics`: public, or for operators and administrators."""
    found = APIRouter(tags=["Metrics"])
    if public:

        @found.get(PATH, include_in_schema=False)
        def metrics_public(request: Request) -> Response:
            return _answer(request)

    else:

        @found.get(PATH, include_in_schema=False, dependencies=[Depends(require("operator"))])
        def metrics(request: Request) -> Response:
            return _answer(request)

    return found
