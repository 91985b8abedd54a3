"""The deployment operations of the SQL stores (`DeploymentTransaction`), a part of
`SqlTransaction`: named statements of `deployments.sql`, rows mapped to records here."""

from __future__ import annotations

from regista.store.deployments import Deployment, DeploymentTransaction
from regista.store.records import Subscription
from regista.store.sql.rows import Row
from regista.store.sql.session import SqlSession

__all__ = ["SqlDeployments"]


class SqlDeployments(DeploymentTransaction):
    """Deployments and their definitions over the transaction's `SqlSession`."""

    session: SqlSession

    def _deployment(self, r: Row, definitions: list[Row]) -> Deployment:
        return Deployment(
            id=r["id"],
            name=r["name"],
            source=r["source"],
            deployed_at=self.session.codec.ts_out(r["deployed_at"]),
            deployed_by=r["deployed_by"],
            definitions=tuple((d["definition_id"], bool(d["created"])) for d in definitions),
        )

    def insert_deployment(self, deployment: Deployment) -> None:
        s = self.session
        s.write(
            "deployment_insert",
            id=deployment.id,
            name=deployment.name,
            source=deployment.source,
            now=s.codec.ts(deployment.deployed_at),
            deployed_by=deployment.deployed_by,
        )
        for definition_id, created in deployment.definitions:
            s.write(
                "deployment_definition_insert",
                deployment_id=deployment.id,
                definition_id=definition_id,
                created=created,
            )

    def get_deployment(self, deployment_id: str) -> Deployment | None:
        row = self.session.one("deployment_get", id=deployment_id)
        if row is None:
            return None
        held = self.session.all("deployment_definitions_of", deployment_id=deployment_id)
        return self._deployment(row, list(held))

    def list_deployments(self) -> list[Deployment]:
        held: dict[str, list[Row]] = {}
        for d in self.session.all("deployment_definitions_all"):
            held.setdefault(d["deployment_id"], []).append(d)
        return [
            self._deployment(r, held.get(r["id"], [])) for r in self.session.all("deployment_list")
        ]

    def message_subscriptions(self, name: str) -> list[Subscription]:
        rows = self.session.all("subscription_message", name=name)
        return [self.session.rows.subscription(r) for r in rows]
