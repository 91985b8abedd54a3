"""Simulation: a process run many times in memory on the fake clock, to ask "what if".

The model runs on the local runtime (the memory store, a `FakeClock`): the same engine
and shell as production. This module is the world around it, a discrete-event loop:
cases arrive (exponential gaps), each job and user task is work for a resource (a user
task's candidate group, else its assignee or element; a job's type) with a capacity
(unlimited unless given), work waits in that resource's queue until a unit is free, then
takes a drawn duration, after which the task is completed; the clock moves from event to
event, firing the model's own timers on the way. To route exclusive choices by shares,
the model is first rewritten: each exclusive split gets a routing job just before it,
whose completion sets the variable its flows' conditions read; plain and manual tasks
become jobs so that they take time. Everything random comes from one seeded generator,
so a seed gives the same figures every time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import random
from collections import defaultdict, deque
from dataclasses import dataclass

from regista.bpmn.assembly import assemble_process
from regista.insight.errors import InsightError
from regista.insight.report import Report
from regista.insight.simulation_input import SimulationInput
from regista.model.bpmn import (
    Activity,
    CallActivity,
    Definitions,
    ExclusiveGateway,
    Expression,
    FlowNode,
    JobDefinition,
    ManualTask,
    Process,
    SequenceFlow,
    ServiceTask,
    SubProcess,
    Task,
)
from regista.model.frozen import FrozenDict
from regista.runtime.clock import FakeClock
from regista.runtime.local import LocalRuntime

__all__ = ["ROUTE_TYPE", "SimulationResult", "prepare", "simulate"]

ROUTE_TYPE = "regista.simulate.route"
_WORK_TYPE = "regista.simulate.work"
_START = "2030-01-01T00:00:00Z"


def _route_task(gateway: str) -> str:
    return f"{gateway}__route"


def prepare(
    process: Process, shares: SimulationInput
) -> tuple[Process, dict[str, list[tuple[str, float]]]]:
    """The process rewritten for simulation, and per routing task the flows it chooses
    between with their shares (equal where nothing is known)."""
    nodes: list[FlowNode] = []
    flows = list(process.flows.values())
    routes: dict[str, list[tuple[str, float]]] = {}
    recorded = shares.branches.get("*", {})
    for node in process.elements.values():
        if type(node) in (Task, ManualTask):
            job = JobDefinition(type=Expression.literal(_WORK_TYPE))
            fields = {f.name: getattr(node, f.name) for f in dataclasses.fields(Task)}
            nodes.append(ServiceTask(**{**fields, "job": job}))
            continue
        if not isinstance(node, ExclusiveGateway) or len(node.outgoing) < 2:
            nodes.append(node)
            continue
        router = _route_task(node.id)
        given = shares.branches.get(node.id, {})
        weights = []
        for flow_id in node.outgoing:
            target = process.flows[flow_id].target
            share = given.get(flow_id, given.get(target))
            if share is None and not given:
                share = recorded.get(flow_id)
            weights.append((flow_id, share))
        if all(w is None or w == 0 for _, w in weights):
            weights = [(f, 1.0) for f, _ in weights]
        routes[router] = [(f, float(w or 0.0)) for f, w in weights]
        nodes.append(
            ServiceTask(
                id=router,
                name=f"route {node.name or node.id}",
                parent=node.parent,
                job=JobDefinition(type=Expression.literal(ROUTE_TYPE)),
            )
        )
        nodes.append(dataclasses.replace(node, default=None))
        flows = [dataclasses.replace(f, target=router) if f.target == node.id else f for f in flows]
        flows.append(
            SequenceFlow(id=f"{router}__flow", source=router, target=node.id, parent=node.parent)
        )
        flows = [
            dataclasses.replace(
                f, condition=Expression.feel(f'__route = "{f.id}"'), is_default=False
            )
            if f.source == node.id
            else f
            for f in flows
        ]
    fields = {"id": process.id, "name": process.name, "is_executable": True}
    return assemble_process(fields, nodes, flows, lanes=process.lanes), routes


@dataclass
class _Work:
    work_id: str
    is_task: bool
    element_id: str
    instance_id: str
    resource: str
    created: float
    route: list[tuple[str, float]] | None = None


@dataclass
class SimulationResult:
    """What a simulation measured (seconds of simulated time)."""

    instances: int
    completed: int
    makespan: float
    cycle_times: list[float]
    waiting: dict[str, list[float]]
    service: dict[str, list[float]]
    busy: dict[str, float]
    capacities: dict[str, int | None]
    notes: list[str]

    def report(self) -> Report:
        rows = []
        for element in sorted(self.service):
            waits, works = sorted(self.waiting[element]), sorted(self.service[element])
            rows.append(
                {
                    "element": element,
                    "count": len(works),
                    "mean_wait": _round(sum(waits) / len(waits)),
                    "p90_wait": _round(_rank(waits, 90)),
                    "mean_service": _round(sum(works) / len(works)),
                }
            )
        load = []
        for resource in sorted(self.busy):
            capacity = self.capacities.get(resource)
            used = self.busy[resource] / self.makespan if self.makespan else 0.0
            load.append(
                {
                    "resource": resource,
                    "capacity": capacity,
                    "busy_time": _round(self.busy[resource]),
                    "utilisation": round(used / capacity, 4) if capacity else None,
                    "mean_busy_units": round(used, 4),
                }
            )
        cycles = sorted(self.cycle_times)
        summary = {
            "instances": self.instances,
            "completed": self.completed,
            "makespan": _round(self.makespan),
            "throughput_per_hour": round(self.completed / self.makespan * 3600, 4)
            if self.makespan
            else None,
            "mean_cycle_time": _round(sum(cycles) / len(cycles)) if cycles else None,
            "p50_cycle_time": _round(_rank(cycles, 50)) if cycles else None,
            "p90_cycle_time": _round(_rank(cycles, 90)) if cycles else None,
        }
        return Report(
            "simulate",
            "Simulation: waiting and service time per element (seconds)",
            ("element", "count", "mean_wait", "p90_wait", "mean_service"),
            rows,
            notes=self.notes,
            extra={"summary": summary, "resources": load},
        )


def _round(value: float) -> float:
    return round(value, 3)


def _rank(values: list[float], p: int) -> float:
    return values[max(0, -(-p * len(values) // 100) - 1)]


def simulate(
    definitions: Definitions,
    process_id: str,
    given: SimulationInput,
    *,
    instances: int,
    seed: int = 1,
    trusted: bool = False,
) -> SimulationResult:
    """Run `instances` cases of `process_id` (see the module docstring); the model's
    Python runs only when `trusted` (as `regista run --trusted`)."""
    process, routes = prepare(definitions.processes[process_id], given)
    model = dataclasses.replace(
        definitions,
        processes=FrozenDict({**definitions.processes, process_id: process}),
        diagrams=(),
        source=None,
    )
    rnd = random.Random(seed)
    notes = list(given.sources)
    _check_ids(definitions.processes[process_id], given)
    missing = sorted(
        n.id
        for n in process.elements.values()
        if isinstance(n, Activity)
        and not isinstance(n, SubProcess | CallActivity)
        and n.id not in routes
        and n.id not in given.durations
    )
    if missing:
        notes.append("no duration known (taken as 0): " + ", ".join(missing))
    arrival = given.arrival if given.arrival is not None else 60.0
    clock = FakeClock(_START)
    zero = clock.now
    events: list[tuple[float, int, str, str]] = []
    order = 0

    def at(seconds: float, kind: str, key: str) -> None:
        nonlocal order
        order += 1
        heapq.heappush(events, (seconds, order, kind, key))

    t = 0.0
    for n in range(instances):
        at(t, "arrive", str(n))
        t += rnd.expovariate(1 / arrival) if arrival > 0 else 0.0
    busy_units: dict[str, int] = defaultdict(int)
    queues: dict[str, deque[_Work]] = defaultdict(deque)
    running: dict[str, _Work] = {}
    known: set[str] = set()
    started: dict[str, float] = {}
    result = SimulationResult(
        instances,
        0,
        0.0,
        [],
        defaultdict(list),
        defaultdict(list),
        defaultdict(float),
        {r: given.capacities.get(r) for r in given.capacities},
        notes,
    )

    with LocalRuntime(clock, trusted=trusted) as rt:
        rt.deploy(model)

        def now() -> float:
            return (clock.now - zero).total_seconds()

        def begin(work: _Work) -> None:
            busy_units[work.resource] += 1
            duration = 0.0 if work.route is not None else _draw(given, work.element_id, rnd)
            if work.route is None:
                result.waiting[work.element_id].append(now() - work.created)
                result.service[work.element_id].append(duration)
                result.busy[work.resource] += duration
            running[work.work_id] = work
            at(now() + duration, "done", work.work_id)

        def offer(work: _Work) -> None:
            capacity = given.capacities.get(work.resource)
            if (
                work.route is None
                and capacity is not None
                and busy_units[work.resource] >= capacity
            ):
                queues[work.resource].append(work)
            else:
                begin(work)

        def scan(instance_id: str) -> None:
            for task in rt.tasks(instance_id):
                if task.id not in known:
                    known.add(task.id)
                    owner = (task.candidate_groups[:1] or (task.assignee,))[0]
                    resource = owner or task.element_id
                    result.capacities.setdefault(resource, given.capacities.get(resource))
                    offer(_Work(task.id, True, task.element_id, task.instance_id, resource, now()))
            for job in rt.jobs(instance_id):
                if job.id not in known and job.status == "ready":
                    known.add(job.id)
                    route = routes.get(job.element_id)
                    resource = job.element_id if job.type == _WORK_TYPE else job.type
                    if route is None:
                        result.capacities.setdefault(resource, given.capacities.get(resource))
                    offer(
                        _Work(
                            job.id, False, job.element_id, job.instance_id, resource, now(), route
                        )
                    )
            info = rt.instance(instance_id)
            if info.status in ("completed", "terminated", "cancelled") and instance_id in started:
                result.completed += info.status == "completed"
                if info.status == "completed":
                    result.cycle_times.append(now() - started.pop(instance_id))
                else:
                    started.pop(instance_id)

        while True:
            due = rt.store.next_timer_due()
            due_at = None if due is None else (due - zero).total_seconds()
            timer_next = due_at is not None and (not events or due_at <= events[0][0])
            if due is not None and due_at is not None and due_at > now() and timer_next:
                # a timer of the model is next: any case may have new work then
                rt.advance_to(due)
                for waiting in list(started):
                    scan(waiting)
                continue
            if not events:
                break
            when, _, kind, key = heapq.heappop(events)
            if when > now():
                rt.advance_to(zero + dt.timedelta(seconds=when))
            if kind == "arrive":
                instance_id = rt.start(process_id)
                started[instance_id] = now()
                scan(instance_id)
                continue
            work = running.pop(key)
            busy_units[work.resource] -= 1
            if work.route is not None:
                flows = [f for f, _ in work.route]
                choice = rnd.choices(flows, weights=[w for _, w in work.route])[0]
                rt.complete_job(work.work_id, {"__route": choice})
            elif work.is_task:
                rt.complete_task(work.work_id)
            else:
                rt.complete_job(work.work_id)
            if queues[work.resource]:
                begin(queues[work.resource].popleft())
            scan(work.instance_id)
        result.makespan = now()
        stuck = len(started)
        if stuck:
            notes.append(f"{stuck} case(s) still waiting at the end (messages, signals?)")
    return result


def _check_ids(process: Process, given: SimulationInput) -> None:
    """Refuse durations and branches of elements the process does not have."""
    for element in given.durations:
        if element not in process.elements:
            _unknown(process, given, element, "element")
    for gateway, shares in given.branches.items():
        if gateway == "*":
            continue
        node = process.elements.get(gateway)
        if not isinstance(node, ExclusiveGateway):
            _unknown(process, given, gateway, "exclusive gateway")
        assert node is not None
        targets = {f: process.flows[f].target for f in node.outgoing}
        for flow in shares:
            if flow not in targets and flow not in targets.values():
                where = given.places.get(f"{gateway}.{flow}", "the input")
                raise InsightError(
                    f"{where}, field '{gateway}.{flow}': {flow!r} is neither a flow out of "
                    f"{gateway!r} nor its target; those are: "
                    + ", ".join(f"{f} (to {t})" for f, t in targets.items())
                )


def _unknown(process: Process, given: SimulationInput, key: str, what: str) -> None:
    where = given.places.get(key, "the input")
    kinds = ExclusiveGateway if what == "exclusive gateway" else FlowNode
    known = ", ".join(sorted(k for k, n in process.elements.items() if isinstance(n, kinds)))
    raise InsightError(
        f"{where}, field {key!r}: process {process.id!r} has no {what} {key!r}; "
        f"the ids are: {known}"
    )


def _draw(given: SimulationInput, element_id: str, rnd: random.Random) -> float:
    duration = given.durations.get(element_id)
    return 0.0 if duration is None else max(0.0, duration.draw(rnd))
