"""Small things the `/v2` resources share: the one tenant, dates as Camunda writes them,
the client of the request, the roles of each kind of endpoint, and keys that name
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request

from regista.api.context import Principal, require, services
from regista.api.problems import ApiError
from regista.client import Client
from regista.engine.codec import plain_value
from regista.store import Instance, Transaction

__all__ = [
    "TENANT",
    "Deployer",
    "Messenger",
    "Operator",
    "Reader",
    "client_of",
    "iso",
    "json_value",
    "no_such",
    "root_key",
]

#: Regista has one tenant; Camunda calls the default one "<default>".
TENANT = "<default>"

Reader = Annotated[Principal, Depends(require("operator", "modeler"))]
"""Reading definitions and instances."""
Deployer = Annotated[Principal, Depends(require("modeler"))]
Operator = Annotated[Principal, Depends(require("operator"))]
Messenger = Annotated[Principal, Depends(require("operator", "worker"))]
"""Publishing messages and broadcasting signals."""


def client_of(request: Request) -> Client:
    return services(request).client


def iso(value: dt.datetime | None) -> str | None:
    """A time as Camunda's API writes it (ISO 8601, UTC, milliseconds)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def root_key(tx: Transaction, instance: Instance | None) -> str | None:
    """The key of the root instance of `instance`'s call hierarchy (its own when it was
    not called), as Camunda's `rootProcessInstanceKey`."""
    if instance is None:
        return None
    seen = {instance.id}
    while instance.parent_instance_id and instance.parent_instance_id not in seen:
        parent = tx.get_instance(instance.parent_instance_id)
        if parent is None:
            break
        seen.add(parent.id)
        instance = parent
    return instance.id


def no_such(what: str, key: str) -> ApiError:
    """The 404 of a key that names nothing."""
    return ApiError(404, f"there is no {what} with the key {key!r}")


def json_value(value: Any) -> Any:
    """A FEEL or plain Python value as JSON: numbers as numbers (a decimal that a float
    cannot hold exactly as text), dates, times and durations as FEEL writes them."""
    return plain_value(value)
