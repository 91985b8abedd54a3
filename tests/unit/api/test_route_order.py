"""The hot routers come first (`regista.api.app.HOT_ROUTERS`): that is safe only while no
path of theirs is also a path of another router, which these tests hold to."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from regista.api import ServerOptions, create_app
from regista.api.app import HOT_ROUTERS
from regista.client import Client
from regista.store.memory import MemoryStore


@pytest.fixture
def client() -> Iterator[Client]:
    store = MemoryStore()
    with Client(store) as runtime_client:
        yield runtime_client
    store.close()


def _sample(path: str) -> str:
    """A request path that the route `path` answers: each parameter a plain value."""
    return re.sub(r"\{[^}]+\}", "x1", path)


def overlap(a: str, b: str) -> bool:
    """Whether some request path could be answered by both route paths `a` and `b`."""
    regex_a, _, _ = compile_path(a)
    regex_b, _, _ = compile_path(b)
    return bool(regex_a.match(_sample(b)) or regex_b.match(_sample(a)))


def test_overlap_finds_a_literal_path_under_a_parameter() -> None:
    assert overlap("/v2/process-instances/{key}", "/v2/process-instances/statistics")
    assert overlap("/v2/jobs/activation", "/v2/jobs/{jobKey}")
    assert not overlap("/v2/jobs/{jobKey}/completion", "/v2/jobs/{jobKey}")
    assert not overlap("/v2/process-instances", "/v2/process-definitions")


def test_no_path_of_a_hot_router_is_a_path_of_another_router(client: Client) -> None:
    app = create_app(client, ServerOptions(auth="none"))
    hot = [
        route.path
        for router in HOT_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
    ]
    assert "/v2/process-instances" in hot and "/v2/jobs/{jobKey}/completion" in hot
    others = [path for path in app.openapi()["paths"] if path not in hot]
    assert "/v2/process-definitions/search" in others  # the document lists every router
    clashes = [(h, o) for h in hot for o in others if overlap(h, o)]
    assert clashes == [], (
        "a route of a hot router (first in the routing order) shares a path with a route "
        f"of another router, so moving it first would change which answers: {clashes}; "
        "give the routes distinct paths or take the router out of HOT_ROUTERS"
    )
