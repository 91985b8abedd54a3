"""The decision instance operations of the SQL stores (`DecisionInstanceTransaction`), a
part of `SqlTransaction`: the insert of `decision_instances.sql` and the pages of
`search.py`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from regista.store.decision_instances import (
    DecisionInstance,
    DecisionInstanceQuery,
    DecisionInstanceTransaction,
)
from regista.store.sql import search
from regista.store.sql.session import SqlSession

__all__ = ["SqlDecisionInstances"]


class SqlDecisionInstances(DecisionInstanceTransaction):
    """Decision instances over the transaction's `SqlSession`."""

    session: SqlSession

    def insert_decision_instances(self, rows: Sequence[DecisionInstance]) -> None:
        s = self.session
        s.write_many(
            "decision_instance_insert",
            [
                {
                    "key": d.key,
                    "evaluation_key": d.evaluation_key,
                    "decision_id": d.decision_id,
                    "decision_name": d.decision_name,
                    "decision_type": d.decision_type,
                    "definition_key": d.definition_key,
                    "version": d.version,
                    "instance_id": d.instance_id,
                    "element_instance_id": d.element_instance_id,
                    "process_definition_key": d.process_definition_key,
                    "evaluated_at": s.codec.ts(d.evaluated_at),
                    "state": d.state,
                    "failure": d.failure,
                    "result": d.result,
                    "inputs": json.dumps(list(d.inputs)),
                    "rules": json.dumps(list(d.rules)),
                }
                for d in rows
            ],
        )

    def page_decision_instances(self, query: DecisionInstanceQuery) -> list[DecisionInstance]:
        return search.page_decision_instances(self.session, query)

    def count_decision_instances(self, query: DecisionInstanceQuery, *, cap: int) -> int:
        return search.count_decision_instances(self.session, query, cap)
