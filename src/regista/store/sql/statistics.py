"""The statistics of the SQL stores (`StatisticsTransaction`), a part of `SqlTransaction`:
the GROUP BY statements of `statistics.sql`, each walking an index (the EXPLAIN tests of
tests/integration/store/test_store_statistics.py hold them to it), and the running element
totals of `element_counts` (schema 17) that the unit of work keeps.

A transaction gathers the element events of the history it appends per instance and
element, and adds them to the totals with one statement just before it commits
(`settle_element_counts`): the totals move in the same transaction as the history, and
every transaction takes the rows' locks last and in one order, so that concurrent nodes
never deadlock on them. Each instance writes to one of `SHARDS` rows per element, chosen
by its id, so that units of work of different instances seldom wait for the same row.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence

from regista.store.sql.historyrows import Link
from regista.store.sql.session import SqlSession
from regista.store.statistics import (
    ELEMENT_EVENTS,
    INSTANCE_STATUSES,
    ElementCount,
    InstanceCount,
    StatisticsTransaction,
)

__all__ = ["SHARDS", "SqlStatistics", "shard_of"]

#: Rows per definition and element that the totals are spread over (see the module).
SHARDS = 16


def shard_of(instance_id: str) -> int:
    """The shard an instance's element events are added to: stable across processes."""
    return zlib.crc32(instance_id.encode("utf-8")) % SHARDS


class SqlStatistics(StatisticsTransaction):
    """Instance and element counts over the transaction's `SqlSession`."""

    session: SqlSession
    _element_deltas: dict[tuple[str, str], list[int]]
    """Element events appended in this transaction, per (instance, element): activated,
    completed, terminated (`ELEMENT_EVENTS`); not yet in `element_counts`."""

    def gather_element_events(self, instance_id: str, links: Sequence[Link]) -> None:
        """Note the element events of `links` (just appended to the instance's history)
        for the totals that `settle_element_counts` writes."""
        for link in links:
            event = link.event
            if event.element_id is None or event.kind not in ELEMENT_EVENTS:
                continue
            slot = self._element_deltas.setdefault((instance_id, event.element_id), [0, 0, 0])
            slot[ELEMENT_EVENTS.index(event.kind)] += 1

    def settle_element_counts(self) -> None:
        """Add the gathered element events to the totals (the store calls this just before
        it commits; a read of the counts in the same transaction calls it first)."""
        if not self._element_deltas:
            return
        rows = [
            [instance_id, element_id, shard_of(instance_id), *counts]
            for (instance_id, element_id), counts in sorted(self._element_deltas.items())
        ]
        self._element_deltas = {}
        self.session.write(
            "element_counts_add", rows=json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
        )

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
        if set(statuses) >= INSTANCE_STATUSES:
            return self._element_totals(definition_id)
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

    def _element_totals(self, definition_id: str) -> list[ElementCount]:
        """Over every instance of the definition: the running totals and the open
        incidents, a few rows whatever the number of instances."""
        s = self.session
        self.settle_element_counts()
        totals = {
            str(r["element_id"]): r for r in s.all("element_totals", definition_id=definition_id)
        }
        incidents = {
            str(r["element_id"]): int(r["n"])
            for r in s.all("element_open_incidents", definition_id=definition_id)
        }
        return [
            ElementCount(
                e,
                activated=int(totals[e]["activated"]) if e in totals else 0,
                completed=int(totals[e]["completed"]) if e in totals else 0,
                terminated=int(totals[e]["terminated"]) if e in totals else 0,
                incidents=incidents.get(e, 0),
            )
            for e in sorted(totals.keys() | incidents.keys())
        ]
