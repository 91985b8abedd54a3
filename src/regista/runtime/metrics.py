"""What the shell tells an observer (metrics, tracing) about the work it committed.

The runtime knows nothing of Prometheus: it calls an `Observer` (none by default), which a
higher layer implements (`regista.insight.metrics`). Everything is reported after the
commit, so a unit of work that rolled back (a lost race, a batch run again without its
culprit) is never counted. A unit of work notes its facts (`UnitOfWork.facts`: instances
started, jobs and user tasks done, timers fired) as tuples appended to a list, and the
shell hands them over with the instances it ended and the incidents it raised
(`report`); with no observer, nothing more than the appends happens on the hot path.
"""

from __future__ import annotations

from typing import Protocol

from regista.runtime.unit_of_work import UnitOfWork

__all__ = ["JOB", "STARTED", "TASK", "TIMER", "NoObserver", "Observer", "Observers", "report"]

# the kinds of `UnitOfWork.facts`: (kind, label, label, seconds)
STARTED = "started"
"""An instance started: (STARTED, process id, "", 0)."""
JOB = "job"
"""A job reported: (JOB, job type, outcome `completed` / `failed` / `error`, seconds since
the job was created)."""
TASK = "task"
"""A user task completed: (TASK, process id, element id, seconds since it was created)."""
TIMER = "timer"
"""A timer fired: (TIMER, "", "", seconds between its due time and its firing)."""


class Observer(Protocol):
    """Told about committed work. Each call must be cheap (a dict lookup and an increment):
    it runs on the thread that committed."""

    def instance_started(self, process_id: str) -> None: ...

    def instance_ended(self, process_id: str, status: str) -> None:
        """`status`: completed, terminated or cancelled."""
        ...

    def incident_raised(self, process_id: str, error_type: str) -> None: ...

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        """A worker's report applied: `outcome` completed, failed or error (a BPMN error);
        `seconds` from the job's creation to the report."""
        ...

    def user_task_done(self, process_id: str, element_id: str, seconds: float) -> None:
        """A user task completed, `seconds` after it was created."""
        ...

    def timer_fired(self, lateness: float) -> None:
        """A timer fired `lateness` seconds after it was due."""
        ...

    def command(self, kind: str, seconds: float) -> None:
        """A unit of work of `kind` (start, complete_job, fire_timer, ...) took `seconds`,
        its retries included, whether it committed or failed."""
        ...

    def database_error(self, error: str) -> None:
        """The store raised `error` (the class name of a `StoreError`) to a unit of work;
        a lost race run again counts too."""
        ...


class NoObserver:
    """An observer that does nothing: a base for one that wants only some of the calls."""

    def instance_started(self, process_id: str) -> None:
        return None

    def instance_ended(self, process_id: str, status: str) -> None:
        return None

    def incident_raised(self, process_id: str, error_type: str) -> None:
        return None

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        return None

    def user_task_done(self, process_id: str, element_id: str, seconds: float) -> None:
        return None

    def timer_fired(self, lateness: float) -> None:
        return None

    def command(self, kind: str, seconds: float) -> None:
        return None

    def database_error(self, error: str) -> None:
        return None


class Observers:
    """Several observers (metrics and tracing) told in turn, as one."""

    def __init__(self, *observers: Observer) -> None:
        self.observers = observers

    def instance_started(self, process_id: str) -> None:
        for observer in self.observers:
            observer.instance_started(process_id)

    def instance_ended(self, process_id: str, status: str) -> None:
        for observer in self.observers:
            observer.instance_ended(process_id, status)

    def incident_raised(self, process_id: str, error_type: str) -> None:
        for observer in self.observers:
            observer.incident_raised(process_id, error_type)

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        for observer in self.observers:
            observer.job_done(job_type, outcome, seconds)

    def user_task_done(self, process_id: str, element_id: str, seconds: float) -> None:
        for observer in self.observers:
            observer.user_task_done(process_id, element_id, seconds)

    def timer_fired(self, lateness: float) -> None:
        for observer in self.observers:
            observer.timer_fired(lateness)

    def command(self, kind: str, seconds: float) -> None:
        for observer in self.observers:
            observer.command(kind, seconds)

    def database_error(self, error: str) -> None:
        for observer in self.observers:
            observer.database_error(error)


def report(observer: Observer, uow: UnitOfWork) -> None:
    """Tell `observer` what the committed `uow` did."""
    for kind, first, second, seconds in uow.facts:
        if kind == JOB:
            observer.job_done(first, second, seconds)
        elif kind == STARTED:
            observer.instance_started(first)
        elif kind == TASK:
            observer.user_task_done(first, second, seconds)
        elif kind == TIMER:
            observer.timer_fired(seconds)
    for loaded in uow.instances.values():
        if loaded.ended_at is not None:
            observer.instance_ended(loaded.state.process_id, str(loaded.state.status))
    for incident in uow.incidents:
        owner = uow.instances.get(incident.instance_id)
        process_id = owner.state.process_id if owner is not None else ""
        observer.incident_raised(process_id, incident.error_type or "UNKNOWN")
