"""The shell's observer (`runtime/metrics.py`): told after each commit what the unit of work
did, never about work that rolled back, and with durations measured on the runtime's clock."""

from __future__ import annotations

import pytest

from regista.bpmn import ProcessBuilder
from regista.runtime.errors import RequestError
from regista.runtime.local import LocalRuntime
from regista.runtime.metrics import NoObserver, Observer


class Recorder(NoObserver):
    """Keeps every call, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, ...]] = []
        self.commands: list[str] = []

    def instance_started(self, process_id: str) -> None:
        self.calls.append(("started", process_id))

    def instance_ended(self, process_id: str, status: str) -> None:
        self.calls.append(("ended", process_id, status))

    def incident_raised(self, process_id: str, error_type: str) -> None:
        self.calls.append(("incident", process_id, error_type))

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        self.calls.append(("job", job_type, outcome, seconds))

    def user_task_done(self, process_id: str, element_id: str, seconds: float) -> None:
        self.calls.append(("task", process_id, element_id, seconds))

    def timer_fired(self, lateness: float) -> None:
        self.calls.append(("timer", lateness))

    def command(self, kind: str, seconds: float) -> None:
        assert seconds >= 0
        self.commands.append(kind)


def _observed() -> tuple[LocalRuntime, Recorder]:
    runtime = LocalRuntime()
    recorder = Recorder()
    observer: Observer = recorder  # the protocol is what the shell takes
    runtime.shell.observer = observer
    return runtime, recorder


def test_no_observer_is_the_default_and_costs_nothing() -> None:
    with LocalRuntime() as runtime:
        assert runtime.shell.observer is None
        runtime.deploy(ProcessBuilder("p").start("s").end("e"))
        assert runtime.instance(runtime.start("p")).status == "completed"


def test_the_observer_hears_starts_ends_jobs_and_user_tasks_with_their_durations() -> None:
    runtime, recorder = _observed()
    with runtime:
        runtime.deploy(
            ProcessBuilder("order")
            .start("s")
            .service_task("charge", type="payment")
            .user_task("review")
            .end("e")
        )
        instance_id = runtime.start("order")
        runtime.advance("PT30S")
        job = runtime.jobs(instance_id)[0]
        runtime.complete_job(job.id)
        runtime.advance("PT2M")
        runtime.complete_task(instance_id, "review")
    assert recorder.calls == [
        ("started", "order"),
        ("job", "payment", "completed", 30.0),
        ("task", "order", "review", 120.0),
        ("ended", "order", "completed"),
    ]
    assert {"deploy", "start", "report_job", "complete_user_task"} <= set(recorder.commands)


def test_failed_jobs_incidents_and_cancellations_are_told() -> None:
    runtime, recorder = _observed()
    with runtime:
        runtime.deploy(ProcessBuilder("order").start("s").service_task("charge", type="pay").end())
        first, second = runtime.start("order"), runtime.start("order")
        runtime.fail(first, "charge", "card declined", retries=0)
        runtime.cancel(second, "customer left")
    assert ("job", "pay", "failed", 0.0) in recorder.calls
    assert ("incident", "order", "JOB_NO_RETRIES") in recorder.calls
    assert ("ended", "order", "cancelled") in recorder.calls
    assert not any(call[0] == "ended" and call[2] == "completed" for call in recorder.calls)
    assert "cancel" in recorder.commands


def test_a_timer_reports_how_late_it_fired() -> None:
    runtime, recorder = _observed()
    with runtime:
        runtime.deploy(ProcessBuilder("wait").start("s").catch("t", duration="PT1M").end("e"))
        runtime.start("wait")
        runtime.advance("PT1M")  # fires at its due time
    assert ("timer", 0.0) in recorder.calls
    assert "fire_timer" in recorder.commands


def test_work_that_rolls_back_is_not_told_but_its_latency_is() -> None:
    runtime, recorder = _observed()
    with runtime:
        runtime.deploy(ProcessBuilder("p").start("s").user_task("t").end("e"))
        instance_id = runtime.start("p")
        recorder.calls.clear()
        recorder.commands.clear()
        with pytest.raises(RequestError):
            runtime.shell.migrate(instance_id)  # the same version: refused, nothing applied
    assert recorder.calls == []
    assert recorder.commands == ["migrate"]
