"""The deployment operations of the memory store (`DeploymentTransaction`), a part of
`MemoryTransaction`: rows in `Tables.deployments`, changed through the journal."""

from __future__ import annotations

from dataclasses import replace

from regista.store.deployments import Deployment, DeploymentTransaction
from regista.store.errors import DuplicateKey
from regista.store.memory.tables import Journal
from regista.store.records import Subscription
from regista.store.values import utc

__all__ = ["MemoryDeployments"]


class MemoryDeployments(DeploymentTransaction):
    """Deployments of the memory store, and the message subscriptions of a name."""

    journal: Journal

    def insert_deployment(self, deployment: Deployment) -> None:
        self.journal.check(write=True)
        table = self.journal.tables.deployments
        if deployment.id in table:
            raise DuplicateKey(f"a deployment {deployment.id!r} exists already")
        self.journal.set(
            table,
            deployment.id,
            replace(
                deployment,
                deployed_at=utc(deployment.deployed_at),
                definitions=tuple(sorted(deployment.definitions)),
            ),
        )

    def get_deployment(self, deployment_id: str) -> Deployment | None:
        self.journal.check()
        return self.journal.tables.deployments.get(deployment_id)

    def list_deployments(self) -> list[Deployment]:
        self.journal.check()
        return sorted(self.journal.tables.deployments.values(), key=lambda d: (d.deployed_at, d.id))

    def message_subscriptions(self, name: str) -> list[Subscription]:
        self.journal.check()
        found = [
            s
            for s in self.journal.tables.subscriptions.values()
            if s.kind == "message" and s.name == name
        ]
        return sorted(found, key=lambda s: (s.created_at, s.id))
