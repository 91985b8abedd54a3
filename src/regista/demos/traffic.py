"""The demo traffic: a thread that keeps the four demos alive by starting instances,
completing some of the open user tasks and publishing the messages the instances wait for,
as customers, employees and partner systems would.

Everything it draws comes from random sources seeded by `seed`: the starts from one (the
same seed starts the same instances in the same order), the people's answers from
another. `rate` is the number of instances started per minute; each start is one tick,
and a message scheduled `after` n ticks is published n ticks later (kept for
`MESSAGE_TTL_SECONDS` when nobody waits for it yet). Business keys carry a tag drawn from
the seed, so a run with another seed on the same database starts other keys. It works
through the `Client`, as any application would.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from regista.client import Client
from regista.demos.catalog import DEMOS, Demo
from regista.demos.inputs import ANSWERS, STARTS, Later
from regista.runtime.errors import RequestError
from regista.store import StoreError

__all__ = ["MESSAGE_TTL_SECONDS", "Traffic", "TrafficCounts", "TrafficError"]

log = logging.getLogger(__name__)

MESSAGE_TTL_SECONDS = 600
#: How many of the oldest open user tasks a tick looks at.
TASK_WINDOW = 100


class TrafficError(ValueError):
    """Traffic settings that cannot work (a rate that is not positive)."""


@dataclass(slots=True)
class _Pending:
    due: int
    message: Later


@dataclass(slots=True)
class TrafficCounts:
    """What the traffic did so far, for logs and tests."""

    started: Counter[str] = field(default_factory=Counter)
    completed_tasks: int = 0
    published: int = 0
    errors: int = 0


class Traffic:
    """Drives the demos over `client` at `rate` starts per minute from `seed`; `start`
    runs it in a daemon thread until `stop`, `tick` does one step (for tests)."""

    def __init__(
        self,
        client: Client,
        *,
        seed: int = 0,
        rate: float = 6.0,
        demos: tuple[Demo, ...] = DEMOS,
        tasks_per_tick: int = 2,
    ) -> None:
        if not rate > 0:
            raise TrafficError(f"the demo rate must be more than 0 starts a minute, not {rate}")
        self.client = client
        self.rate = rate
        self.demos = demos
        self.tasks_per_tick = tasks_per_tick
        self.counts = TrafficCounts()
        self._starts = random.Random(seed)
        self._people = random.Random(seed + 1)
        # keys carry this tag, so runs with other seeds on one database never share a key
        self.tag = _base36(self._starts.randrange(36**4)).rjust(4, "0")
        self._ticks = 0
        self._pending: list[_Pending] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        """Seconds between ticks."""
        return 60.0 / self.rate

    def start(self) -> None:
        """Run ticks in a daemon thread until `stop`."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="regista-demo-traffic", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after the tick it is in."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception as exc:  # a demo keeps going whatever one tick met
                self.counts.errors += 1
                log.error("demo traffic: %s: %s", type(exc).__name__, exc)
            self._stopping.wait(self.interval)

    def tick(self) -> None:
        """One step: start the next demo's instance, publish the messages that are due,
        complete some open user tasks. A failure is logged and the traffic goes on."""
        self._ticks += 1
        for step in (self._start_next, self._publish_due, self._complete_tasks):
            try:
                step()
            except (RequestError, StoreError) as exc:
                self.counts.errors += 1
                log.warning("demo traffic: %s", exc)

    def _start_next(self) -> None:
        demo = self.demos[(self._ticks - 1) % len(self.demos)]
        drawn = STARTS[demo.process_id](self._starts, f"{self.tag}-{self._ticks:06d}")
        self.client.start(
            demo.process_id, drawn.variables, business_key=drawn.key, actor="demo-traffic"
        )
        self.counts.started[demo.process_id] += 1
        self._pending.extend(_Pending(self._ticks + m.after, m) for m in drawn.later)

    def _publish_due(self) -> None:
        due = [p for p in self._pending if p.due <= self._ticks]
        self._pending = [p for p in self._pending if p.due > self._ticks]
        for pending in due:
            message = pending.message
            self.client.correlate(
                message.name,
                message.key,
                message.variables,
                ttl=_ttl(),
                actor="demo-traffic",
            )
            self.counts.published += 1

    def _complete_tasks(self) -> None:
        open_tasks = [t for t in self.client.tasks(limit=TASK_WINDOW) if t.element_id in ANSWERS]
        people = self._people
        for task in people.sample(open_tasks, min(self.tasks_per_tick, len(open_tasks))):
            if people.random() < 0.25:
                continue  # people do not finish everything at once: a backlog stays
            answer = ANSWERS[task.element_id](people)
            if self.client.complete_task(task.id, answer, by="demo"):
                self.counts.completed_tasks += 1


def _base36(number: int) -> str:
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = digits[digit] + text
    return text


def _ttl() -> dt.timedelta:
    return dt.timedelta(seconds=MESSAGE_TTL_SECONDS)
