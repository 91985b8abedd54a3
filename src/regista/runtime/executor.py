"""The job executor: claims jobs with a lease and runs them on a pool of worker threads.

Service tasks (and send, script or business rule tasks with a job type) are done by the
in-process `@worker` handlers; outbox jobs (`regista:...`) by the runtime itself. A
dispatcher thread claims jobs (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so nodes never claim
the same job), worker threads run the handlers, and each outcome is reported in one unit of
work carrying the attempt number: a report for an attempt that is no longer current changes
nothing. On PostgreSQL each worker thread reports its own outcomes, so the reports run side
by side; SQLite has one writer, so there one reporter thread writes the outcomes of all
workers back to back (threads queueing on the write lock hand it over more slowly than one
thread that keeps it busy), and the outcomes that queued up while one transaction ran go
into the next together: a group commit, one fsync and one write of each shared page for
many reports. A batch is all or nothing; when it fails, its reports go again one by one,
so only the failing job counts a failed attempt.

The dispatcher keeps up to twice `concurrency` jobs in hand: it claims when no more than
`concurrency` are held (every thread has one, none waits), so claims come in batches rather
than one per finished job. A job that a report creates for this executor (the next service
task of the instance, an outbox job) is inserted already leased to it and queued here after
the commit, without a claim or a wake-up (see `JobTaker`); jobs for other types, or when the
executor has enough in hand, stay ready for any node.

A watchdog extends the leases of the jobs held — running or waiting for a thread — (the
heartbeat), and fails an attempt that runs past the timeout — the stuck thread is replaced,
and whatever it reports later is stale. A failed attempt is retried after a backoff while
retries are left; then the instance gets an incident. `stop` finishes what runs (up to a
grace period) and hands back every lease.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regista.engine import ASYNC_CONTINUATION, decode_value
from regista.feel.values import to_python
from regista.runtime import outbox
from regista.runtime.shell import Shell
from regista.runtime.workers import ActivatedJob, Handler, Workers, WorkResult, perform
from regista.store import (
    InstanceKeys,
    Job,
    RetryableError,
    StoreError,
    StoreFull,
    StoreUnavailable,
)

__all__ = ["ExecutorOptions", "JobExecutor"]

log = logging.getLogger("regista.runtime")


@dataclass(frozen=True, slots=True)
class ExecutorOptions:
    """`concurrency` jobs at a time, each leased for `lease` seconds (extended while it
    runs) and failed after `timeout` seconds; at most `batch` jobs per claim; an idle
    executor looks for jobs every `poll_interval` seconds (sooner when woken)."""

    concurrency: int = 8
    lease: float = 30.0
    timeout: float = 300.0
    batch: int = 32
    poll_interval: float = 0.5


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


def _sync(handler: Handler) -> Handler:
    """The handler, with an `async def` one run to completion in its worker thread."""

    def run(job: ActivatedJob) -> Mapping[str, Any] | None:
        result: Any = handler(job)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return result  # type: ignore[no-any-return]

    return run


@dataclass(eq=False)
class _Held:
    """A job leased to this executor: waiting for a thread, then running."""

    job: Job
    renewed: float
    started: float | None = None
    abandoned: bool = False
    lost: bool = False
    """The lease was taken over before a thread picked the job up: skip it."""
    thread: threading.Thread | None = field(default=None)


class JobExecutor:
    """Runs the jobs of `workers` (and the outbox) for one node; see the module docstring."""

    def __init__(
        self,
        shell: Shell,
        workers: Workers | None = None,
        *,
        worker_id: str,
        options: ExecutorOptions | None = None,
        outbox_jobs: bool = True,
    ) -> None:
        self.shell = shell
        self.workers = workers if workers is not None else Workers()
        self.worker_id = worker_id
        self.options = options or ExecutorOptions()
        # the runtime's own jobs: the outbox, and asynchronous continuations (completed
        # without a worker, each in a transaction of its own)
        self._own = frozenset((*outbox.TYPES, ASYNC_CONTINUATION) if outbox_jobs else ())
        self._queue: queue.Queue[_Held | None] = queue.Queue()
        # a database with one writer gets one reporter thread (see the module docstring)
        self._serial = shell.store.dialect != "postgres"
        self._outcomes: queue.Queue[tuple[_Held, WorkResult | None] | None] = queue.Queue()
        self._lock = threading.Condition()
        self._inflight = 0
        self._held: dict[str, _Held] = {}
        self._stopping = threading.Event()
        self._serving = False
        self._threads: list[threading.Thread] = []
        self._workers_alive = 0
        # Process id and business key never change for an instance, so one read serves all
        # of its jobs; bounded, as a long-running node sees many instances.
        self._keys: dict[str, InstanceKeys] = {}

    @property
    def lease(self) -> float:
        return self.options.lease

    @property
    def _most(self) -> int:
        """How many jobs to claim at most: one per thread, and as many waiting."""
        return 2 * max(self.options.concurrency, 1)

    @property
    def _most_taken(self) -> int:
        """How many jobs to hold at most with those taken from reports: one more per
        thread than claims fill, so that the next step of an instance under way goes
        before new instances (and skips a claim) even when claims filled the queue."""
        return self._most + max(self.options.concurrency, 1)

    def wants(self, job_type: str, pending: int = 0) -> bool:
        """`JobTaker`: take a job a report creates when the threads run and have room
        (counting the `pending` jobs its transaction already took)."""
        return (
            self._serving
            and (job_type in self._own or job_type in self.workers)
            and self._inflight + pending < self._most_taken
            and not self._stopping.is_set()
        )

    def taken(self, jobs: Sequence[Job]) -> None:
        """`JobTaker`: queue the jobs a committed report leased to this executor."""
        if not self._stopping.is_set():
            self._hand_out(jobs)

    def _hand_out(self, jobs: Sequence[Job]) -> None:
        now = time.monotonic()
        entries = [_Held(job, now) for job in jobs]
        with self._lock:
            for entry in entries:
                self._held[entry.job.id] = entry
            self._inflight += len(entries)
        for entry in entries:
            self._queue.put(entry)

    # -- one job ----------------------------------------------------------------------------

    def claim(self, limit: int) -> list[Job]:
        """Lease up to `limit` jobs this executor can run."""
        if limit <= 0 or not self.types:
            return []
        keys: dict[str, InstanceKeys] = {}
        jobs = self.shell.claim(
            self.types, self.worker_id, limit=limit, lease_seconds=self.options.lease, keys=keys
        )
        self._remember(keys)
        return jobs

    @property
    def types(self) -> list[str]:
        """The job types this executor claims: its workers' (read at each claim, so a
        handler registered later is used) and the runtime's own."""
        return self.workers.types + sorted(self._own)

    def execute(self, job: Job) -> None:
        """Run a claimed job and apply its outcome."""
        if job.type == ASYNC_CONTINUATION:
            self._apply(job, WorkResult("completed"))
            return
        if outbox.is_internal(job.type):
            self._apply(job, None)
            return
        self._apply(job, self.perform(job))

    def perform(self, job: Job) -> WorkResult:
        """What the handler makes of the job (never raises)."""
        found = self.workers.handler(job.type)
        handler = _sync(found) if found is not None else None
        if handler is None:
            return WorkResult("failed", message=f"no worker handles jobs of type {job.type!r}")
        try:
            variables = to_python(decode_value(job.variables))
        except (ValueError, TypeError, KeyError) as exc:
            return WorkResult("failed", message=f"the job's variables cannot be read: {exc}")
        keys = self._instance_keys(job.instance_id)
        return perform(
            handler,
            ActivatedJob(
                id=job.id,
                type=job.type,
                instance_id=job.instance_id,
                element_id=job.element_id,
                element_instance_id=job.element_instance_id,
                variables=variables,
                headers=dict(job.headers),
                retries=job.retries,
                process_id=keys.process_id if keys else "",
                business_key=keys.business_key if keys else None,
            ),
        )

    def _instance_keys(self, instance_id: str) -> InstanceKeys | None:
        """The process id and business key of a job's instance, for its worker."""
        with self._lock:
            found = self._keys.get(instance_id)
        if found is not None:
            return found
        try:
            with self.shell.store.transaction(write=False) as tx:
                found = tx.instance_keys([instance_id]).get(instance_id)
        except StoreError as exc:
            log.warning("cannot read the keys of instance %s: %s", instance_id, exc)
            return None
        if found is not None:
            self._remember({instance_id: found})
        return found

    def _remember(self, keys: Mapping[str, InstanceKeys]) -> None:
        """Keep instance keys for the jobs to come (a claim reads them with its locks)."""
        if not keys:
            return
        with self._lock:
            if len(self._keys) + len(keys) > 10_000:
                self._keys.clear()
            self._keys.update(keys)

    def _apply(self, job: Job, outcome: WorkResult | None, *, take: bool = False) -> None:
        taker = self if take else None
        try:
            if outcome is None:
                self.shell.run_outbox(job, taker=taker)
            else:
                self.shell.report(job, outcome, self.worker_id, taker=taker)
        except StoreError as exc:
            if not _is_fault(exc):
                # the database is unreachable or busy: the lease runs out and the job is
                # claimed again, so nothing is lost
                log.warning("job %s: could not record the outcome: %s", job.id, exc)
                return
            self._fault(job, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug must not kill the worker thread or loop for ever
            log.exception("job %s (%s) could not be applied", job.id, job.type)
            self._fault(job, f"{type(exc).__name__}: {exc}")

    def _fault(self, job: Job, message: str) -> None:
        try:
            self.shell.job_fault(job, message)
        except Exception:
            log.exception("job %s: could not record the fault", job.id)

    def run_available(self) -> int:
        """Claim and run the jobs that are ready now, in this thread; returns how many.
        For tests and `Node.run_until_idle`."""
        total = 0
        while True:
            jobs = self.claim(self.options.batch)
            for job in jobs:
                self.execute(job)
            total += len(jobs)
            if len(jobs) < self.options.batch:
                return total

    # -- the thread pool --------------------------------------------------------------------

    def start(self) -> None:
        """Start the dispatcher, the worker threads and the watchdog."""
        self._stopping.clear()
        self._serving = True
        self._spawn(self._dispatch, "regista-dispatch")
        self._spawn(self._watch, "regista-watchdog")
        if self._serial:
            self._spawn(self._report, "regista-reporter")
        for _ in range(self.options.concurrency):
            self._spawn_worker()

    def _spawn(self, target: Any, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()
        return thread

    def _spawn_worker(self) -> None:
        with self._lock:
            self._workers_alive += 1
        self._spawn(self._work, f"regista-worker-{len(self._threads)}")

    def _dispatch(self) -> None:
        wake = self.shell.signals.jobs
        threads = max(self.options.concurrency, 1)
        while not self._stopping.is_set():
            with self._lock:
                if self._inflight > threads:  # every thread has a job and more wait
                    self._lock.wait(self.options.poll_interval)
                    continue
                wanted = min(self._most - self._inflight, self.options.batch)
            wake.clear()
            try:
                jobs = self.claim(wanted)
            except StoreError as exc:
                log.warning("claiming jobs failed: %s", exc)
                self._stopping.wait(min(self.options.poll_interval * 4, 5.0))
                continue
            if jobs:
                self._hand_out(jobs)
            if len(jobs) < wanted:
                wake.wait(self.options.poll_interval)

    def _work(self) -> None:
        me = threading.current_thread()
        while True:
            entry = self._queue.get()
            if entry is None:
                break
            job = entry.job
            with self._lock:
                skip = entry.lost or entry.abandoned
                if skip:
                    self._release(entry)
                else:
                    entry.started = time.monotonic()
                    entry.thread = me
            if skip:
                continue
            reported = False
            try:
                outcome = None if outbox.is_internal(job.type) else self.perform(job)
                if entry.abandoned:
                    pass
                elif self._serial:
                    self._outcomes.put((entry, outcome))
                    reported = True  # the reporter thread takes it from here
                else:
                    self._apply(job, outcome, take=True)
            finally:
                if not reported:
                    with self._lock:
                        if not entry.abandoned:
                            self._release(entry)
            if entry.abandoned:
                break  # a replacement took this thread's place
        with self._lock:
            self._workers_alive -= 1
            self._lock.notify_all()

    def _report(self) -> None:
        """The reporter thread of a single-writer database: applies the outcomes of every
        worker thread. What queued up while the last transaction ran goes in the next one
        together (group commit: one commit for many reports), up to `batch` reports."""
        while True:
            item = self._outcomes.get()
            if item is None:
                break
            items = [item]
            stop = False
            while len(items) < max(self.options.batch, 1):
                try:
                    more = self._outcomes.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                items.append(more)
            live = [(entry, outcome) for entry, outcome in items if not entry.abandoned]
            try:
                self._apply_many(live)
            finally:
                with self._lock:
                    for entry, _ in items:
                        if not entry.abandoned:
                            self._release(entry)
            if stop:
                break

    def _apply_many(self, items: Sequence[tuple[_Held, WorkResult | None]]) -> None:
        """Apply worker reports in one transaction; outbox jobs, a single report, or a
        batch that fails go one by one (so that only the failing job gets its fault)."""
        reports = [(e.job, o) for e, o in items if o is not None]
        batched = False
        if len(reports) > 1:
            try:
                self.shell.report_many(reports, self.worker_id, taker=self)
                batched = True
            except Exception as exc:
                log.debug("a batch of %d reports failed (%s); one by one", len(reports), exc)
        for entry, outcome in items:
            if outcome is None or not batched:
                self._apply(entry.job, outcome, take=True)

    def _release(self, entry: _Held) -> None:
        """Forget a job held (under the lock)."""
        if self._held.get(entry.job.id) is entry:
            del self._held[entry.job.id]
        self._inflight -= 1
        self._lock.notify_all()

    def _watch(self) -> None:
        interval = max(min(self.options.lease / 3, 1.0), 0.05)
        while not self._stopping.wait(interval):
            self.watch_once()

    def watch_once(self) -> None:
        """Extend the leases of the jobs held and fail those running past their timeout."""
        now = time.monotonic()
        with self._lock:
            held = [e for e in self._held.values() if not (e.abandoned or e.lost)]
        for entry in held:
            job = entry.job
            if entry.started is not None and now - entry.started > self.options.timeout:
                self._abandon(entry)
                outcome = WorkResult(
                    "failed",
                    message=f"the worker did not finish within {self.options.timeout:g} s",
                )
                self._apply(job, outcome)
                continue
            if now - entry.renewed >= self.options.lease / 3:
                try:
                    with self.shell.writing():
                        still = self.shell.store.extend_lease(
                            job.id,
                            job.attempt,
                            self.worker_id,
                            lease_seconds=self.options.lease,
                            now=self.shell.now(),
                        )
                except StoreError as exc:
                    log.warning("job %s: could not extend the lease: %s", job.id, exc)
                    continue
                entry.renewed = now
                if still:
                    continue
                with self._lock:
                    waiting = entry.started is None
                    if waiting:
                        entry.lost = True  # taken over before it ran: the thread skips it
                if not waiting:
                    self._abandon(entry)  # taken over: its late report will be stale

    def _abandon(self, entry: _Held) -> None:
        with self._lock:
            if entry.abandoned:
                return
            entry.abandoned = True
            self._release(entry)
        if not self._stopping.is_set():
            self._spawn_worker()

    def stop(self, grace: float = 30.0) -> int:
        """Stop claiming, let running jobs finish for up to `grace` seconds, then hand
        back every lease this executor holds; returns how many were handed back."""
        self._stopping.set()
        self._serving = False
        self.shell.signals.jobs.set()
        while True:  # jobs claimed but not started go back at once
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                with self._lock:
                    self._release(item)
        deadline = time.monotonic() + grace
        with self._lock:
            while self._running() and time.monotonic() < deadline:
                self._lock.wait(min(0.1, max(deadline - time.monotonic(), 0.001)))
            for entry in self._running():
                entry.abandoned = True  # whatever it reports now is stale
                self._release(entry)
            alive = self._workers_alive
        for _ in range(alive):
            self._queue.put(None)
        self._outcomes.put(None)
        released = 0
        try:
            with self.shell.writing():
                released = self.shell.store.release_leases(self.worker_id, now=self.shell.now())
        except StoreError as exc:
            log.warning("could not hand back the leases: %s", exc)
        for thread in self._threads:
            if thread is not threading.current_thread():
                thread.join(timeout=0.5)
        self._threads = []
        return released

    def _running(self) -> list[_Held]:
        """The jobs a thread runs now (under the lock)."""
        return [e for e in self._held.values() if e.started is not None and not e.abandoned]

    @property
    def busy(self) -> int:
        """Jobs claimed and not yet done."""
        with self._lock:
            return self._inflight


def _is_fault(exc: StoreError) -> bool:
    """Whether a store error belongs to the job (a corrupt row, a refused write) rather
    than to the database being unreachable, busy or full for a while."""
    return not isinstance(exc, RetryableError | StoreUnavailable | StoreFull)
