"""Store operations of the runtime's upkeep, on memory, SQLite and PostgreSQL: history
retention, timer leases handed back, instance keys for workers, and message correlation
with and without keys (the runtime's rule, `matching_keys`, over the store's key filter)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from storekit import T0, Backend, PostgresBackend, at

from regista.runtime.keys import matching_keys
from regista.runtime.retention import Pace, count_prunable, cutoff, prune, prune_batch
from regista.store import (
    InstanceKeys,
    NewEvent,
    NewIncident,
    NewInstance,
    NewJob,
    NewMessage,
    NewSubscription,
    NewTimer,
    NewUserTask,
    Pruned,
    Store,
)
from regista.store.sql.sqlite import SqliteStore

pytest_plugins = ["storefixtures"]


def add_instance(
    store: Store,
    instance_id: str,
    *,
    ended: float | None = 0,
    status: str = "completed",
    parent: str | None = None,
    business_key: str | None = None,
    job: str | None = "completed",
    incident_open: bool | None = None,
) -> None:
    """An instance with two history events, a user task, a timer, a subscription and,
    optionally, a job (in the given status) and an incident; `ended` seconds after T0, or
    None for one still running."""
    with store.transaction() as tx:
        tx.insert_instance(
            NewInstance(
                id=instance_id,
                definition_id="d1",
                process_id="proc",
                state={"n": 1},
                status="active" if ended is None else status,
                business_key=business_key,
                parent_instance_id=parent,
                ended_at=None if ended is None else at(ended),
            ),
            now=T0,
        )
        tx.append_history(
            instance_id,
            [NewEvent("instance_started", T0), NewEvent("instance_ended", at(ended or 0))],
        )
        tx.insert_user_task(
            NewUserTask(
                id=f"{instance_id}-task",
                instance_id=instance_id,
                element_id="t",
                element_instance_id="e1",
            ),
            now=T0,
        )
        tx.insert_timer(
            NewTimer(
                id=f"{instance_id}-timer",
                instance_id=instance_id,
                element_id="w",
                element_instance_id="e2",
                due_at=at(10_000),
            ),
            now=T0,
        )
        tx.insert_subscription(
            NewSubscription(
                id=f"{instance_id}-sub",
                instance_id=instance_id,
                kind="message",
                name="m",
                correlation_key=instance_id,
                element_id="c",
                element_instance_id="e3",
            ),
            now=T0,
        )
        if incident_open is not None:
            tx.insert_incident(
                NewIncident(id=f"{instance_id}-incident", instance_id=instance_id, message="boom"),
                now=T0,
            )
            if not incident_open:
                tx.resolve_incident(f"{instance_id}-incident", now=T0)
        if job is not None:
            tx.insert_job(
                NewJob(
                    id=f"{instance_id}-job",
                    instance_id=instance_id,
                    element_id="s",
                    element_instance_id="e4",
                    type="work",
                    retries=3,
                ),
                now=T0,
            )
    if job in ("completed", "claimed", "failed", "cancelled"):
        (claimed,) = [
            j
            for j in store.claim_jobs(["work"], "w", limit=100, lease_seconds=60, now=at(1))
            if j.id == f"{instance_id}-job"
        ]
        with store.transaction() as tx:
            if job == "completed":
                tx.complete_job(claimed.id, claimed.attempt, now=at(1))
            elif job == "failed":
                tx.fail_job(claimed.id, claimed.attempt, error="x", now=at(1))
            elif job == "cancelled":
                tx.cancel_job(claimed.id, now=at(1))


def remaining(store: Store, *ids: str) -> list[str]:
    with store.transaction(write=False) as tx:
        return [i for i in ids if tx.get_instance(i) is not None]


def test_prune_removes_old_ended_instances_with_everything_they_own(store: Store) -> None:
    add_instance(store, "old-done", ended=0)
    add_instance(store, "old-cancelled", ended=5, status="cancelled", job="cancelled")
    add_instance(store, "old-terminated", ended=6, status="terminated", job=None)
    add_instance(store, "recent", ended=100)
    add_instance(store, "running", ended=None, job=None)
    add_instance(store, "resolved", ended=7, incident_open=False)
    everyone = ("old-done", "old-cancelled", "old-terminated", "recent", "running", "resolved")
    assert count_prunable(store, ended_before=at(50)) == 4

    pruned = prune(store, ended_before=at(50), batch=100)

    assert pruned == Pruned(
        instances=4, history=8, jobs=3, timers=4, user_tasks=4, subscriptions=4, incidents=1
    )
    assert remaining(store, *everyone) == ["recent", "running"]
    with store.transaction(write=False) as tx:
        assert tx.history("old-done") == []
        assert tx.get_job("old-done-job") is None
        assert tx.get_user_task("old-done-task") is None
        assert tx.get_timer("old-done-timer") is None
        assert tx.get_subscription("old-done-sub") is None
        assert tx.get_incident("resolved-incident") is None
        assert [e.kind for e in tx.history("recent")] == ["instance_started", "instance_ended"]
        assert tx.get_job("recent-job") is not None
    assert store.verify_chain() is None
    assert prune(store, ended_before=at(50)) == Pruned()


def test_work_in_flight_and_a_running_parent_keep_an_instance(store: Store) -> None:
    add_instance(store, "job-ready", ended=0, job="ready")
    add_instance(store, "job-claimed", ended=0, job="claimed")
    add_instance(store, "job-failed", ended=0, job="failed")
    add_instance(store, "open-incident", ended=0, incident_open=True)
    add_instance(store, "parent-running", ended=None, job=None)
    add_instance(store, "child-of-running", ended=0, parent="parent-running", job=None)
    add_instance(store, "parent-recent", ended=100, job=None)
    add_instance(store, "child-of-recent", ended=0, parent="parent-recent", job=None)
    add_instance(store, "parent-old", ended=1, job=None)
    add_instance(store, "child-of-old", ended=0, parent="parent-old", job=None)
    add_instance(store, "orphan", ended=0, parent="gone-long-ago", job=None)

    pruned = prune(store, ended_before=at(50))

    assert pruned.instances == 3
    assert remaining(store, "parent-old", "child-of-old", "orphan") == []
    kept = (
        "job-ready",
        "job-claimed",
        "job-failed",
        "open-incident",
        "child-of-running",
        "child-of-recent",
    )
    assert remaining(store, *kept) == list(kept)
    assert store.verify_chain() is None


def test_prune_goes_in_batches_of_the_given_size(store: Store) -> None:
    for i in range(7):
        add_instance(store, f"i{i}", ended=i, job=None)
    assert prune_batch(store, ended_before=at(50), limit=3).instances == 3
    # the oldest go first
    assert remaining(store, "i0", "i1", "i2", "i3") == ["i3"]
    batches: list[int] = []

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        batches.append(1)
        yield

    total = prune(store, ended_before=at(50), batch=2, guard=guard)
    assert total.instances == 4 and total.batches == 3  # 2 + 2 + 0
    assert len(batches) == 4  # each batch, and giving the space back, under the guard
    assert prune(store, ended_before=at(50), batch=2, max_batches=1) == Pruned()


def test_a_run_walks_on_from_where_its_last_batch_stopped(store: Store) -> None:
    for i in range(6):
        add_instance(store, f"w{i}", ended=i, job=None, incident_open=i == 1)
    first = prune_batch(store, ended_before=at(50), limit=2)
    assert first.instances == 2 and first.last == (at(2), "w2")  # w1 stays: open incident
    later = prune_batch(store, ended_before=at(50), limit=10, after=(at(3), "w3"))
    assert later.instances == 2 and later.last == (at(5), "w5")
    assert remaining(store, *(f"w{i}" for i in range(6))) == ["w1", "w3"]
    # batches sized to a time budget still remove everything, and nothing more
    for i in range(6, 40):
        add_instance(store, f"w{i}", ended=i, job="completed")
    add_instance(store, "recent", ended=100, job=None)
    add_instance(store, "running", ended=None, job=None)
    ticks = iter(range(1000))
    total = prune(
        store,
        ended_before=at(50),
        batch=3,
        pace=Pace(batch_ms=1000, smallest=2, largest=7),
        timer=lambda: float(next(ticks)) / 1000,  # each batch "takes" a millisecond
    )
    assert total.instances == 35 and total.batches == 6  # 3, 7, 7, 7, 7, then 4: the end
    assert remaining(store, "w1", "recent", "running") == ["w1", "recent", "running"]
    with store.transaction(write=False) as tx:
        assert tx.history("w20") == [] and tx.jobs_of_instance("w20") == []
        assert tx.get_instance("w20") is None


def test_a_pace_sizes_batches_to_the_budget_and_caps_the_rate() -> None:
    pace = Pace(batch_ms=25, rate=1000, smallest=10, largest=5000)
    assert pace.next_size(100, 0.100) == 50  # four times too slow: halfway (geometric) down
    assert pace.next_size(100, 0.00625) == 200  # four times too fast: halfway up
    assert pace.next_size(20, 10.0) == 10 and pace.next_size(4000, 0.0001) == 5000
    assert pace.wait(500, 0.1, 0.01) == pytest.approx(0.4)  # 500 at 1000/s: half a second
    assert Pace(batch_ms=None).next_size(100, 1.0) == 100
    assert Pace(rate=None).wait(500, 0.1, 0.01) == 0.01


def test_sqlite_gives_the_space_of_pruned_instances_back(tmp_path: Path) -> None:
    path = tmp_path / "space.db"
    store = SqliteStore(path)
    try:
        for i in range(60):
            add_instance(store, f"s{i}", ended=i, job="completed")
            with store.transaction() as tx:
                tx.append_history(f"s{i}", [NewEvent("bulk", at(i), data={"x": "y" * 4000})])
        size = path.stat().st_size
        prune(store, ended_before=at(1000), batch=100, reclaim=False)
        assert store.reclaim_space(max_pages=10_000) > 0
        assert store.reclaim_space() == 0  # nothing left to give back
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        assert store.compact() >= 0
    finally:
        store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert path.stat().st_size < size


def test_a_run_checkpoints_the_log_between_batches_outside_the_guard(store: Store) -> None:
    for i in range(7):
        add_instance(store, f"c{i}", ended=i, job="completed")
    held = False
    outside: list[bool] = []
    checkpoint = store.checkpoint

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        nonlocal held
        held = True
        try:
            yield
        finally:
            held = False

    def watched() -> int:
        outside.append(not held)
        return checkpoint()

    setattr(store, "checkpoint", watched)  # noqa: B010 - a method of this one store
    total = prune(store, ended_before=at(50), batch=3, guard=guard, reclaim=False)
    assert total.instances == 7 and total.batches == 3  # 3 + 3 + 1
    assert outside and all(outside)  # at least after the first batch, never guarded


def test_a_run_checkpoints_before_the_log_would_pass_the_mark(store: Store) -> None:
    for i in range(10):
        add_instance(store, f"m{i}", ended=i, job="completed")
    after: list[int] = []

    def checkpoint() -> int:
        copied = 200 * (len(batches) - (after[-1] if after else 0))  # 200 frames a batch
        after.append(len(batches))
        return copied

    batches: list[int] = []

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        batches.append(1)
        yield

    setattr(store, "checkpoint", checkpoint)  # noqa: B010 - a method of this one store
    prune(store, ended_before=at(50), batch=2, guard=guard, reclaim=False)
    # 2 + 2 + 2 + 2 + 2, then an empty batch; first to learn the frames a batch writes,
    # then when one more batch would take the log to 900 frames or past (1000 at the fifth)
    assert after == [1, 5]


def test_space_goes_back_in_steps_each_under_the_guard(store: Store) -> None:
    add_instance(store, "r0", ended=0, job="completed")
    steps = iter([256, 256, 40])
    asked: list[int] = []
    guarded: list[int] = []

    def reclaim_space(*, max_pages: int = 2048) -> int:
        asked.append(max_pages)
        return next(steps)

    @contextlib.contextmanager
    def guard() -> Iterator[None]:
        guarded.append(1)
        yield

    setattr(store, "reclaim_space", reclaim_space)  # noqa: B010 - a method of this one store
    prune(store, ended_before=at(50), batch=10, guard=guard)
    assert asked == [256, 256, 256]  # until a step gives back fewer than it may
    assert len(guarded) == 1 + 3  # the batch, then each step of its own


def test_sqlite_checkpoints_its_log_on_request(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "log.db")
    try:
        add_instance(store, "k0", ended=0, job="completed")
        assert store.checkpoint() > 0
        with sqlite3.connect(tmp_path / "log.db") as conn:
            _busy, logged, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        assert logged == copied  # nothing left in the log that the file lacks
    finally:
        store.close()


def test_an_old_sqlite_file_switches_to_incremental_vacuum_when_compacted(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # a file made before schema 6: no auto-vacuum
        conn.execute("CREATE TABLE placeholder (x)")
    store = SqliteStore(path, schema="ignore")
    try:
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
        assert store.reclaim_space() == 0  # not incremental: nothing it can do
        store.compact()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    finally:
        store.close()


def test_a_cutoff_is_now_minus_the_time_to_live() -> None:
    assert cutoff(at(3600), timedelta(hours=1)) == T0
    with pytest.raises(ValueError, match="negative"):
        cutoff(T0, timedelta(seconds=-1))


def test_pruning_skips_an_instance_a_unit_of_work_holds(backend: Backend) -> None:
    if not isinstance(backend, PostgresBackend):
        pytest.skip("PostgreSQL lets several writers run at once; here writers are serial")
    store = backend.open()
    add_instance(store, "held", ended=0, job=None)
    add_instance(store, "free", ended=1, job=None)
    locked = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with store.transaction() as tx:
            tx.lock_instance("held")
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(5)
        # A prune that waited for the holder would get the instance once the holder gave
        # up (after 10 s) and remove both.
        assert prune(store, ended_before=at(50)).instances == 1
        assert remaining(store, "held", "free") == ["held"]
    finally:
        release.set()
        holder.join()
    assert prune(store, ended_before=at(50)).instances == 1
    assert remaining(store, "held") == []


def test_timer_leases_are_handed_back(store: Store) -> None:
    with store.transaction() as tx:
        for i in range(3):
            tx.insert_timer(
                NewTimer(
                    id=f"t{i}",
                    instance_id="i",
                    element_id="w",
                    element_instance_id=f"e{i}",
                    due_at=at(i),
                ),
                now=T0,
            )
    assert len(store.claim_timers("n1", now=at(1), limit=10, lease_seconds=60)) == 2
    assert len(store.claim_timers("n2", now=at(2), limit=10, lease_seconds=60)) == 1
    assert store.claim_timers("n3", now=at(3), limit=10, lease_seconds=60) == []
    assert store.release_timer_leases("n1", now=at(3)) == 2
    assert store.release_timer_leases("n1", now=at(3)) == 0
    with store.transaction(write=False) as tx:
        timer = tx.get_timer("t0")
        assert timer is not None and timer.lease_owner is None and timer.lease_until is None
        other = tx.get_timer("t2")
        assert other is not None and other.lease_owner == "n2"
    again = store.claim_timers("n3", now=at(3), limit=10, lease_seconds=60)
    assert sorted(t.id for t in again) == ["t0", "t1"]


def test_instance_keys_for_the_jobs_of_workers(store: Store) -> None:
    add_instance(store, "a", ended=None, business_key="order-1", job=None)
    add_instance(store, "b", ended=None, job=None)
    with store.transaction(write=False) as tx:
        assert tx.instance_keys(["a", "b", "missing", "a"]) == {
            "a": InstanceKeys("proc", "order-1"),
            "b": InstanceKeys("proc", None),
        }
        assert tx.instance_keys([]) == {}


def subscribe(store: Store, sub_id: str, key: str | None, t: float) -> None:
    with store.transaction() as tx:
        tx.insert_subscription(
            NewSubscription(
                id=sub_id,
                instance_id=f"i-{sub_id}",
                kind="message",
                name="paid",
                correlation_key=key,
                element_id="c",
                element_instance_id="e",
            ),
            now=at(t),
        )


def test_a_subscription_without_a_key_takes_any_key(store: Store) -> None:
    subscribe(store, "keyed-a", "A", 1)
    subscribe(store, "keyless", None, 2)
    subscribe(store, "keyed-b", "B", 3)
    with store.transaction() as tx:
        tx.lock_key("correlation", "paid", shared=True)
        found = tx.find_subscription("paid", matching_keys("B"))
        assert found is not None and found.id == "keyless"  # older than keyed-b
        assert tx.find_subscription("paid", matching_keys("A")).id == "keyed-a"  # type: ignore[union-attr]
        assert tx.find_subscription("paid", matching_keys("C")).id == "keyless"  # type: ignore[union-attr]
        # a message without a key reaches the oldest subscription of its name
        assert tx.find_subscription("paid", matching_keys(None)).id == "keyed-a"  # type: ignore[union-attr]
        assert tx.find_subscription("other", matching_keys(None)) is None
        tx.delete_subscription("keyless")
        assert tx.find_subscription("paid", matching_keys("C")) is None
        # the store only filters by the keys it is given
        assert tx.find_subscription("paid", ("B",)).id == "keyed-b"  # type: ignore[union-attr]
        assert tx.find_subscription("paid", ("C",)) is None


def buffer(store: Store, message_id: str, key: str | None, t: float) -> None:
    with store.transaction() as tx:
        tx.buffer_message(
            NewMessage(
                id=message_id,
                name="paid",
                correlation_key=key,
                variables={"m": message_id},
                expires_at=at(t + 100),
            ),
            now=at(t),
        )


def test_kept_messages_are_taken_by_the_same_rule(store: Store) -> None:
    buffer(store, "m-a", "A", 1)
    buffer(store, "m-none", None, 2)
    buffer(store, "m-b", "B", 3)
    with store.transaction() as tx:
        tx.lock_key("correlation", "paid")
        taken = tx.take_message("paid", matching_keys("B"), consumer="i1", now=at(10))
        assert taken is not None and taken.id == "m-none"  # a message without key: any
        taken = tx.take_message("paid", matching_keys("B"), consumer="i2", now=at(10))
        assert taken is not None and taken.id == "m-b" and taken.consumed_by == "i2"
        assert tx.take_message("paid", matching_keys("B"), consumer="i3", now=at(10)) is None
        # a subscription without a key takes any kept message of its name
        taken = tx.take_message("paid", matching_keys(None), consumer="i4", now=at(10))
        assert taken is not None and taken.id == "m-a"
        assert tx.take_message("paid", matching_keys(None), consumer="i5", now=at(10)) is None
    buffer(store, "m-late", "C", 200)
    with store.transaction() as tx:
        assert (
            tx.take_message("paid", matching_keys("C"), consumer="i6", now=at(400)) is None
        )  # expired
