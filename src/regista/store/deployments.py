"""Deployments as the store keeps them: one per deploy call, with its name and source (as
Camunda 7 records them) and the definition versions it holds, new or kept unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from regista.store.records import Subscription

__all__ = ["Deployment", "DeploymentTransaction"]


@dataclass(frozen=True, slots=True)
class Deployment:
    """One deploy call: `definitions` are (definition id, created) pairs, created False for
    a version that was deployed before unchanged and is kept (read back ordered by id)."""

    id: str
    name: str | None
    source: str | None
    deployed_at: datetime
    deployed_by: str | None
    definitions: tuple[tuple[str, bool], ...] = ()


class DeploymentTransaction(Protocol):
    """The deployment operations of a transaction (a part of `Transaction`)."""

    def insert_deployment(self, deployment: Deployment) -> None:
        """Record a deployment with its definitions (ids already stored)."""
        ...

    def get_deployment(self, deployment_id: str) -> Deployment | None: ...

    def list_deployments(self) -> list[Deployment]:
        """Every deployment, oldest first (deployments are few: one per deploy call)."""
        ...

    def message_subscriptions(self, name: str) -> list[Subscription]:
        """The message subscriptions of `name`, oldest first, whatever their keys (Camunda
        7's correlation chooses among them by business key and variables)."""
        ...
