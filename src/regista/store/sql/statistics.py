"""The statistics of the SQL stores (`StatisticsTransaction`), a part of `SqlTransaction`:
the GROUP BY statements of `statistics.sql`, each walking an index (the EXPLAIN tests of
tests/integration/store/test_store_statistics.py hold them to it)."""

from __future__ import annotations

from collections.abc import Sequence

from regista.store.sql.session import SqlSession
from regista.store.statistics import (
    ELEMENT_EVENTS,
    ElementCount,
    InstanceCount,
    StatisticsTransaction,
)

__all__ = ["SqlStatistics"]


class SqlStatistics(StatisticsTransaction):
    """Instance and element counts over the transaction's `SqlSession`."""

    session: SqlSession

    def count_instances_by_definition(
        self, definition_ids: Sequence[str] | None = None
    ) -> list[InstanceCount]:
        s = self.session
        if definition_ids is None:
            rows = s.all("instance_counts")
        else:
            rows = s.all("instance_counts_of", ids=s.codec.text_list(sorted(set(definition_ids))))
        return [InstanceCount(str(r["definition_id"]), str(r["status"]), int(r["n"])) for r in rows]

    def count_elements(self, definition_id: str, statuses: Sequence[str]) -> list[ElementCount]:
        s = self.session
        wanted = s.codec.text_list(sorted(set(statuses)))
        found: dict[str, dict[str, int]] = {}
        for r in s.all("element_event_counts", definition_id=definition_id, statuses=wanted):
            found.setdefault(str(r["element_id"]), {})[str(r["kind"])] = int(r["n"])
        incidents = {
            str(r["element_id"]): int(r["n"])
            for r in s.all("element_incident_counts", definition_id=definition_id, statuses=wanted)
        }
        activated, completed, terminated = ELEMENT_EVENTS
        return [
            ElementCount(
                e,
                activated=found.get(e, {}).get(activated, 0),
                completed=found.get(e, {}).get(completed, 0),
                terminated=found.get(e, {}).get(terminated, 0),
                incidents=incidents.get(e, 0),
            )
            for e in sorted(found.keys() | incidents.keys())
        ]
