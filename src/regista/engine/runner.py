"""The run of one step: a work queue of token moves processed until every token waits.

`Runner` (the `Run` of `engine.run`) holds the state being changed (a copy of the
caller's), the effects produced so far and the queue of pending work. Behaviour modules
(activities, gateways, events, ...) get it as a `Run` and use its primitives: activate and
complete element instances, terminate them, open and close waits, evaluate expressions,
raise incidents. The runner dispatches to them through `BEHAVIOURS`, gathered here from
their tables, so none of them imports this module. A step that activates more than
`ctx.max_steps` elements stops with an incident (a loop without a wait state); the
unfinished work is kept in the state and resumes when the incident is resolved.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, cast

from regista.engine import (
    activities,
    boundaries,
    compensation,
    events,
    gateways,
    multi_instance,
    subprocesses,
    waits,
)
from regista.engine.context import Context
from regista.engine.effects import (
    CancelChild,
    CancelJob,
    CancelTimer,
    CancelUserTask,
    CloseSubscription,
    Effect,
    History,
    InstanceEnded,
    NotifyParent,
    RaiseIncident,
    ResolveIncidentEffect,
)
from regista.engine.errors import ExpressionError, Failure
from regista.engine.expressions import evaluate_chain
from regista.engine.model import process_info
from regista.engine.run import Behaviour
from regista.engine.state import ElementInstance, Incident, InstanceState, Status, Wait
from regista.engine.variables import apply_inputs, apply_outputs, chain, set_local
from regista.feel.values import kind, to_string
from regista.model.bpmn import Activity, Expression, FlowNode, Process

__all__ = ["BEHAVIOURS", "Runner"]

#: What each kind of flow node does when a token activates it.
BEHAVIOURS: dict[type[FlowNode], Behaviour] = {
    **activities.BEHAVIOURS,
    **gateways.BEHAVIOURS,
    **events.BEHAVIOURS,
    **subprocesses.BEHAVIOURS,
}


class Runner:
    """One step in progress over a private copy of the instance state."""

    def __init__(self, state: InstanceState, ctx: Context, process: Process) -> None:
        self.state = state
        self.ctx = ctx
        self.process = process
        self.info = process_info(process)
        self.elements = process.elements
        self.flows = process.flows
        self.type_names = self.info.type_names
        self.new_id: Callable[[], str] = ctx.new_id
        self.effects: list[Effect] = []
        self.queue: deque[Any] = deque()
        #: Element activations in this step: the runaway-loop guard counts them.
        self.activations = 0
        self.deferred: dict[tuple[str, str], None] = {}
        self.vars_changed = False
        #: Variable changes while conditions wait: (scope id, name, "create" | "update").
        self.changes: list[tuple[str, str, str]] = []
        # Tokens in the queue per scope: a scope with tokens in flight is not done yet.
        self.inflight: dict[str, int] = {}

    # -- small helpers ------------------------------------------------------------------------

    def history(
        self, kind: str, element_id: str | None, ei_id: str | None, data: Mapping[str, Any]
    ) -> None:
        """Record an audit event."""
        self.effects.append(History(kind, element_id, ei_id, data))

    def node(self, ei: ElementInstance) -> Any:
        """The flow node of `ei` (or the process for the root)."""
        return self.elements.get(ei.element_id, self.process)

    def evaluate(self, expr: Expression, ei_id: str, extra: Mapping[str, Any] | None = None) -> Any:
        """Evaluate `expr` in the variables visible from `ei_id` (and `extra`, innermost);
        failures raise `Failure`."""
        scopes: list[Any] = chain(self, ei_id)
        if extra:
            scopes.append(extra)
        try:
            return evaluate_chain(expr, scopes, self.ctx)
        except ExpressionError as exc:
            raise Failure(str(exc), "EXTRACT_VALUE_ERROR") from exc

    def condition(
        self, expr: Expression, ei_id: str, extra: Mapping[str, Any] | None = None
    ) -> bool:
        """Evaluate a condition: null counts as false, a non-boolean is a `Failure`."""
        try:
            value = self.evaluate(expr, ei_id, extra)
        except Failure as failure:
            raise failure.typed("CONDITION_ERROR") from failure.__cause__
        if value is True:
            return True
        if value is False or value is None:
            return False
        raise Failure(
            f"the condition {expr.text!r} gave a {kind(value)}, not a boolean", "CONDITION_ERROR"
        )

    def text(self, expr: Expression | None, ei_id: str, what: str) -> str | None:
        """Evaluate an expression that must give a string (a name, a key, a type)."""
        if expr is None:
            return None
        value = self.evaluate(expr, ei_id)
        if value is None:
            raise Failure(f"the {what} {expr.text!r} evaluated to null", "EXTRACT_VALUE_ERROR")
        if isinstance(value, str):
            return value
        return to_string(value)

    # -- the work queue ---------------------------------------------------------------------

    def take(
        self,
        ei: ElementInstance,
        flow_ids: tuple[str, ...] | list[str],
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Send tokens along `flow_ids` from `ei` (within its flow scope); a `payload`
        (trigger variables) makes the target complete at once with them."""
        scope_id = ei.parent
        assert scope_id is not None
        gen = self.state.instances[scope_id].gen
        flows = self.flows
        queue = self.queue
        for flow_id in flow_ids:
            if payload is None:
                queue.append(("arrive", scope_id, gen, flows[flow_id].target, flow_id))
            else:
                queue.append(("arrive", scope_id, gen, flows[flow_id].target, flow_id, payload))
        inflight = self.inflight
        inflight[scope_id] = inflight.get(scope_id, 0) + len(flow_ids)

    def enter(
        self,
        scope_id: str,
        element_id: str,
        flow_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Queue a token arriving at `element_id` inside the scope `scope_id` (with the
        trigger variables `payload` for a start event that was triggered)."""
        gen = self.state.instances[scope_id].gen
        if payload is None:
            self.queue.append(("arrive", scope_id, gen, element_id, flow_id))
        else:
            self.queue.append(("arrive", scope_id, gen, element_id, flow_id, payload))
        self.inflight[scope_id] = self.inflight.get(scope_id, 0) + 1

    def resume(self, items: list[Any]) -> None:
        """Queue work saved by the runaway-loop guard again."""
        for item in items:
            self.queue.append(tuple(item))
            if item[0] == "arrive":
                self.inflight[item[1]] = self.inflight.get(item[1], 0) + 1

    def run(self) -> None:
        """Process the queue until every token waits (or the step guard trips: more than
        `ctx.max_steps` element activations in this step)."""
        queue = self.queue
        popleft = queue.popleft
        inflight = self.inflight
        arrive = self._arrive
        limit = self.ctx.max_steps
        while True:
            while queue:
                item = popleft()
                if self.activations > limit:
                    self._runaway(item)
                    return
                what = item[0]
                if what == "arrive":
                    inflight[item[1]] -= 1
                    arrive(item[1], item[2], item[3], item[4], item[5:])
                elif what == "check":
                    self._check(item[1])
                elif what == "fire":
                    wait = self.state.waits.get(item[1])
                    if wait is not None:
                        events.fire(self, wait, item[2])
                elif what == "inner":
                    multi_instance.resume(self, item[1], item[2], item[3])
                elif what == "handler":
                    try:
                        compensation.start_handler(self, item[1], item[2], item[3])
                    except Failure as failure:
                        self.incident(
                            item[3], str(failure), "activate", None, failure.error_type or "UNKNOWN"
                        )
            if self.deferred:
                gateways.check_inclusive(self)
                if queue:
                    continue
            if self.vars_changed and self.state.conditions:
                self.vars_changed = False
                waits.check_conditions(self)
                if queue:
                    continue
            return

    def _runaway(self, item: Any) -> None:
        element_id = self._element_of(item)
        pending = [list(item), *(list(i) for i in self.queue)]
        self.queue.clear()
        self.deferred.clear()
        self.inflight.clear()
        self.state.pending = pending
        message = (
            f"possible infinite loop at {element_id}: more than {self.ctx.max_steps} element "
            "activations in one step without a wait state"
        )
        incident = Incident(self.new_id(), element_id, None, message, None, "loop")
        self._record_incident(incident)

    def _element_of(self, item: Any) -> str:
        """The element a queued piece of work is about (for the runaway-loop incident)."""
        what = item[0]
        if what == "arrive":
            return str(item[3])
        if what == "handler":
            return compensation.handler_id(item[2])
        if what == "fire":
            wait = self.state.waits.get(item[1])
            if wait is not None:
                return wait.element_id
        elif what in ("inner", "check"):
            ei = self.state.instances.get(item[1])
            if ei is not None:
                return ei.element_id
        return self.state.process_id

    def _arrive(
        self, scope_id: str, gen: int, element_id: str, flow_id: str | None, extra: Any
    ) -> None:
        scope = self.state.instances.get(scope_id)
        if scope is None:
            return
        node = self.elements.get(element_id)
        if scope.gen != gen or node is None:
            # The scope was interrupted while the token was in flight: drop it.
            self.queue.append(("check", scope_id))
            return
        if element_id in self.info.plain and not extra:
            self._pass(scope, node, flow_id)
            return
        join = self.info.joins.get(element_id)
        if join is not None and flow_id is not None:
            gateways.join(self, scope_id, element_id, flow_id, join)
            return
        if extra:
            self.activate(scope_id, node, flow_id, data={"trigger": extra[0]})
        else:
            self.activate(scope_id, node, flow_id)

    def _pass(self, scope: ElementInstance, node: FlowNode, flow_id: str | None) -> None:
        """A token passes through a node that does nothing (see `ProcessInfo.plain`): the
        same history as activating and completing it, without storing an instance."""
        self.activations += 1
        ei_id = self.new_id()
        node_id = node.id
        scope_id = scope.id
        type_name = self.type_names[node_id]
        outgoing = node.outgoing
        effects = self.effects
        effects.append(
            History(
                "element_activated",
                node_id,
                ei_id,
                {"type": type_name, "flow": flow_id, "scope": scope_id},
            )
        )
        effects.append(
            History(
                "element_completed", node_id, ei_id, {"type": type_name, "flows": list(outgoing)}
            )
        )
        self.state.passed.append(node_id)
        if outgoing:
            gen = scope.gen
            flows = self.flows
            queue = self.queue
            for out in outgoing:
                queue.append(("arrive", scope_id, gen, flows[out].target, out))
            self.inflight[scope_id] = self.inflight.get(scope_id, 0) + len(outgoing)
        else:
            if not scope.children and not self.inflight.get(scope_id):
                self.queue.append(("check", scope_id))
            if scope.joins:
                gateways.defer_inclusive(self, scope)

    def _check(self, scope_id: str) -> None:
        scope = self.state.instances.get(scope_id)
        if (
            scope is None
            or scope.children
            or self.inflight.get(scope_id)
            or scope.joins
            or scope.status != Status.ACTIVE
            or scope.role == "body"
            or scope.wait is not None
        ):
            return
        if scope.role == "process":
            self.end_instance()
        else:
            self.complete(scope)

    # -- element instances ------------------------------------------------------------------

    def create(self, scope_id: str, element_id: str, role: str = "") -> ElementInstance:
        """A new element instance inside the scope `scope_id`."""
        state = self.state
        ei = ElementInstance(self.new_id(), element_id, scope_id, state.epoch, role)
        instances = state.instances
        instances[ei.id] = ei
        scope = instances[scope_id]
        if scope.epoch is not state.epoch:
            scope = state.mut(scope_id)
        children = scope.children
        if children is None:
            children = scope.children = {}
        children[ei.id] = None
        return ei

    def activate(
        self,
        scope_id: str,
        node: FlowNode,
        flow_id: str | None = None,
        *,
        role: str = "",
        local: Mapping[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> ElementInstance:
        """Create and run an element instance of `node` (reached by `flow_id`)."""
        node_id = node.id
        state = self.state
        self.activations += 1
        ei = ElementInstance(self.new_id(), node_id, scope_id, state.epoch, role)
        instances = state.instances
        instances[ei.id] = ei
        scope = instances[scope_id]
        if scope.epoch is not state.epoch:
            scope = state.mut(scope_id)
        children = scope.children
        if children is None:
            children = scope.children = {}
        children[ei.id] = None
        if data:
            ei.data = data
        self.effects.append(
            History(
                "element_activated",
                node_id,
                ei.id,
                {"type": self.type_names[node_id], "flow": flow_id, "scope": scope_id},
            )
        )
        if local:
            for name, value in local.items():
                set_local(self, ei.id, name, value)
        if not role and node_id in self.info.looping:
            try:
                multi_instance.activate_body(self, ei, cast(Activity, node))
            except Failure as failure:
                if ei.id in self.state.instances:
                    kind_ = failure.error_type or "EXTRACT_VALUE_ERROR"
                    self.incident(ei.id, str(failure), "activate", None, kind_)
        elif node_id in self.info.async_before:
            activities.async_job(self, ei, node, "before")
        else:
            self.run_element(ei, node)
        return ei

    def run_element(self, ei: ElementInstance, node: FlowNode) -> None:
        """Apply the input mappings and the element's behaviour (again, on a retry)."""
        try:
            if node.inputs:
                try:
                    apply_inputs(self, ei, node.inputs)
                except Failure as failure:
                    raise failure.typed("IO_MAPPING_ERROR") from failure.__cause__
            behaviour = BEHAVIOURS.get(type(node))
            if behaviour is None:
                raise Failure(f"{node.id} is a {type(node).__name__}, which Regista cannot run")
            behaviour(self, ei, node)
            if node.id in self.info.bounded and ei.role != "inner":
                host = self.state.instances.get(ei.id)
                if host is not None:
                    boundaries.open_boundaries(self, host, cast(Activity, node))
        except Failure as failure:
            if ei.id in self.state.instances:
                kind_ = failure.error_type or "UNKNOWN"
                self.incident(ei.id, str(failure), "activate", None, kind_)

    def complete(
        self, ei: ElementInstance, flows: tuple[str, ...] | list[str] | None = None
    ) -> None:
        """`ei` finished its work: apply output mappings, then leave (see `leave`)."""
        node: Any = self.elements.get(ei.element_id, self.process)
        role = ei.role
        if role != "process" and role != "body":
            if node.outputs:
                try:
                    apply_outputs(self, ei, node.outputs)
                except Failure as failure:
                    self.incident(ei.id, str(failure), "complete", None, "IO_MAPPING_ERROR")
                    return
            if node.async_after:
                self._continue_after(ei, node, flows)
                return
        self.leave(ei, node, flows)

    def _continue_after(
        self, ei: ElementInstance, node: Any, flows: tuple[str, ...] | list[str] | None
    ) -> None:
        """`ei` ran; it leaves (its outgoing flows chosen then) when the shell completes
        its asynchronous continuation. What it waited for (boundary events) is closed now."""
        if ei.waits:
            self.close_waits(ei.id, cancel=True)
        ei = self.state.mut(ei.id)
        ei.data = {**(ei.data or {}), "flows": list(flows) if flows is not None else None}
        activities.async_job(self, ei, node, "after")

    def continue_async(self, ei: ElementInstance) -> None:
        """The asynchronous continuation of `ei` was completed: run it, or let it leave."""
        ei = self.state.mut(ei.id)
        ei.wait = None
        data = ei.data or {}
        when = data.pop("async", None)
        flows = data.pop("flows", None)
        node = self.node(ei)
        if when == "after":
            self.leave(ei, node, flows)
        else:
            self.run_element(ei, node)

    def leave(
        self,
        ei: ElementInstance,
        node: Any,
        flows: tuple[str, ...] | list[str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Close what `ei` waited for, record its completion and send tokens on: along
        `flows`, or the outgoing flows whose conditions hold (else the default)."""
        state = self.state
        ei = state.instances[ei.id]
        if ei.waits:
            self.close_waits(ei.id, cancel=True)
        if ei.role == "inner":
            if ei.children is not None or node.id in self.info.compensation:
                compensation.record(self, ei, node)
            multi_instance.inner_completed(self, ei, node)
            return
        node_id = node.id
        if flows is None:
            outgoing = node.outgoing
            if len(outgoing) == 1 and self.flows[outgoing[0]].condition is None:
                flows = outgoing
            else:
                try:
                    flows = self.outgoing(ei, node)
                except Failure as failure:
                    kind_ = failure.error_type or "CONDITION_ERROR"
                    self.incident(ei.id, str(failure), "complete", None, kind_)
                    return
        if ei.children is not None or node_id in self.info.compensation:
            compensation.record(self, ei, node)
        self.effects.append(
            History(
                "element_completed",
                node_id,
                ei.id,
                {"type": self.type_names[node_id], "flows": list(flows)},
            )
        )
        state.passed.append(node_id)
        if flows:
            self.take(ei, flows, payload)
        self.remove(ei)
        if ei.data and "handler_of" in ei.data:
            compensation.handler_done(self, ei)

    def outgoing(self, ei: ElementInstance, node: Any) -> tuple[str, ...]:
        """The flows an activity or event leaves by: every unconditional flow and every
        conditional one that holds; the default flow only when none of those is taken."""
        outgoing: tuple[str, ...] = node.outgoing
        flows = self.flows
        if len(outgoing) == 1 and flows[outgoing[0]].condition is None:
            return outgoing
        default = getattr(node, "default", None)
        taken: list[str] = []
        for flow_id in outgoing:
            if flow_id == default:
                continue
            condition = flows[flow_id].condition
            if condition is None or self.condition(condition, ei.id):
                taken.append(flow_id)
        if not taken and default is not None:
            taken.append(default)
        if not taken and outgoing:
            raise Failure(f"no condition of the flows leaving {node.id} is true", "CONDITION_ERROR")
        return tuple(taken)

    def remove(self, ei: ElementInstance) -> None:
        """Take `ei` out of the tree; its scope is checked for completion when empty."""
        state = self.state
        instances = state.instances
        del instances[ei.id]
        parent_id = ei.parent
        if parent_id is None:
            return
        scope = instances[parent_id]
        if scope.epoch is not state.epoch:
            scope = state.mut(parent_id)
        children = scope.children
        if children is not None:
            children.pop(ei.id, None)
        if not children and not self.inflight.get(parent_id):
            self.queue.append(("check", parent_id))
        if scope.joins:
            gateways.defer_inclusive(self, scope)

    def terminate(self, ei_id: str) -> None:
        """End `ei_id` and everything inside it now, cancelling what they wait for."""
        state = self.state
        ei = state.instances.get(ei_id)
        if ei is None:
            return
        if ei.children:
            for child_id in list(ei.children):
                self.terminate(child_id)
        if ei.waits:
            self.close_waits(ei_id, cancel=True)
        ei = state.instances[ei_id]
        if ei.wait == "child":
            self.effects.append(CancelChild(ei_id))
        if ei.status == Status.INCIDENT:
            self.drop_incidents(ei_id)
        self.history(
            "element_terminated",
            ei.element_id,
            ei_id,
            {"type": self.info.type_names.get(ei.element_id, "process")},
        )
        del state.instances[ei_id]
        if ei.parent is not None and ei.parent in state.instances:
            parent = state.mut(ei.parent)
            if parent.children is not None:
                parent.children.pop(ei_id, None)
            if parent.joins:
                gateways.defer_inclusive(self, parent)

    def terminate_children(self, scope_id: str, keep: str | None = None) -> None:
        """Terminate every child of a scope (but `keep`), its waiting join tokens and its
        tokens in flight."""
        scope = self.state.instances[scope_id]
        for child_id in list(scope.children or ()):
            if child_id != keep:
                self.terminate(child_id)
        scope = self.state.mut(scope_id)
        scope.joins = None
        scope.gen += 1

    def end_instance(self, status: Status | None = None, notify: bool = True) -> None:
        """The process instance ended: completed, or `status` (terminated, cancelled); a
        called instance tells its parent unless `notify` is false."""
        state = self.state
        root = state.mut(state.id)
        if root.waits:
            self.close_waits(root.id, cancel=True)
        if status is None:
            status = (
                Status.TERMINATED if root.data and root.data.get("terminated") else Status.COMPLETED
            )
        state.status = status
        self.queue.clear()
        self.deferred.clear()
        self.inflight.clear()
        self.history("instance_ended", state.process_id, state.id, {"status": status})
        self.effects.append(InstanceEnded(status))
        if state.parent is not None and notify:
            variables = dict(root.variables or {})
            outputs = self.process.data_outputs
            if outputs is not None:
                # A process that declares its data outputs gives back only those.
                variables = {k: v for k, v in variables.items() if k in outputs}
            self.effects.append(
                NotifyParent(
                    state.parent[0],
                    state.parent[1],
                    "terminated" if status == Status.CANCELLED else "completed",
                    variables,
                )
            )

    # -- waits ------------------------------------------------------------------------------

    def open_wait(self, owner_id: str, wait: Wait) -> Wait:
        """Record `wait` as owned by the element instance `owner_id`."""
        state = self.state
        state.waits[wait.id] = wait
        owner = state.mut(owner_id)
        if owner.waits is None:
            owner.waits = [wait.id]
        else:
            owner.waits.append(wait.id)
        if wait.kind == "condition":
            state.conditions[wait.id] = None
        return wait

    def close_wait(self, wait_id: str, cancel: bool) -> None:
        """Forget one wait; `cancel` tells the shell to drop the job/task/timer."""
        wait = self.state.waits.get(wait_id)
        if wait is None:
            return
        owner = self.state.instances.get(wait.owner)
        if owner is not None and owner.waits and wait_id in owner.waits:
            owner = self.state.mut(wait.owner)
            assert owner.waits is not None
            owner.waits.remove(wait_id)
        self._drop_wait(wait, cancel)

    def close_waits(self, ei_id: str, cancel: bool) -> None:
        """Forget every wait `ei_id` owns."""
        ei = self.state.mut(ei_id)
        ids = ei.waits or []
        ei.waits = None
        waits = self.state.waits
        for wait_id in ids:
            wait = waits.get(wait_id)
            if wait is not None:
                self._drop_wait(wait, cancel)

    def _drop_wait(self, wait: Wait, cancel: bool) -> None:
        state = self.state
        state.waits.pop(wait.id, None)
        kind_ = wait.kind
        if kind_ == "message" or kind_ == "signal":
            self.effects.append(CloseSubscription(wait.id))
        elif kind_ == "condition":
            state.conditions.pop(wait.id, None)
        elif cancel:
            if kind_ == "job":
                self.effects.append(CancelJob(wait.id))
            elif kind_ == "user_task":
                self.effects.append(CancelUserTask(wait.id))
            elif kind_ == "timer":
                self.effects.append(CancelTimer(wait.id))

    def replace_wait(self, wait: Wait) -> None:
        """Store a changed version of a wait (same id)."""
        self.state.waits[wait.id] = wait

    # -- incidents --------------------------------------------------------------------------

    def incident(
        self,
        ei_id: str,
        message: str,
        phase: str,
        job_id: str | None = None,
        error_type: str = "UNKNOWN",
    ) -> Incident:
        """Stop `ei_id` with an incident of `error_type`; `phase` says what a resolution
        retries."""
        ei = self.state.mut(ei_id)
        ei.status = Status.INCIDENT
        incident = Incident(self.new_id(), ei.element_id, ei_id, message, job_id, phase, error_type)
        self._record_incident(incident)
        return incident

    def _record_incident(self, incident: Incident) -> None:
        state = self.state
        state.incidents.append(incident)
        if state.status == Status.ACTIVE:
            state.status = Status.INCIDENT
        self.effects.append(
            RaiseIncident(
                incident.id,
                incident.element_id,
                incident.element_instance_id,
                incident.message,
                incident.job_id,
                incident.error_type,
            )
        )
        self.history(
            "incident_raised",
            incident.element_id,
            incident.element_instance_id,
            {
                "incident_id": incident.id,
                "message": incident.message,
                "job_id": incident.job_id,
                "error_type": incident.error_type,
            },
        )

    def drop_incidents(self, ei_id: str) -> None:
        """Resolve the incidents of an element instance that is going away."""
        state = self.state
        kept: list[Incident] = []
        for incident in state.incidents:
            if incident.element_instance_id == ei_id:
                self.effects.append(ResolveIncidentEffect(incident.id))
                self.history(
                    "incident_resolved",
                    incident.element_id,
                    ei_id,
                    {"incident_id": incident.id},
                )
            else:
                kept.append(incident)
        state.incidents = kept
        if not kept and state.status == Status.INCIDENT:
            state.status = Status.ACTIVE
