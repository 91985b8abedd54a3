"""The agenda of the in-memory runtime: what instances wait for outside themselves.

Jobs, user tasks, timers and message/signal subscriptions are created and removed by the
engine's effects; the agenda keeps them in creation order and answers the runtime's
questions — which job runs next, which timer is due, which subscription a message reaches,
what waits at an element — without walking any instance state.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from regista.engine import (
    CancelJob,
    CancelTimer,
    CancelUserTask,
    CloseSubscription,
    Command,
    CompleteJob,
    CompleteUserTask,
    CorrelateMessage,
    CreateJob,
    CreateUserTask,
    FailJob,
    OpenSubscription,
    ScheduleTimer,
    ThrowError,
    TriggerSignal,
)
from regista.feel.values import to_python
from regista.runtime.clock import utc
from regista.runtime.records import (
    BufferedMessage,
    JobRecord,
    StartTimer,
    SubscriptionRecord,
    TimerRecord,
    UserTaskRecord,
)

__all__ = ["Agenda", "Waiting", "completion", "correlation_key"]

Waiting = JobRecord | UserTaskRecord | SubscriptionRecord
Bookkeeping = (
    CreateJob
    | CancelJob
    | CreateUserTask
    | CancelUserTask
    | ScheduleTimer
    | CancelTimer
    | OpenSubscription
    | CloseSubscription
)


def correlation_key(value: Any) -> str | None:
    """A correlation key as text (`1` and `"1"` match; booleans as `true`/`false`)."""
    if value is None:
        return None
    plain = to_python(value)
    return str(plain).lower() if isinstance(plain, bool) else str(plain)


def completion(
    waiting: Waiting, variables: Mapping[str, Any]
) -> CompleteUserTask | CompleteJob | CorrelateMessage | TriggerSignal:
    """The command that completes what waits: a user task, a job, a subscription."""
    if isinstance(waiting, UserTaskRecord):
        return CompleteUserTask(waiting.id, variables)
    if isinstance(waiting, JobRecord):
        return CompleteJob(waiting.id, variables)
    if waiting.kind == "message":
        return CorrelateMessage(waiting.id, variables)
    return TriggerSignal(waiting.id, variables)


def _ordered(items: Iterable[Any], members: Sequence[str]) -> list[Any]:
    """Items of the instances `members`, by instance position then age."""
    position = {m: i for i, m in enumerate(members)}
    return sorted(
        (w for w in items if w.instance_id in position),
        key=lambda w: (position[w.instance_id], w.seq),
    )


class Agenda:
    """Jobs, user tasks, timers, subscriptions and buffered messages, in creation order."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobRecord] = {}
        self.tasks: dict[str, UserTaskRecord] = {}
        self.timers: dict[str, TimerRecord] = {}
        self.subscriptions: dict[str, SubscriptionRecord] = {}
        self.buffer: list[BufferedMessage] = []
        self._seq = itertools.count()

    def record(self, instance_id: str, effect: Bookkeeping) -> SubscriptionRecord | None:
        """Carry out one bookkeeping effect of `instance_id`; returns the subscription it
        opened, if any (a buffered message may be waiting for it)."""
        if isinstance(effect, CreateJob):
            self.jobs.pop(effect.job_id, None)  # a re-created job goes to the back
            self.jobs[effect.job_id] = JobRecord(
                id=effect.job_id,
                instance_id=instance_id,
                element_id=effect.element_id,
                element_instance_id=effect.element_instance_id,
                type=effect.type,
                retries=effect.retries,
                headers=dict(effect.headers),
                variables=dict(effect.variables),
                seq=next(self._seq),
            )
        elif isinstance(effect, CancelJob):
            self.jobs.pop(effect.job_id, None)
        elif isinstance(effect, CreateUserTask):
            self.tasks[effect.task_id] = UserTaskRecord(
                id=effect.task_id,
                instance_id=instance_id,
                element_id=effect.element_id,
                element_instance_id=effect.element_instance_id,
                name=effect.name,
                assignee=effect.assignee,
                candidate_users=tuple(effect.candidate_users),
                candidate_groups=tuple(effect.candidate_groups),
                due_date=effect.due_date,
                follow_up_date=effect.follow_up_date,
                form_key=effect.form_key,
                variables=dict(effect.variables),
                seq=next(self._seq),
            )
        elif isinstance(effect, CancelUserTask):
            self.tasks.pop(effect.task_id, None)
        elif isinstance(effect, ScheduleTimer):
            self.timers[effect.timer_id] = TimerRecord(
                id=effect.timer_id,
                due=utc(effect.due),
                seq=next(self._seq),
                element_id=effect.element_id,
                instance_id=instance_id,
                element_instance_id=effect.element_instance_id,
                repeat=effect.repeat,
            )
        elif isinstance(effect, CancelTimer):
            self.timers.pop(effect.timer_id, None)
        elif isinstance(effect, OpenSubscription):
            subscription = SubscriptionRecord(
                id=effect.subscription_id,
                instance_id=instance_id,
                kind=effect.kind,
                name=effect.name,
                correlation_key=correlation_key(effect.correlation_key),
                element_id=effect.element_id,
                element_instance_id=effect.element_instance_id,
                seq=next(self._seq),
            )
            self.subscriptions[subscription.id] = subscription
            return subscription
        else:
            self.subscriptions.pop(effect.subscription_id, None)
        return None

    def consumed(self, command: Command) -> None:
        """Forget the job or user task a command used up: the engine drops it silently
        (a job the command failed with retries left comes back as a new `CreateJob`)."""
        if isinstance(command, CompleteUserTask):
            self.tasks.pop(command.task_id, None)
        elif isinstance(command, CompleteJob | ThrowError | FailJob):
            self.jobs.pop(command.job_id, None)

    def add_start_timer(
        self, timer_id: str, due: dt.datetime, element_id: str, start: StartTimer
    ) -> None:
        """Schedule a timer start event, which the runtime itself owns."""
        self.timers[timer_id] = TimerRecord(
            id=timer_id, due=due, seq=next(self._seq), element_id=element_id, start=start
        )

    def drop_start_timers(self, process_id: str) -> None:
        """Forget the timer start events of `process_id` (a new version replaces them)."""
        for timer in list(self.timers.values()):
            if timer.start is not None and timer.start.process_id == process_id:
                del self.timers[timer.id]

    def drop(self, instance_id: str) -> None:
        """Forget everything the instance waited for (it ended)."""
        for table in (self.jobs, self.tasks, self.timers, self.subscriptions):
            for key in [k for k, v in table.items() if v.instance_id == instance_id]:
                del table[key]

    # -- what comes next ----------------------------------------------------------------------

    def next_timer(self, until: dt.datetime) -> TimerRecord | None:
        """The earliest timer due at or before `until` (the oldest of equal ones)."""
        due = [t for t in self.timers.values() if t.due <= until]
        return min(due, key=lambda t: (t.due, t.seq)) if due else None

    def next_job(self, runnable: Collection[str] | None) -> JobRecord | None:
        """The oldest job whose type is in `runnable` (None: any type)."""
        for job in self.jobs.values():
            if runnable is None or job.type in runnable:
                return job
        return None

    # -- messages and signals -----------------------------------------------------------------

    def matching(self, kind: str, name: str, key: str | None) -> list[SubscriptionRecord]:
        """The subscriptions a message (or signal) reaches: for a message the oldest one per
        instance. A subscription without a key takes any key; no key reaches any."""
        seen: set[str] = set()
        found: list[SubscriptionRecord] = []
        for sub in sorted(self.subscriptions.values(), key=lambda s: s.seq):
            if sub.kind != kind or sub.name != name:
                continue
            if kind == "message":
                if sub.instance_id in seen:
                    continue
                if key is not None and sub.correlation_key not in (None, key):
                    continue
                seen.add(sub.instance_id)
            found.append(sub)
        return found

    def describe_messages(self) -> str:
        """The messages waited for, as text for an error message."""
        waiting = sorted(
            {
                s.name + (f" (key {s.correlation_key})" if s.correlation_key else "")
                for s in self.subscriptions.values()
                if s.kind == "message"
            }
        )
        return "waiting messages: " + ", ".join(waiting) if waiting else "none is waited for"

    def keep(self, message: BufferedMessage) -> None:
        """Buffer a message nobody waited for."""
        self.buffer.append(message)

    def take_buffered(
        self, subscription: SubscriptionRecord, now: dt.datetime
    ) -> BufferedMessage | None:
        """Remove and return the oldest unexpired buffered message for `subscription`."""
        self.buffer = [m for m in self.buffer if m.expires > now]
        for message in self.buffer:
            if message.name != subscription.name:
                continue
            if None not in (message.correlation_key, subscription.correlation_key) and (
                message.correlation_key != subscription.correlation_key
            ):
                continue
            self.buffer.remove(message)
            return message
        return None

    # -- lookups ------------------------------------------------------------------------------

    def waiting_at(self, members: Sequence[str], element_id: str) -> Waiting | None:
        """The oldest user task, job or subscription at `element_id` of the instances
        `members` (the first instance first)."""
        for table in (self.tasks, self.jobs, self.subscriptions):
            found = _ordered((w for w in table.values() if w.element_id == element_id), members)
            if found:
                waiting: Waiting = found[0]
                return waiting
        return None

    def job_at(self, members: Sequence[str], element_id: str) -> JobRecord | None:
        """The oldest job at `element_id` of the instances `members`."""
        found = _ordered((j for j in self.jobs.values() if j.element_id == element_id), members)
        job: JobRecord | None = found[0] if found else None
        return job

    def jobs_of(self, members: Sequence[str] | None) -> list[JobRecord]:
        """The jobs of the instances `members` (None: all), oldest first."""
        jobs = self.jobs.values()
        return list(jobs) if members is None else _ordered(jobs, members)

    def tasks_of(self, members: Sequence[str] | None) -> list[UserTaskRecord]:
        """The user tasks of the instances `members` (None: all), oldest first."""
        tasks = self.tasks.values()
        return sorted(tasks, key=lambda t: t.seq) if members is None else _ordered(tasks, members)

    def subscriptions_of(self, members: Sequence[str] | None) -> list[SubscriptionRecord]:
        """The subscriptions of the instances `members` (None: all), oldest first."""
        subs = self.subscriptions.values()
        return sorted(subs, key=lambda s: s.seq) if members is None else _ordered(subs, members)

    def timers_of(self, members: Sequence[str] | None) -> list[TimerRecord]:
        """The timers of the instances `members` (None: all, start timers included),
        earliest first."""
        timers = sorted(self.timers.values(), key=lambda t: (t.due, t.seq))
        if members is None:
            return timers
        wanted = set(members)
        return [t for t in timers if t.instance_id in wanted]
