"""Helpers of the API suites: an application over a client served on real HTTP, callers
with chosen roles, and the models the tests deploy (as the files a client uploads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from regista.api import ServerOptions, create_app
from regista.api.context import Principal
from regista.bpmn import ProcessBuilder, to_xml
from regista.client import Client
from serving import serve

__all__ = [
    "DMN",
    "FORM",
    "Roles",
    "api",
    "as_role",
    "bpmn",
    "files",
    "gateway",
    "order",
    "quick",
    "review",
]

DMN = (Path(__file__).parent / "acceptance/scenarios/models/discount.dmn").read_bytes()

FORM = b"""{
  "id": "review-form",
  "type": "default",
  "schemaVersion": 16,
  "components": [{"key": "approved", "label": "Approved", "type": "checkbox"}]
}"""


class Roles:
    """Credentials name the roles: `Bearer operator,modeler` is a caller with both."""

    def authenticate(self, authorization: str | None) -> Principal | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        roles = frozenset(authorization.removeprefix("Bearer ").split(","))
        return Principal("tester", roles)


def as_role(*roles: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + ",".join(roles)}


@contextmanager
def api(client: Client, *, roles: bool = False) -> Iterator[httpx.Client]:
    """The API over `client`, on a real HTTP server; with `roles`, callers must name
    their roles (`as_role`), else everyone is an administrator."""
    if roles:
        app = create_app(client, ServerOptions(auth="basic"), authenticator=Roles())
    else:
        app = create_app(client, ServerOptions(auth="none"))
    with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        yield http


def bpmn(builder: ProcessBuilder) -> bytes:
    return to_xml(builder.build())


def order() -> ProcessBuilder:
    """Waits for the message "paid" with the order's id as correlation key."""
    return (
        ProcessBuilder("order", name="Order")
        .start("s")
        .catch("paid", message="paid", correlation_key="=orderId")
        .end("e")
    )


def quick() -> ProcessBuilder:
    """Ends at once, doubling `n` into `twice`."""
    return (
        ProcessBuilder("quick")
        .start("s")
        .script_task("double", script="=n * 2", result_variable="twice")
        .end("e")
    )


def review() -> ProcessBuilder:
    """Waits for a person."""
    return ProcessBuilder("review").start("s").user_task("check", form_id="review-form").end("e")


def gateway() -> ProcessBuilder:
    """An exclusive gateway whose one condition fails when `x` is not above 1: an
    incident."""
    return (
        ProcessBuilder("gateway")
        .start("s")
        .exclusive_gateway("choose")
        .condition("=x > 1")
        .end("big")
    )


def files(*named: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """Multipart `resources` parts, as clients send them."""
    return [("resources", (name, content, "application/octet-stream")) for name, content in named]
