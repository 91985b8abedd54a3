"""The element counts over every instance of a definition, which the SQL stores keep as
running totals with the history (schema 17): exact against a count of each instance's own
history, within the transaction that wrote it, across many transactions and shards, after
retention (pruned instances leave the counts), after a migration to another definition
(the counts follow the instance), for a run of the real engine, and rebuilt by the
migration from the history alone."""

from __future__ import annotations

import random
import threading
from collections import Counter

from storekit import T0, SqlBackend, at, history_before_19

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.runtime.clock import FakeClock
from regista.store import ElementCount, NewEvent, NewIncident, NewInstance, Store, Transaction
from regista.store.sql import sqlfiles
from regista.store.sql.statistics import SHARDS, shard_of
from regista.store.sql.transaction import SqlTransaction
from regista.store.statistics import ELEMENT_EVENTS, INSTANCE_STATUSES

pytest_plugins = ["storefixtures"]

ALL = sorted(INSTANCE_STATUSES)
ELEMENTS = ("start", "check", "approve", "end")


def _expected(tx: Transaction, instance_ids: list[str]) -> dict[str, ElementCount]:
    """The counts as each instance's history and open incidents say, counted here."""
    events: Counter[tuple[str, str]] = Counter()
    for iid in instance_ids:
        for event in tx.history(iid):
            if event.element_id is not None and event.kind in ELEMENT_EVENTS:
                events[event.element_id, event.kind] += 1
    incidents = Counter(
        i.element_id
        for iid in instance_ids
        for i in tx.list_open_incidents(instance_id=iid)
        if i.element_id is not None
    )
    activated, completed, terminated = ELEMENT_EVENTS
    return {
        e: ElementCount(
            e,
            activated=events[e, activated],
            completed=events[e, completed],
            terminated=events[e, terminated],
            incidents=incidents[e],
        )
        for e in sorted({e for e, _ in events} | {e for e in incidents if e is not None})
        if e is not None
    }


def _counts(tx: Transaction, definition_id: str) -> dict[str, ElementCount]:
    return {c.element_id: c for c in tx.count_elements(definition_id, ALL)}


def _events(rng: random.Random, n: int) -> list[NewEvent]:
    """A made-up path: each element activated and then completed or terminated, or left
    active (and then the path stops)."""
    out: list[NewEvent] = []
    for element in ELEMENTS:
        eid = f"{element}-{len(out)}"
        out.append(
            NewEvent("element_activated", at(n), element_id=element, element_instance_id=eid)
        )
        end = rng.choice(("element_completed", "element_completed", "element_terminated", None))
        if end is None:
            break
        out.append(NewEvent(end, at(n), element_id=element, element_instance_id=eid))
        if end == "element_terminated":
            break
    return out


def test_totals_equal_the_history_of_the_instances(store: Store) -> None:
    rng = random.Random(17)
    with store.transaction() as tx:
        first, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        second, _ = tx.deploy_definition("order", "<definitions id='2'/>", now=T0)
    ids = [f"i{n:03d}" for n in range(60)]
    # many small transactions, some writing several instances, the history of an instance
    # appended over several of them; a read in the writing transaction sees its own events
    for n, iid in enumerate(ids):
        with store.transaction() as tx:
            tx.insert_instance(NewInstance(iid, first.id, "order", state={}), now=T0)
            events = _events(rng, n)
            tx.add_history(iid, events[:2])
            if n % 7 == 0:
                assert _counts(tx, first.id) == _expected(tx, ids[: n + 1])
        if events[2:]:
            with store.transaction() as tx:
                tx.add_history(iid, events[2:])
    with store.transaction() as tx:
        for iid in ids[:5]:
            tx.insert_incident(NewIncident(f"inc-{iid}", iid, "failed", element_id="check"), now=T0)
        tx.resolve_incident("inc-i000", now=at(1))
    with store.transaction(write=False) as tx:
        counts = _counts(tx, first.id)
        assert counts == _expected(tx, ids)
        assert counts["start"].activated == 60 and counts["check"].incidents == 4
        assert tx.count_elements(second.id, ALL) == []
        # the totals answer for every status; a narrower choice still walks the instances
        assert {c.element_id: c for c in tx.count_elements(first.id, ["active"])} == counts
    assert len({shard_of(i) for i in ids}) > SHARDS // 2  # the writes were spread


def test_pruned_instances_leave_the_counts(store: Store) -> None:
    with store.transaction() as tx:
        definition, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        for n, status in enumerate(("completed", "cancelled", "active", "completed")):
            iid = f"p{n}"
            ended = at(10) if status != "active" else None
            tx.insert_instance(
                NewInstance(iid, definition.id, "order", state={}, status=status, ended_at=ended),
                now=T0,
            )
            tx.add_history(iid, _events(random.Random(n), n))
    with store.transaction() as tx:
        before = _counts(tx, definition.id)
        pruned = tx.prune(ended_before=at(20), limit=2)
    assert pruned.instances == 2
    with store.transaction(write=False) as tx:
        kept = [i for i in ("p0", "p1", "p2", "p3") if tx.get_instance(i) is not None]
        assert len(kept) == 2
        assert _counts(tx, definition.id) == _expected(tx, kept) != before
    with store.transaction() as tx:
        tx.prune(ended_before=at(20), limit=10)
    with store.transaction(write=False) as tx:
        assert _counts(tx, definition.id) == _expected(tx, ["p2"])


def test_a_migrated_instance_takes_its_counts_along(store: Store) -> None:
    with store.transaction() as tx:
        first, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        second, _ = tx.deploy_definition("order", "<definitions id='2'/>", now=T0)
        for iid in ("m1", "m2"):
            tx.insert_instance(NewInstance(iid, first.id, "order", state={}), now=T0)
            tx.add_history(iid, _events(random.Random(3), 1))
    with store.transaction() as tx:
        # events appended in the same transaction, before the migration, go along too
        tx.add_history(
            "m1", [NewEvent("element_activated", at(5), element_id="late", element_instance_id="x")]
        )
        tx.redefine_instance("m1", definition_id=second.id, process_id="order", rows={})
        tx.redefine_instance("m2", definition_id=first.id, process_id="order", rows={})
    with store.transaction(write=False) as tx:
        assert _counts(tx, first.id) == _expected(tx, ["m2"])
        assert _counts(tx, second.id) == _expected(tx, ["m1"])
        assert _counts(tx, second.id)["late"].activated == 1


def _review() -> ProcessBuilder:
    return (
        ProcessBuilder("reviewing")
        .start("start")
        .script_task("prepare", script="=1", result_variable="x")
        .user_task("review")
        .end("end")
    )


def _walked(tx: Transaction, definition_id: str) -> dict[str, ElementCount]:
    """The counts by the statement that walks the instances and their history."""
    s = tx.session if isinstance(tx, SqlTransaction) else None
    assert s is not None
    found: dict[str, dict[str, int]] = {}
    statuses = s.codec.text_list(ALL)
    for r in s.all("element_event_counts", definition_id=definition_id, statuses=statuses):
        found.setdefault(str(r["element_id"]), {})[str(r["kind"])] = int(r["n"])
    activated, completed, terminated = ELEMENT_EVENTS
    return {
        e: ElementCount(e, activated=k.get(activated, 0), completed=k.get(completed, 0),
                        terminated=k.get(terminated, 0))
        for e, k in found.items()
    }  # fmt: skip


def test_the_engine_keeps_the_totals_and_the_migration_rebuilds_them(
    sql_backend: SqlBackend,
) -> None:
    store = sql_backend.open()
    clock = FakeClock("2030-01-01T09:00:00Z")
    try:
        with Client(store, clock=clock) as client:
            (deployed,) = client.deploy(_review())
            keys = [client.start("reviewing", {}) for _ in range(12)]
            for key in keys[:5]:
                client.complete_task(client.tasks(instance_id=key)[0].id)
            for key in keys[5:8]:
                client.cancel(key)
        with store.transaction(write=False) as tx:
            kept = _counts(tx, deployed.definition_id)
            assert kept == _walked(tx, deployed.definition_id)
            review = kept["review"]
            assert (review.activated, review.completed, review.terminated) == (12, 5, 3)
            assert review.active == 4 and kept["end"].completed == 5
    finally:
        store.close()
    # back to the schema before the totals: opening the store migrates again, and the
    # migration computes them from the history alone
    (migration,) = [m for m in sqlfiles.migrations(sql_backend.name) if m.name == "element_counts"]
    sql_backend.execute("DROP TABLE element_counts")
    # the migrations after it run again too: schema 18 drops the history's prev_hash, 19
    # makes one row of each command's events
    history_before_19(sql_backend)
    sql_backend.execute("ALTER TABLE history ADD COLUMN prev_hash text")
    sql_backend.execute(f"DELETE FROM schema_version WHERE version >= {migration.version}")
    again = sql_backend.open()
    try:
        with again.transaction(write=False) as tx:
            assert _counts(tx, deployed.definition_id) == kept
    finally:
        again.close()


def test_an_unknown_definition_has_no_counts(store: Store) -> None:
    with store.transaction(write=False) as tx:
        assert tx.count_elements("nothing", ALL) == []


def test_concurrent_transactions_keep_the_totals_exact(sql_backend: SqlBackend) -> None:
    """Several threads (as several nodes would on PostgreSQL) append element events of
    instances of one definition at once, each transaction touching several instances and
    the same elements, in orders of their own: no deadlock, no lost update."""
    store = sql_backend.open()
    try:
        with store.transaction() as tx:
            definition, _ = tx.deploy_definition("order", "<definitions/>", now=T0)
        failures: list[BaseException] = []

        def work(worker: int) -> None:
            rng = random.Random(worker)
            try:
                for round_ in range(8):
                    with store.transaction() as tx:
                        for k in rng.sample(range(6), 3):
                            iid = f"w{worker}-{round_}-{k}"
                            tx.insert_instance(
                                NewInstance(iid, definition.id, "order", state={}), now=T0
                            )
                            events = _events(rng, k)
                            tx.add_history(iid, events[::-1] if k % 2 else events)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        ids = [f"w{w}-{r}-{k}" for w in range(4) for r in range(8) for k in range(6)]
        with store.transaction(write=False) as tx:
            written = [i for i in ids if tx.get_instance(i) is not None]
            assert len(written) == 4 * 8 * 3
            counts = _counts(tx, definition.id)
            assert counts == _expected(tx, written)
            assert counts["start"].activated == 96
    finally:
        store.close()
