"""The decision instance operations of the memory store (`DecisionInstanceTransaction`), a
part of `MemoryTransaction`: rows by key through the journal, filtered and ordered as the
SQL stores' pieces are."""

from __future__ import annotations

from collections.abc import Sequence

from regista.store.decision_instances import (
    DecisionInstance,
    DecisionInstanceQuery,
    DecisionInstanceTransaction,
)
from regista.store.memory.tables import Journal, Tables

__all__ = ["MemoryDecisionInstances"]


def _matches(row: DecisionInstance, q: DecisionInstanceQuery) -> bool:
    return (
        (q.key is None or row.key == q.key)
        and (q.instance_id is None or row.instance_id == q.instance_id)
        and (q.decision_id is None or row.decision_id == q.decision_id)
        and (q.definition_key is None or row.definition_key == q.definition_key)
    )


class MemoryDecisionInstances(DecisionInstanceTransaction):
    """Decision instances in the memory store's tables."""

    journal: Journal
    _t: Tables

    def insert_decision_instances(self, rows: Sequence[DecisionInstance]) -> None:
        for row in rows:
            self.journal.set(self._t.decision_instances, row.key, row)

    def page_decision_instances(self, query: DecisionInstanceQuery) -> list[DecisionInstance]:
        self.journal.check()
        found = sorted(
            (d for d in self._t.decision_instances.values() if _matches(d, query)),
            key=lambda d: d.key,
            reverse=query.descending,
        )
        if query.after_key is not None:
            mark = query.after_key
            found = [d for d in found if (d.key < mark if query.descending else d.key > mark)]
        return found[query.offset : query.offset + query.limit]

    def count_decision_instances(self, query: DecisionInstanceQuery, *, cap: int) -> int:
        self.journal.check()
        found = sum(1 for d in self._t.decision_instances.values() if _matches(d, query))
        return min(found, cap)
