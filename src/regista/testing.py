"""Helpers for testing your own models and workers with pytest (or anything else).

    >>> from regista.testing import FakeClock, LocalRuntime, Workers
    >>> workers = Workers()
    >>> @workers.worker("payment")
    ... def charge(job):
    ...     return {"paid": True}
    >>> rt = LocalRuntime(FakeClock(), workers=workers)           # doctest: +SKIP
    >>> rt.deploy("order.bpmn")                                   # doctest: +SKIP
    >>> iid = rt.start("order", {"amount": 1200})                 # doctest: +SKIP
    >>> rt.complete_task(iid, "approve", {"approved": True})      # doctest: +SKIP
    >>> rt.instance(iid).status                                   # doctest: +SKIP
    'completed'

`LocalRuntime` is the production runtime — the durable shell and an engine node — over
the memory store with a fake clock, run until idle after every request: deploy, start,
complete tasks and jobs, correlate messages, broadcast signals, advance the clock, and
inspect instances, tasks, jobs, timers and history. `run_scenario("order.yaml")` runs a
YAML scenario of `regista test` and returns its result.
"""

from __future__ import annotations

from regista.runtime.clock import FakeClock
from regista.runtime.definitions import Deployed
from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.local import LocalRuntime, Waiting
from regista.runtime.rehearsal import run_scenario
from regista.runtime.scenario import (
    Scenario,
    ScenarioError,
    ScenarioResult,
    load_scenarios,
)
from regista.runtime.sources import DeploymentError
from regista.runtime.views import IncidentInfo, InstanceInfo, TaskInfo
from regista.runtime.workers import ActivatedJob, BpmnError, Workers, WorkResult, worker

__all__ = [
    "ActivatedJob",
    "BpmnError",
    "Deployed",
    "DeploymentError",
    "FakeClock",
    "IncidentInfo",
    "InstanceInfo",
    "LocalRuntime",
    "NotFoundError",
    "RequestError",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "TaskInfo",
    "Waiting",
    "WorkResult",
    "Workers",
    "load_scenarios",
    "run_scenario",
    "worker",
]
