"""The timer scheduler: fires due timers, sleeping until the next one is due.

Timers are rows (`ScheduleTimer` effects, and the timer start events of deployed
processes). The scheduler leases due timers in batches — nodes sharing PostgreSQL never
fire the same one — and fires each (on PostgreSQL several at a time) in a unit of work that
removes the row, so a timer fires once even if its lease ran out meanwhile. It sleeps until
the earliest timer is due (at most `poll_interval`), and a commit that schedules an earlier
timer wakes it; timers that came due while no node ran are overdue at start and fire at
once. Once told to stop it fires no more of the timers it leased: the node hands their
leases back (`Store.release_timer_leases`), so another node fires them at once.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from regista.runtime.shell import Shell
from regista.store import RetryableError, StoreError, StoreFull, StoreUnavailable, Timer

__all__ = ["TimerScheduler"]

log = logging.getLogger("regista.runtime")


class TimerScheduler:
    """Fires the due timers of one store; see the module docstring."""

    def __init__(
        self,
        shell: Shell,
        *,
        worker_id: str,
        lease: float = 10.0,
        batch: int = 100,
        poll_interval: float = 0.5,
        concurrency: int = 1,
    ) -> None:
        self.shell = shell
        self.worker_id = worker_id
        self.lease = lease
        self.batch = batch
        self.poll_interval = poll_interval
        # SQLite has one writer: firing from several threads would only queue
        self.concurrency = 1 if shell.store.dialect == "sqlite" else max(concurrency, 1)
        self._pool: ThreadPoolExecutor | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> int:
        """Fire every timer due now, in this thread; returns how many fired."""
        fired = 0
        while not self._stopping.is_set():
            with self.shell.writing():
                timers = self.shell.store.claim_timers(
                    self.worker_id,
                    now=self.shell.now(),
                    limit=self.batch,
                    lease_seconds=self.lease,
                )
            if self.concurrency > 1 and len(timers) > 1:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.concurrency, "regista-timer")
                fired += sum(self._pool.map(self._fire, timers))
            else:
                fired += sum(self._fire(timer) for timer in timers)
            if len(timers) < self.batch:
                break
        return fired

    def _fire(self, timer: Timer) -> bool:
        if self._stopping.is_set():
            return False  # stopping: its lease is handed back, another node fires it
        try:
            return self.shell.fire_timer(timer)
        except (RetryableError, StoreUnavailable, StoreFull) as exc:
            log.warning("timer %s: %s; it fires when its lease runs out", timer.id, exc)
        except Exception:  # one bad timer must not stop the others
            log.exception("timer %s of instance %s could not fire", timer.id, timer.instance_id)
        return False

    def seconds_to_next(self) -> float:
        """How long to sleep: until the next timer is due, at most `poll_interval`."""
        due = self.shell.store.next_timer_due()
        if due is None:
            return self.poll_interval
        wait = (due - self.shell.now()).total_seconds()
        # an overdue timer leased by another node: look again soon, not in a busy loop
        return min(max(wait, 0.02), self.poll_interval)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="regista-timers", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        wake = self.shell.signals.timers
        while not self._stopping.is_set():
            wake.clear()
            try:
                self.run_due()
                wait = self.seconds_to_next()
            except StoreError as exc:
                log.warning("the timer scheduler cannot reach the store: %s", exc)
                wait = min(self.poll_interval * 4, 5.0)
            wake.wait(wait)

    def stop(self) -> None:
        self._stopping.set()
        self.shell.signals.timers.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
