"""Jobs: batch claims with leases, expiry, attempt fencing, idempotent completion, retries."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from storekit import T0, Backend, at, uid

from regista.store import NewJob, Outcome, Store

pytest_plugins = ["storefixtures"]


def add_jobs(store: Store, n: int, *, type: str = "payment", due: int = 0) -> list[str]:
    ids = [uid("j-") for _ in range(n)]
    with store.transaction() as tx:
        for i, job_id in enumerate(ids):
            tx.insert_job(
                NewJob(
                    id=job_id,
                    instance_id="i-1",
                    element_id="task",
                    element_instance_id=f"ei-{i}",
                    type=type,
                    retries=3,
                    due_at=at(due),
                ),
                now=T0,
            )
    return ids


def test_claim_in_batches_with_a_lease(store: Store) -> None:
    ids = add_jobs(store, 5)
    add_jobs(store, 2, type="email")
    batch = store.claim_jobs(["payment"], "w1", limit=3, lease_seconds=30, now=at(1))
    assert len(batch) == 3
    assert {j.id for j in batch} <= set(ids)
    for job in batch:
        assert (job.status, job.attempt, job.lease_owner, job.lease_until) == (
            "claimed",
            1,
            "w1",
            at(31),
        )
    rest = store.claim_jobs(["payment"], "w2", limit=10, lease_seconds=30, now=at(1))
    assert len(rest) == 2 and not {j.id for j in rest} & {j.id for j in batch}
    assert store.claim_jobs(["payment"], "w3", limit=10, lease_seconds=30, now=at(2)) == []
    both = store.claim_jobs(["payment", "email"], "w3", limit=10, lease_seconds=30, now=at(2))
    assert [j.type for j in both] == ["email", "email"]
    assert store.claim_jobs([], "w3", limit=10, lease_seconds=30, now=at(2)) == []


@pytest.mark.parametrize("types", [["payment"], ["payment", "email"]])
def test_a_claim_takes_the_longest_waiting_first(store: Store, types: list[str]) -> None:
    """Oldest due time first, an expired lease by the time it ran out, ties by id: with
    one type (`job_claim_type`, read in index order) as with several (`job_claim`)."""
    late = add_jobs(store, 2, due=30)
    (expired,) = add_jobs(store, 1, due=0)
    store.claim_jobs(["payment"], "gone", limit=1, lease_seconds=10, now=at(1))  # until 11
    early = sorted(add_jobs(store, 3, due=20))
    first = store.claim_jobs(types, "w", limit=3, lease_seconds=60, now=at(40))
    # its lease ran out at 11, before the others were due: it goes first
    assert [j.id for j in first] == [expired, *early[:2]]
    rest = store.claim_jobs(types, "w", limit=10, lease_seconds=60, now=at(40))
    assert [j.id for j in rest] == [early[2], *sorted(late)]


def test_backoff_due_time_is_respected(store: Store) -> None:
    (job_id,) = add_jobs(store, 1, due=10)
    assert store.claim_jobs(["payment"], "w", limit=1, lease_seconds=5, now=at(9)) == []
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=5, now=at(10))
    assert job.id == job_id


def test_expired_lease_is_claimed_again_and_the_old_attempt_is_fenced(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (first,) = store.claim_jobs(["payment"], "old", limit=1, lease_seconds=30, now=at(0))
    assert store.claim_jobs(["payment"], "new", limit=1, lease_seconds=30, now=at(29)) == []
    (second,) = store.claim_jobs(["payment"], "new", limit=1, lease_seconds=30, now=at(30))
    assert second.id == job_id and second.attempt == 2 and second.lease_owner == "new"
    with store.transaction() as tx:
        # the stalled old worker reports late: it must not overwrite the newer attempt
        assert tx.complete_job(job_id, first.attempt, now=at(40)) is Outcome.STALE
        assert tx.fail_job(job_id, first.attempt, error="late", now=at(40)) is Outcome.STALE
        job = tx.get_job(job_id)
        assert job is not None and job.status == "claimed" and job.attempt == 2
        assert tx.complete_job(job_id, second.attempt, now=at(41)) is Outcome.APPLIED
    with store.transaction() as tx:
        assert tx.complete_job(job_id, second.attempt, now=at(42)) is Outcome.DUPLICATE
        assert tx.complete_job(job_id, first.attempt, now=at(42)) is Outcome.STALE
        assert tx.complete_job("no-such-job", 1, now=at(42)) is Outcome.MISSING
        job = tx.get_job(job_id)
        assert job is not None and job.status == "completed" and job.completed_at == at(41)
        assert job.lease_owner is None
    assert store.claim_jobs(["payment"], "x", limit=1, lease_seconds=30, now=at(999)) == []


def test_late_report_within_an_expired_but_unclaimed_lease_still_counts(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=1, now=at(0))
    with store.transaction() as tx:
        assert tx.complete_job(job_id, job.attempt, now=at(100)) is Outcome.APPLIED


def test_completion_rolled_back_with_its_unit(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(0))
    try:
        with store.transaction() as tx:
            assert tx.complete_job(job_id, job.attempt, now=at(1)) is Outcome.APPLIED
            raise KeyError("engine step failed")
    except KeyError:
        pass
    with store.transaction() as tx:
        assert tx.complete_job(job_id, job.attempt, now=at(2)) is Outcome.APPLIED


def test_failure_with_retries_backs_off_then_runs_out(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(0))
    with store.transaction() as tx:
        outcome = tx.fail_job(job_id, job.attempt, error="HTTP 503", now=at(1))
        assert outcome is Outcome.APPLIED
        failed = tx.get_job(job_id)
        assert failed is not None and (failed.status, failed.retries) == ("failed", 0)
        assert tx.retry_job(job_id, retries=2, due_at=at(11)) is True
        assert tx.fail_job(job_id, job.attempt, error="HTTP 503", now=at(1)) is Outcome.DUPLICATE
    assert store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(10)) == []
    (again,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(11))
    assert (again.attempt, again.retries, again.error) == (2, 2, "HTTP 503")
    assert again.error_details is None
    with store.transaction() as tx:
        outcome = tx.fail_job(job_id, again.attempt, error="HTTP 500", now=at(12), details="trace")
        assert outcome is Outcome.APPLIED
        failed = tx.get_job(job_id)
        assert failed is not None and (failed.status, failed.retries) == ("failed", 0)
        assert (failed.error, failed.error_details) == ("HTTP 500", "trace")
    assert store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(99)) == []
    with store.transaction() as tx:  # resolving the incident retries the job
        assert tx.retry_job(job_id, retries=1, due_at=at(100)) is True
        assert tx.retry_job(job_id, retries=1, due_at=at(100)) is False
    (third,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(100))
    assert (third.attempt, third.retries) == (3, 1)


def test_cancelled_job_ignores_its_worker(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(0))
    with store.transaction() as tx:
        assert tx.cancel_job(job_id, now=at(1)) is True
        assert tx.cancel_job(job_id, now=at(1)) is False
    with store.transaction() as tx:
        assert tx.complete_job(job_id, job.attempt, now=at(2)) is Outcome.STALE
    assert store.claim_jobs(["payment"], "w", limit=1, lease_seconds=30, now=at(99)) == []


def test_heartbeat_extends_only_the_current_lease(store: Store) -> None:
    (job_id,) = add_jobs(store, 1)
    (job,) = store.claim_jobs(["payment"], "w", limit=1, lease_seconds=10, now=at(0))
    assert store.extend_lease(job_id, job.attempt, "w", lease_seconds=10, now=at(8)) is True
    assert store.claim_jobs(["payment"], "x", limit=1, lease_seconds=10, now=at(12)) == []
    assert store.extend_lease(job_id, job.attempt, "intruder", lease_seconds=10, now=at(9)) is False
    assert store.extend_lease(job_id, job.attempt + 1, "w", lease_seconds=10, now=at(9)) is False
    (taken,) = store.claim_jobs(["payment"], "x", limit=1, lease_seconds=10, now=at(18))
    assert taken.attempt == 2
    assert store.extend_lease(job_id, job.attempt, "w", lease_seconds=10, now=at(19)) is False


def test_release_leases_on_shutdown(store: Store) -> None:
    add_jobs(store, 3)
    held = store.claim_jobs(["payment"], "leaving", limit=2, lease_seconds=300, now=at(0))
    assert store.release_leases("leaving", now=at(1)) == 2
    assert store.release_leases("leaving", now=at(1)) == 0
    again = store.claim_jobs(["payment"], "other", limit=5, lease_seconds=300, now=at(1))
    assert len(again) == 3
    assert {j.id for j in held} <= {j.id for j in again}


def test_concurrent_claimers_get_disjoint_jobs(backend: Backend) -> None:
    """Several workers (threads, each with its own store = own connections) claim at once."""
    store = backend.open()
    total = 60
    add_jobs(store, total)
    stores = [store] if backend.name == "memory" else [backend.open() for _ in range(3)]
    claimed: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        mine = stores[worker % len(stores)]
        try:
            while True:
                batch = mine.claim_jobs(
                    ["payment"], f"w{worker}", limit=4, lease_seconds=60, now=at(1)
                )
                if not batch:
                    return
                with lock:
                    claimed.extend(j.id for j in batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    counts = Counter(claimed)
    assert len(counts) == total
    assert max(counts.values()) == 1
