"""The API's searches: filtered keyset pages of instances and incidents, capped counts, and
the messageId record — the same on memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from storekit import T0, at, uid

from regista.store import (
    IncidentQuery,
    InstanceQuery,
    NewIncident,
    NewInstance,
    Store,
)

pytest_plugins = ["storefixtures"]


def _instances(store: Store, n: int) -> list[str]:
    ids: list[str] = []
    with store.transaction() as tx:
        definition, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        for i in range(n):
            iid = f"{1000 + i}"
            tx.insert_instance(
                NewInstance(
                    id=iid,
                    definition_id=definition.id,
                    process_id="order" if i % 2 == 0 else "other",
                    state={"n": i},
                    status="active" if i % 3 else "completed",
                ),
                now=at(i // 2),  # two instances per start time: the id breaks the tie
            )
            ids.append(iid)
    return ids


def test_instance_pages_follow_the_cursor_both_ways(store: Store) -> None:
    ids = _instances(store, 7)
    seen: list[str] = []
    query = InstanceQuery(limit=3)
    with store.transaction(write=False) as tx:
        while True:
            page = tx.page_instances(query)
            seen.extend(r.id for r in page)
            if len(page) < 3:
                break
            last = page[-1]
            query = InstanceQuery(limit=3, after_id=last.id, after_started=last.started_at)
        assert seen == ids
        newest = tx.page_instances(InstanceQuery(limit=2, descending=True))
        assert [r.id for r in newest] == ids[::-1][:2]
        by_key = tx.page_instances(InstanceQuery(order="key", after_id=ids[4], limit=10))
        assert [r.id for r in by_key] == ids[5:]
        assert [r.id for r in tx.page_instances(InstanceQuery(offset=5))] == ids[5:]


def test_instance_filters_and_capped_counts(store: Store) -> None:
    ids = _instances(store, 7)
    with store.transaction(write=False) as tx:
        done = InstanceQuery(statuses=["completed"])
        assert [r.id for r in tx.page_instances(done)] == [ids[0], ids[3], ids[6]]
        assert tx.count_instances(done, cap=100) == 3
        assert tx.count_instances(InstanceQuery(), cap=5) == 5
        order = InstanceQuery(process_id="order", started_from=at(1), started_to=at(2))
        assert [r.id for r in tx.page_instances(order)] == [ids[2], ids[4]]
        assert tx.page_instances(InstanceQuery(instance_id=ids[1]))[0].process_id == "other"
        assert tx.page_instances(InstanceQuery(ended_from=T0)) == []


def test_incident_pages_open_and_resolved(store: Store) -> None:
    ids = _instances(store, 1)
    made = [uid("inc-") for _ in range(3)]
    with store.transaction() as tx:
        for i, incident_id in enumerate(made):
            tx.insert_incident(
                NewIncident(id=incident_id, instance_id=ids[0], message=f"m{i}", element_id="t"),
                now=at(i),
            )
        tx.resolve_incident(made[1], now=at(5))
    with store.transaction(write=False) as tx:
        assert [i.id for i in tx.page_incidents(IncidentQuery())] == made
        assert [i.id for i in tx.page_incidents(IncidentQuery(resolved=False))] == [
            made[0],
            made[2],
        ]
        first = tx.page_incidents(IncidentQuery(limit=1))[0]
        rest = tx.page_incidents(IncidentQuery(after_id=first.id, after_created=first.created_at))
        assert [i.id for i in rest] == made[1:]
        assert [i.id for i in tx.page_incidents(IncidentQuery(descending=True, limit=1))] == [
            made[2]
        ]
        assert tx.count_incidents(IncidentQuery(resolved=True), cap=10) == 1


def test_a_message_id_is_refused_while_it_lives(store: Store) -> None:
    with store.transaction() as tx:
        until = T0 + timedelta(seconds=10)
        assert tx.claim_message_id("paid", "k", "m-1", message_key="1", expires_at=until, now=T0)
        assert not tx.claim_message_id(
            "paid", "k", "m-1", message_key="2", expires_at=until, now=at(5)
        )
        assert tx.claim_message_id("paid", None, "m-1", message_key="3", expires_at=until, now=T0)
        assert tx.claim_message_id(
            "paid", "k", "m-1", message_key="4", expires_at=at(30), now=at(10)
        )


def _mixed(store: Store, n: int) -> list[tuple[str, str, int]]:
    """Instances of two definitions in every status, started out of key order: (id,
    status, start second) of those of the first definition."""
    statuses = ["active", "incident", "completed", "terminated", "cancelled"]
    mine: list[tuple[str, str, int]] = []
    with store.transaction() as tx:
        first, _ = tx.deploy_definition("mixed", "<definitions/>", now=T0)
        second, _ = tx.deploy_definition("mixed", "<definitions id='2'/>", now=T0)
        for i in range(n):
            iid = f"{5000 + i}"
            status = statuses[(i * 7) % 5]
            start = (i * 37) % 11  # many instances share a start time: the id breaks the tie
            definition = first if i % 3 else second
            tx.insert_instance(
                NewInstance(
                    id=iid,
                    definition_id=definition.id,
                    process_id="mixed",
                    state={},
                    status=status,
                ),
                now=at(start),
            )
            if definition is first:
                mine.append((iid, status, start))
    return mine


def test_merged_status_pages_keep_the_order_across_statuses(store: Store) -> None:
    mine = _mixed(store, 40)
    with store.transaction(write=False) as tx:
        definition_id = tx.page_instances(InstanceQuery(instance_id=mine[0][0]))[0].definition_id
        for statuses in (None, ["active", "incident"], ["terminated", "cancelled", "completed"]):
            want = [m for m in mine if statuses is None or m[1] in statuses]
            for order, descending in (("started", True), ("started", False), ("key", True)):
                if order == "started":
                    expected = sorted(want, key=lambda m: (m[2], m[0]), reverse=descending)
                else:
                    expected = sorted(want, key=lambda m: m[0], reverse=descending)
                seen: list[str] = []
                query = InstanceQuery(
                    definition_id=definition_id,
                    statuses=statuses,
                    order=order,  # type: ignore[arg-type]
                    descending=descending,
                    limit=4,
                )
                while True:
                    page = tx.page_instances(query)
                    seen.extend(r.id for r in page)
                    if len(page) < 4:
                        break
                    last = page[-1]
                    query = InstanceQuery(
                        definition_id=definition_id,
                        statuses=statuses,
                        order=order,  # type: ignore[arg-type]
                        descending=descending,
                        limit=4,
                        after_id=last.id,
                        after_started=last.started_at,
                    )
                assert seen == [m[0] for m in expected], (statuses, order, descending)
                assert tx.count_instances(query, cap=100) == len(want)


def test_instances_by_business_key(store: Store) -> None:
    with store.transaction() as tx:
        definition, _ = tx.deploy_definition("keyed", "<definitions/>", now=T0)
        for i, key in enumerate(("K-1", "K-2", "K-1", None)):
            tx.insert_instance(
                NewInstance(
                    id=f"{7000 + i}",
                    definition_id=definition.id,
                    process_id="keyed",
                    state={},
                    status="active" if i else "completed",
                    business_key=key,
                ),
                now=at(i),
            )
    with store.transaction(write=False) as tx:
        keyed = InstanceQuery(business_key="K-1")
        assert [r.id for r in tx.page_instances(keyed)] == ["7000", "7002"]
        assert tx.count_instances(keyed, cap=10) == 2
        running = InstanceQuery(business_key="K-1", statuses=["active"], process_id="keyed")
        assert [r.id for r in tx.page_instances(running)] == ["7002"]
