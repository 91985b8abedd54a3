"""The variable operations of the SQL stores (`VariableTransaction`), a part of
`SqlTransaction`: the writes of `variables.sql`, sent with the state they mirror, and the
pages of `search.py`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from regista.store.sql import search
from regista.store.sql.session import SqlSession
from regista.store.variables import VariableQuery, VariableTransaction, VariableValue

__all__ = ["SqlVariables"]


class SqlVariables(VariableTransaction):
    """Variables over the transaction's `SqlSession`."""

    session: SqlSession

    def write_variables(
        self, changed: Sequence[VariableValue], removed: Sequence[tuple[str, str]]
    ) -> None:
        s = self.session
        if changed:
            rows: list[dict[str, Any]] = [
                {
                    "scope_id": v.scope_id,
                    "name": v.name,
                    "instance_id": v.instance_id,
                    "key": int(v.key),
                    "value": v.value,
                    "text": v.text,
                    "number": v.number,
                }
                for v in changed
            ]
            s.write_many("variable_upsert", rows)
        if removed:
            s.write_many(
                "variable_delete", [{"scope_id": scope, "name": name} for scope, name in removed]
            )

    def variables_of(self, instance_id: str) -> list[VariableValue]:
        rows = self.session.all("variables_of_instance", instance_id=instance_id)
        return [search.variable(r) for r in rows]

    def page_variables(self, query: VariableQuery) -> list[VariableValue]:
        return search.page_variables(self.session, query)

    def count_variables(self, query: VariableQuery, *, cap: int) -> int:
        return search.count_variables(self.session, query, cap)
