"""An engine node: the job executor, the timer scheduler and the worker pool over one store.

    >>> node = Node(open_store(settings), workers)             # doctest: +SKIP
    >>> node.serve()          # until SIGTERM / SIGINT           doctest: +SKIP

Many nodes share one PostgreSQL database with no other coordination (leases and
`SKIP LOCKED` keep them apart); SQLite serves one node, and a second one is refused with
`NodeLockError`. On PostgreSQL the node listens for `NOTIFY regista` so that work committed
by a client or another node starts at once; polling every `poll_interval` is the guarantee.
SIGTERM stops claiming, lets running jobs finish (up to `grace` seconds) and hands back
the leases of the rest — jobs and timers — so another node takes them over at once.

Housekeeping (a thread of its own) announces the node, purges expired buffered messages
and delivered alerts (`AlertOptions.keep_delivered`) and, with a `history_ttl`, removes
the instances that ended longer ago than that, in small batches of short transactions
(`regista.runtime.retention`). Alerts are sent by a thread of their own
(`regista.runtime.dispatcher`).
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType, TracebackType

from regista.runtime.dispatcher import AlertDispatcher, AlertOptions
from regista.runtime.executor import ExecutorOptions, JobExecutor
from regista.runtime.options import RuntimeOptions
from regista.runtime.retention import Pace, cutoff, prune
from regista.runtime.scheduler import TimerScheduler
from regista.runtime.shell import Clock, Shell
from regista.runtime.wakeup import Listener
from regista.runtime.workers import Workers
from regista.store import Pruned, Store, StoreError

__all__ = ["Node", "NodeOptions"]

log = logging.getLogger("regista.runtime")


@dataclass(frozen=True, slots=True)
class NodeOptions:
    """Timers leased for `timer_lease` seconds, fetched `timer_batch` at a time and fired
    `timer_concurrency` at a time (PostgreSQL; SQLite fires one at a time); the node
    announces itself every `heartbeat` seconds and purges expired messages every
    `purge_interval` seconds; `grace` is how long a stop waits for running jobs.

    With a `history_ttl`, a retention thread removes the instances that ended longer ago
    than that, continuously: `prune_batch` in the first transaction, then batches sized to
    take about `prune_batch_ms` milliseconds each (so the SQLite writer is never held
    long), `prune_pause` seconds apart, at most `prune_rate` instances a second (None: no
    cap); a round is at most `prune_max_batches` batches (then the cutoff moves on), and
    once caught up the thread rests `prune_interval` seconds."""

    timer_lease: float = 10.0
    timer_batch: int = 100
    timer_poll: float = 0.5
    timer_concurrency: int = 4
    heartbeat: float = 5.0
    purge_interval: float = 60.0
    grace: float = 30.0
    listen: bool = True
    history_ttl: timedelta | None = None
    prune_interval: float = 60.0
    prune_batch: int = 20
    prune_pause: float = 0.01
    prune_max_batches: int = 1000
    prune_batch_ms: float = 25.0
    prune_rate: float | None = None
    alerts: AlertOptions = field(default_factory=AlertOptions)
    """How alerts (webhooks, e-mail) are sent; `send_alerts` False leaves them to other
    nodes."""
    send_alerts: bool = True


class Node:
    """One engine node (see the module docstring).

    `store` may be a `Shell` shared with a `Client` in the same process (then commits of
    either wake the other at once, and `options` and `clock` are the shell's).
    """

    def __init__(
        self,
        store: Store | Shell,
        workers: Workers | None = None,
        *,
        node_id: str | None = None,
        options: RuntimeOptions | None = None,
        executor: ExecutorOptions | None = None,
        node: NodeOptions | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._owns_shell = not isinstance(store, Shell)
        self.shell = (
            store if isinstance(store, Shell) else Shell(store, options=options, clock=clock)
        )
        self.node_id = node_id or f"{socket.gethostname()}:{os.getpid()}:{self.shell.ids()}"
        self.settings = node or NodeOptions()
        self.executor = JobExecutor(self.shell, workers, worker_id=self.node_id, options=executor)
        self.scheduler = TimerScheduler(
            self.shell,
            worker_id=self.node_id,
            lease=self.settings.timer_lease,
            batch=self.settings.timer_batch,
            poll_interval=self.settings.timer_poll,
            concurrency=self.settings.timer_concurrency,
        )
        self.alerts = AlertDispatcher(
            self.shell, worker_id=self.node_id, options=self.settings.alerts
        )
        self._listener: Listener | None = None
        self._stop = threading.Event()
        self._house: threading.Thread | None = None
        self._retention: threading.Thread | None = None
        self._started = False

    @property
    def store(self) -> Store:
        return self.shell.store

    # -- synchronous use (tests, scripts) ---------------------------------------------------

    def run_until_idle(self, max_rounds: int = 100_000) -> int:
        """Fire due timers and run ready jobs in this thread until nothing is left to do
        now; returns how many timers and jobs ran."""
        total = 0
        for _ in range(max_rounds):
            done = self.scheduler.run_due() + self.executor.run_available()
            if not done:
                return total
            total += done
        raise RuntimeError(f"still busy after {max_rounds} rounds: a loop that never waits?")

    # -- as a service -----------------------------------------------------------------------

    def start(self) -> None:
        """Register the node and start its threads (raises `NodeLockError` when another
        node serves this SQLite database)."""
        if self._started:
            return
        self.store.register_node(self.node_id, now=self.shell.now())
        self._started = True
        self._stop.clear()
        url = getattr(self.store, "url", None)
        if self.settings.listen and self.store.dialect == "postgres" and url is not None:
            self._listener = Listener(url, self._notified)
            self._listener.start()
        self.executor.start()
        self.scheduler.start()
        if self.settings.send_alerts:
            self.alerts.start()
        self._house = threading.Thread(target=self._housekeeping, name="regista-house", daemon=True)
        self._house.start()
        if self.settings.history_ttl is not None:
            self._retention = threading.Thread(
                target=self._keep_pruning, name="regista-retention", daemon=True
            )
            self._retention.start()
        log.info("engine node %s started (%s)", self.node_id, self.store.dialect)

    def _notified(self, payload: str) -> None:
        if payload == "timers":
            self.shell.signals.timers.set()
        elif payload == "ended":
            self.shell.signals.endings.ring_all()
        else:
            self.shell.signals.jobs.set()

    def _keep_pruning(self) -> None:
        """Remove expired history as it expires: round after round while there is a
        backlog, resting `prune_interval` seconds once caught up."""
        rounds = max(self.settings.prune_max_batches, 1)
        while not self._stop.is_set():
            try:
                pruned = self.prune_history(max_batches=rounds)
            except StoreError as exc:
                log.warning("retention: removing expired history: %s", exc)
                pruned = Pruned()
            backlog = pruned.instances > 0 and pruned.batches >= rounds
            if not backlog and self._stop.wait(self.settings.prune_interval):
                return

    def _housekeeping(self) -> None:
        last_purge = time.monotonic()
        while not self._stop.wait(self.settings.heartbeat):
            try:
                self.store.heartbeat_node(self.node_id, now=self.shell.now())
            except StoreError as exc:
                log.warning("housekeeping: %s", exc)
            clock = time.monotonic()
            if clock - last_purge >= self.settings.purge_interval:
                last_purge = clock
                try:
                    with self.shell.writing():
                        self.store.purge_messages(now=self.shell.now())
                except StoreError as exc:
                    log.warning("housekeeping: purging messages: %s", exc)
                try:
                    self.alerts.purge()
                except StoreError as exc:
                    log.warning("housekeeping: purging delivered alerts: %s", exc)

    def prune_history(
        self, ttl: timedelta | None = None, *, max_batches: int | None = None
    ) -> Pruned:
        """Remove the instances that ended longer ago than `ttl` (default: the node's
        `history_ttl`; nothing without one), in small batches; returns what was removed."""
        ttl = self.settings.history_ttl if ttl is None else ttl
        if ttl is None:
            return Pruned()
        pruned = prune(
            self.store,
            ended_before=cutoff(self.shell.now(), ttl),
            batch=max(self.settings.prune_batch, 1),
            max_batches=max_batches,
            pause=self.settings.prune_pause,
            guard=self.shell.writing,
            should_stop=self._stop.is_set,
            pace=Pace(batch_ms=self.settings.prune_batch_ms, rate=self.settings.prune_rate),
        )
        if pruned.instances:
            log.info("history retention removed %s", pruned)
        return pruned

    def stop(self, grace: float | None = None) -> int:
        """Stop: no new work, running jobs finish (up to `grace` seconds), the leases of the
        rest and of the timers not fired are handed back; returns how many leases (jobs and
        timers) were handed back."""
        if not self._started:
            return 0
        self._started = False
        self._stop.set()
        self.scheduler.stop()
        self.alerts.stop()
        timers = 0
        try:
            with self.shell.writing():
                timers = self.store.release_timer_leases(self.node_id, now=self.shell.now())
        except StoreError as exc:
            log.warning("could not hand back the timer leases: %s", exc)
        released = self.executor.stop(self.settings.grace if grace is None else grace)
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        if self._house is not None:
            self._house.join(timeout=2)
        try:
            self.store.unregister_node(self.node_id)
        except StoreError as exc:
            log.warning("could not unregister the node: %s", exc)
        log.info(
            "engine node %s stopped; %d job and %d timer lease(s) handed back",
            self.node_id,
            released,
            timers,
        )
        return released + timers

    def request_stop(self) -> None:
        """Ask `serve` to stop (safe from a signal handler)."""
        self._stop.set()

    def serve(self, *, install_signals: bool = True) -> int:
        """Start, run until SIGTERM or SIGINT (or `request_stop`), stop; returns the number
        of leases handed back."""
        if install_signals:

            def handle(signum: int, frame: FrameType | None) -> None:
                log.info("signal %d: stopping", signum)
                self.request_stop()

            signal.signal(signal.SIGTERM, handle)
            signal.signal(signal.SIGINT, handle)
        self.start()
        try:
            while not self._stop.wait(0.5):
                pass
        finally:
            released = self.stop()
        return released

    def close(self) -> None:
        """Stop if running and release the shell's connections (not the store's, nor
        those of a shell given by the caller)."""
        self.stop()
        self.alerts.close()
        if self._owns_shell:
            self.shell.close()

    def __enter__(self) -> Node:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
