"""The statistics of the memory store (`StatisticsTransaction`), a part of
`MemoryTransaction`: the same counts as the SQL stores' `statistics.sql`, by a scan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from regista.store.memory.tables import Journal
from regista.store.statistics import (
    ELEMENT_EVENTS,
    ElementCount,
    InstanceCount,
    StatisticsTransaction,
)

__all__ = ["MemoryStatistics"]


class MemoryStatistics(StatisticsTransaction):
    """Instance and element counts over the memory store's tables."""

    journal: Journal

    def count_instances_by_definition(
        self, definition_ids: Sequence[str] | None = None
    ) -> list[InstanceCount]:
        self.journal.check()
        wanted = None if definition_ids is None else set(definition_ids)
        counts = Counter(
            (row.definition_id, str(row.status))
            for row in self.journal.tables.instances.values()
            if wanted is None or row.definition_id in wanted
        )
        return [InstanceCount(d, s, n) for (d, s), n in sorted(counts.items())]

    def count_elements(self, definition_id: str, statuses: Sequence[str]) -> list[ElementCount]:
        self.journal.check()
        tables = self.journal.tables
        chosen = {
            row.id
            for row in tables.instances.values()
            if row.definition_id == definition_id and str(row.status) in statuses
        }
        events: Counter[tuple[str, str]] = Counter()
        for instance_id in chosen:
            for event in tables.history.get(instance_id, ()):
                if event.element_id is not None and event.kind in ELEMENT_EVENTS:
                    events[(event.element_id, event.kind)] += 1
        incidents = Counter(
            i.element_id
            for i in tables.incidents.values()
            if i.resolved_at is None and i.element_id is not None and i.instance_id in chosen
        )
        return _merge(events, incidents)


def _merge(events: Counter[tuple[str, str]], incidents: Counter[str]) -> list[ElementCount]:
    ids = sorted({e for e, _ in events} | {e for e in incidents if e is not None})
    activated, completed, terminated = ELEMENT_EVENTS
    return [
        ElementCount(
            e,
            activated=events[(e, activated)],
            completed=events[(e, completed)],
            terminated=events[(e, terminated)],
            incidents=incidents[e],
        )
        for e in ids
    ]
