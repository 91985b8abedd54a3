"""Workers of the crash test: each run of a handler is appended to $REGISTA_CRASH_LOG, so
the test can check that every job ran at least once however often its node was killed."""

from __future__ import annotations

import os

from regista.runtime.workers import ActivatedJob, worker


def _log(job: ActivatedJob) -> None:
    line = f"{job.instance_id} {job.element_id} {job.id}\n"
    with open(os.environ["REGISTA_CRASH_LOG"], "a", encoding="utf-8") as log:
        log.write(line)


@worker("crash-a")
def step_a(job: ActivatedJob) -> dict[str, object]:
    _log(job)
    return {"a": True}


@worker("crash-b")
def step_b(job: ActivatedJob) -> dict[str, object]:
    _log(job)
    return {"b": job.variables.get("paid", 0)}
