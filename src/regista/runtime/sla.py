"""SLA deadlines: a durable timer per target, written and removed with the history.

A target bounds how long an instance (the process's own target) or one element instance
(a flow node's) may take; a user task's due date is a target too. Targets come from the
model (`Process.sla_targets`, read by `regista.bpmn.sla`) and from the definition-level
overrides set through the API (`sla_targets` table), which win.

The engine stays pure: the shell reads the history events of each command (instance
started, element activated, user task created, element completed or terminated, instance
ended) in the unit of work and writes or cancels a timer row per target in the same
transaction. The rows are ordinary timers whose id starts with `sla:` — `sla:i:<instance>`,
`sla:e:<element instance>`, `sla:t:<element instance>` (moved when the task's due date is
changed) — so the scheduler leases and fires
them like any timer, exactly once across nodes (`regista.runtime.breaches` records the
breach). The timer's `created_at` is when the measured span started.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from regista.engine.state import InstanceState
from regista.model.bpmn import UserTask
from regista.runtime import alerts
from regista.runtime.definitions import Model
from regista.runtime.ids import IdSource
from regista.store import NewEvent, NewTimer, Transaction

__all__ = [
    "INSTANCE",
    "PREFIX",
    "STEP",
    "TASK_DUE",
    "Deadline",
    "SlaTracker",
    "deadline_of",
    "is_sla_timer",
]

PREFIX = "sla:"
INSTANCE = "instance"
STEP = "element"
TASK_DUE = "task_due"
_KIND_CODES = {"i": INSTANCE, "e": STEP, "t": TASK_DUE}
_CODES = {kind: code for code, kind in _KIND_CODES.items()}

_ENDS = frozenset({"element_completed", "element_terminated"})
_INSTANCE_ENDS = frozenset({"instance_ended", "instance_cancelled"})
_WATCHED = frozenset(
    {
        "instance_started",
        "element_activated",
        "user_task_created",
        "user_task_updated",
        *_ENDS,
        *_INSTANCE_ENDS,
    }
)


def is_sla_timer(timer_id: str) -> bool:
    """Whether a timer row is an SLA deadline rather than a timer of the model."""
    return timer_id.startswith(PREFIX)


def _timer_id(kind: str, element_instance_id: str) -> str:
    return f"{PREFIX}{_CODES[kind]}:{element_instance_id}"


@dataclass(frozen=True, slots=True)
class Deadline:
    """What an SLA timer measures: its `kind` (instance, element, task_due) and the
    element instance (the instance itself for `instance`)."""

    kind: str
    element_instance_id: str


def deadline_of(timer_id: str) -> Deadline:
    """The deadline an SLA timer id names (`sla:e:<element instance>`)."""
    _, code, rest = timer_id.split(":", 2)
    return Deadline(_KIND_CODES[code], rest)


@dataclass(frozen=True, slots=True)
class _Targets:
    durations: Mapping[str, dt.timedelta]
    user_tasks: frozenset[str]
    read_at: float


class SlaTracker:
    """Writes and cancels the SLA timers of a unit of work (see the module docstring).

    The targets of a definition version (model and overrides) are cached; an override set
    through this process is seen at once (`forget`), one set by another node within
    `refresh` seconds.
    """

    def __init__(self, *, refresh: float = 5.0) -> None:
        self.refresh = refresh
        self._cache: dict[str, _Targets] = {}
        self._lock = threading.Lock()

    def forget(self, definition_id: str | None = None) -> None:
        """Drop the cached targets (of one definition version) after a change."""
        with self._lock:
            if definition_id is None:
                self._cache.clear()
            else:
                self._cache.pop(definition_id, None)

    def targets(self, tx: Transaction, model: Model) -> Mapping[str, dt.timedelta]:
        """The effective targets of a definition version: element id (the process id for
        the instance) -> duration."""
        return self._targets(tx, model).durations

    def _targets(self, tx: Transaction, model: Model) -> _Targets:
        now = time.monotonic()
        cached = self._cache.get(model.definition_id)
        if cached is not None and now - cached.read_at < self.refresh:
            return cached
        process = model.definitions.processes[model.process_id]
        durations = dict(process.sla_targets)
        for element_id, seconds in tx.sla_targets(model.definition_id).items():
            durations[element_id] = dt.timedelta(seconds=seconds)
        user_tasks = frozenset(
            node.id for node in process.elements.values() if isinstance(node, UserTask)
        )
        found = _Targets(durations, user_tasks, now)
        with self._lock:
            self._cache[model.definition_id] = found
        return found

    def track(
        self,
        tx: Transaction,
        now: dt.datetime,
        model: Model,
        instance_id: str,
        events: Iterable[NewEvent],
    ) -> dt.datetime | None:
        """Write and cancel the SLA timers the events of one instance call for; returns
        the earliest deadline written (so that schedulers are woken), if any."""
        watched = [event for event in events if event.kind in _WATCHED]
        if not watched:
            return None
        targets = self._targets(tx, model)
        durations = targets.durations
        if not durations and not targets.user_tasks:
            return None
        earliest: dt.datetime | None = None

        def schedule(kind: str, element_id: str, ei_id: str, due: dt.datetime) -> None:
            nonlocal earliest
            timer = NewTimer(
                id=_timer_id(kind, ei_id),
                instance_id=instance_id,
                element_id=element_id,
                element_instance_id=ei_id,
                due_at=due,
                repeat=None,
            )
            tx.insert_timer(timer, now=now)
            earliest = due if earliest is None or due < earliest else earliest

        for event in watched:
            kind, element_id = event.kind, event.element_id or ""
            ei_id = event.element_instance_id or ""
            if kind == "instance_started":
                target = durations.get(model.process_id)
                if target is not None:
                    schedule(INSTANCE, model.process_id, instance_id, now + target)
            elif kind == "element_activated":
                target = durations.get(element_id)
                if target is not None and element_id != model.process_id:
                    schedule(STEP, element_id, ei_id, now + target)
            elif kind == "user_task_created":
                due_text = event.data.get("due_date")
                if isinstance(due_text, str):
                    schedule(TASK_DUE, element_id, ei_id, dt.datetime.fromisoformat(due_text))
            elif kind == "user_task_updated":
                changed = event.data.get("changed") or {}
                if "due_at" in changed:  # the due date moved (or was removed)
                    tx.cancel_timer(_timer_id(TASK_DUE, ei_id))
                    due = changed["due_at"]
                    if isinstance(due, dict) and isinstance(due.get("$dt"), str):
                        when = dt.datetime.fromisoformat(due["$dt"])
                        schedule(TASK_DUE, element_id, ei_id, when)
            elif kind in _ENDS:
                if element_id in durations and element_id != model.process_id:
                    tx.cancel_timer(_timer_id(STEP, ei_id))
                if element_id in targets.user_tasks:
                    tx.cancel_timer(_timer_id(TASK_DUE, ei_id))
            elif model.process_id in durations:  # the instance ended
                tx.cancel_timer(_timer_id(INSTANCE, instance_id))
        return earliest

    def watch(
        self,
        tx: Transaction,
        now: dt.datetime,
        ids: IdSource,
        model: Model,
        state: InstanceState,
        events: list[NewEvent],
        next_timer: dt.datetime | None,
    ) -> dt.datetime | None:
        """What the unit of work calls for each instance with history to write: the SLA
        timers (`track`) and the alerts of incidents (`alerts.observe`); returns the
        earliest timer now due (`next_timer` or a deadline written)."""
        alerts.observe(tx, ids, now, definition_id=model.definition_id, state=state, events=events)
        due = self.track(tx, now, model, state.id, events)
        if due is None or (next_timer is not None and next_timer <= due):
            return next_timer
        return due
