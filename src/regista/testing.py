"""Helpers for testing your own models and workers with pytest (or anything else).

    >>> from regista.testing import FakeClock, MemoryRuntime, Workers
    >>> workers = Workers()
    >>> @workers.worker("payment")
    ... def charge(job):
    ...     return {"paid": True}
    >>> rt = MemoryRuntime(FakeClock(), workers=workers)          # doctest: +SKIP
    >>> rt.deploy("order.bpmn")                                   # doctest: +SKIP
    >>> iid = rt.start("order", {"amount": 1200})                 # doctest: +SKIP
    >>> rt.complete_task(iid, "approve", {"approved": True})      # doctest: +SKIP
    >>> rt.instance(iid).status                                   # doctest: +SKIP
    'completed'

`run_scenario("order.yaml")` runs a YAML scenario of `regista test` and returns its result.
"""

from __future__ import annotations

from regista.runtime.clock import FakeClock
from regista.runtime.deployment import Deployment, DeploymentError
from regista.runtime.memory import MemoryRuntime
from regista.runtime.records import InstanceView, MemoryRuntimeError
from regista.runtime.scenario import (
    Scenario,
    ScenarioError,
    ScenarioResult,
    load_scenarios,
    run_scenario,
)
from regista.runtime.workers import BpmnError, Job, Workers, worker

__all__ = [
    "BpmnError",
    "Deployment",
    "DeploymentError",
    "FakeClock",
    "InstanceView",
    "Job",
    "MemoryRuntime",
    "MemoryRuntimeError",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Workers",
    "load_scenarios",
    "run_scenario",
    "worker",
]
