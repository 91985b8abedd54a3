"""Wake-ups: telling idle executors and schedulers that work was committed.

Polling is the guarantee — an executor looks for jobs every poll interval whatever
happens — and wake-ups are hints that cut the wait. Within a process a commit that
created jobs or timers sets the `Signals` events; across processes sharing PostgreSQL the
committing side sends `NOTIFY regista` (coalesced by a background thread, one round trip
for many commits) and every node's `Listener` wakes its executor and scheduler. A lost
notification costs one poll interval, never a job.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence

import psycopg

__all__ = ["CHANNEL", "Bell", "Endings", "Listener", "Notifier", "Signals"]

log = logging.getLogger("regista.runtime")

CHANNEL = "regista"


class Bell(threading.Event):
    """An event that also calls its listeners at every `set`: waiters that do not share the
    flag (long polls of the API, each clearing nothing) hear every ring, even when another
    waiter cleared the flag in between."""

    def __init__(self) -> None:
        super().__init__()
        self._listeners: dict[int, Callable[[], None]] = {}
        self._numbers = itertools.count()
        self._guard = threading.Lock()

    def set(self) -> None:
        super().set()
        with self._guard:
            listeners = list(self._listeners.values())
        for listener in listeners:
            try:
                listener()
            except Exception:  # a listener must not break the commit that rang
                log.exception("a wake-up listener failed")

    @property
    def listeners(self) -> int:
        """How many listen now (a long poll waiting, for tests)."""
        with self._guard:
            return len(self._listeners)

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` (in the ringing thread; keep it short) at every ring until the
        returned function is called."""
        number = next(self._numbers)
        with self._guard:
            self._listeners[number] = listener

        def forget() -> None:
            with self._guard:
                self._listeners.pop(number, None)

        return forget


class Endings:
    """Who waits for which instance to end (a start with `awaitCompletion`): the shell
    tells it the instances a commit ended, which wakes exactly their waiters; a note from
    another node (`NOTIFY regista, 'ended'`) wakes every waiter to look again."""

    def __init__(self) -> None:
        self._waiting: dict[str, set[threading.Event]] = {}
        self._guard = threading.Lock()

    def watch(self, instance_id: str) -> tuple[threading.Event, Callable[[], None]]:
        """An event set when `instance_id` may have ended, and the function that stops the
        watch (call it when done waiting)."""
        event = threading.Event()
        with self._guard:
            self._waiting.setdefault(instance_id, set()).add(event)

        def forget() -> None:
            with self._guard:
                events = self._waiting.get(instance_id)
                if events is not None:
                    events.discard(event)
                    if not events:
                        del self._waiting[instance_id]

        return event, forget

    @property
    def waiting(self) -> int:
        """How many instances are waited for now (for tests)."""
        with self._guard:
            return len(self._waiting)

    def ended(self, instance_ids: Sequence[str], notifier: Notifier | None = None) -> None:
        """These instances ended (a commit of this process): their waiters here wake, and
        other nodes sharing PostgreSQL are told (`notifier`)."""
        if not instance_ids:
            return
        if notifier is not None:
            notifier.notify("ended")
        with self._guard:
            if not self._waiting:
                return
            events = [e for i in instance_ids for e in self._waiting.get(i, ())]
        for event in events:
            event.set()

    def ring_all(self) -> None:
        """Some instance ended elsewhere: every waiter looks again."""
        with self._guard:
            events = [e for waiting in self._waiting.values() for e in waiting]
        for event in events:
            event.set()


class Signals:
    """In-process wake-ups: `jobs` when jobs were created, `timers` when a timer was
    scheduled (the scheduler re-reads when the next one is due), `endings` when instances
    ended."""

    def __init__(self) -> None:
        self.jobs = Bell()
        self.timers = threading.Event()
        self.endings = Endings()

    def wake_all(self) -> None:
        self.jobs.set()
        self.timers.set()


class Notifier:
    """Sends `NOTIFY regista, '<what>'` on PostgreSQL after commits, coalesced: many
    `notify` calls while a send is under way become one more send."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._pending: set[str] = set()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    def notify(self, what: str) -> None:
        with self._cond:
            if self._closed:
                return
            self._pending.add(what)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="regista-notify", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                batch, self._pending = self._pending, set()
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
                for what in sorted(batch):
                    self._conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, what))
            except psycopg.Error as exc:  # a hint only: polling still finds the work
                log.debug("NOTIFY failed: %s", exc)
                if self._conn is not None:
                    self._conn.close()
                self._conn = None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self._conn is not None:
            self._conn.close()


class Listener:
    """Listens on the `regista` channel and calls `on_notify(payload)` for each
    notification; reconnects after errors. Runs in a daemon thread until `stop`."""

    def __init__(self, url: str, on_notify: Callable[[str], None]) -> None:
        self._url = url
        self._on_notify = on_notify
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="regista-listen", daemon=True)
        self.listening = threading.Event()
        """Set once the first `LISTEN` is in place (for tests: notes sent after it arrive)."""

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=0.5):
                            self._on_notify(note.payload)
            except psycopg.Error as exc:
                log.debug("LISTEN failed, retrying: %s", exc)
                self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
