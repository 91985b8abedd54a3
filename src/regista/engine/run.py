"""What a behaviour may do during a step: the `Run` protocol and the behaviour table's types.

The behaviour modules (activities, gateways, events, ...) work on a `Run`: the state being
changed, the effects so far, the queue of pending work and the primitives that move tokens,
open and close waits and raise incidents. They depend on this protocol, not on the
`Runner` that implements it (`engine.runner`), which sits above them and dispatches to
them through the behaviour table; so no behaviour module imports the runner, and none of
them imports one above it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar, cast

from regista.engine.context import Context
from regista.engine.effects import Effect
from regista.engine.model import ProcessInfo
from regista.engine.state import ElementInstance, Incident, InstanceState, Status, Wait
from regista.model.bpmn import Expression, FlowNode, SequenceFlow

__all__ = ["Behaviour", "Run", "behaviour"]


class Run(Protocol):
    """One step in progress over a private copy of the instance state."""

    # Read-only to behaviours (they change what these hold, never rebind them).
    @property
    def state(self) -> InstanceState:
        """The instance state being changed (a private copy of the caller's)."""

    @property
    def ctx(self) -> Context:
        """The context of the step: now, ids, definitions, decisions, trust."""

    @property
    def info(self) -> ProcessInfo:
        """Derived facts of the process model."""

    @property
    def elements(self) -> Mapping[str, FlowNode]:
        """The flow nodes of the process by id."""

    @property
    def flows(self) -> Mapping[str, SequenceFlow]:
        """The sequence flows of the process by id."""

    @property
    def new_id(self) -> Callable[[], str]:
        """The source of new ids."""

    @property
    def effects(self) -> list[Effect]:
        """The effects produced so far."""

    @property
    def queue(self) -> deque[Any]:
        """Pending work: ("arrive", scope id, gen, element id, flow id[, payload]),
        ("check", scope id), ("fire", wait id, variables), ("inner", body id, gen, index)
        and ("handler", scope id, entry, thrower id)."""

    @property
    def deferred(self) -> dict[tuple[str, str], None]:
        """The inclusive joins, (scope id, gateway id), to look at when the queue is empty."""

    #: Whether variables changed since conditional events were last looked at.
    vars_changed: bool
    #: Variable changes while conditions wait: (scope id, name, "create" | "update").
    changes: list[tuple[str, str, str]]

    def history(
        self, kind: str, element_id: str | None, ei_id: str | None, data: Mapping[str, Any]
    ) -> None:
        """Record an audit event."""

    def evaluate(self, expr: Expression, ei_id: str, extra: Mapping[str, Any] | None = None) -> Any:
        """Evaluate `expr` in the variables visible from `ei_id` (and `extra`, innermost);
        failures raise `Failure`."""

    def condition(
        self, expr: Expression, ei_id: str, extra: Mapping[str, Any] | None = None
    ) -> bool:
        """Evaluate a condition: null counts as false, a non-boolean is a `Failure`."""

    def text(self, expr: Expression | None, ei_id: str, what: str) -> str | None:
        """Evaluate an expression that must give a string (a name, a key, a type)."""

    def enter(
        self,
        scope_id: str,
        element_id: str,
        flow_id: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Queue a token arriving at `element_id` inside the scope `scope_id`."""

    def create(self, scope_id: str, element_id: str, role: str = "") -> ElementInstance:
        """A new element instance inside the scope `scope_id`."""

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

    def complete(
        self, ei: ElementInstance, flows: tuple[str, ...] | list[str] | None = None
    ) -> None:
        """`ei` finished its work: apply output mappings, then leave."""

    def leave(
        self,
        ei: ElementInstance,
        node: FlowNode,
        flows: tuple[str, ...] | list[str] | None = None,
        payload: dict[str, Any] | None = None,
    ) -> None:
        """Close what `ei` waited for, record its completion and send tokens on."""

    def remove(self, ei: ElementInstance) -> None:
        """Take `ei` out of the tree; its scope is checked for completion when empty."""

    def terminate(self, ei_id: str) -> None:
        """End `ei_id` and everything inside it now, cancelling what they wait for."""

    def terminate_children(self, scope_id: str, keep: str | None = None) -> None:
        """Terminate every child of a scope (but `keep`) and its tokens."""

    def end_instance(self, status: Status | None = None, notify: bool = True) -> None:
        """The process instance ended: completed, or `status` (terminated, cancelled)."""

    def open_wait(self, owner_id: str, wait: Wait) -> Wait:
        """Record `wait` as owned by the element instance `owner_id`."""

    def close_wait(self, wait_id: str, cancel: bool) -> None:
        """Forget one wait; `cancel` tells the shell to drop the job/task/timer."""

    def close_waits(self, ei_id: str, cancel: bool) -> None:
        """Forget every wait `ei_id` owns."""

    def replace_wait(self, wait: Wait) -> None:
        """Store a changed version of a wait (same id)."""

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


#: What a kind of flow node does when a token activates it.
Behaviour = Callable[[Run, ElementInstance, FlowNode], None]

_Node = TypeVar("_Node", bound=FlowNode)


def behaviour(
    kind: type[_Node], run: Callable[[Run, ElementInstance, _Node], None]
) -> tuple[type[FlowNode], Behaviour]:
    """One entry of a behaviour table: `run` for the nodes of exactly the type `kind`.

    The runner looks behaviours up by `type(node)`, so `run` only ever gets a `kind`; the
    cast records that, and this signature checks that `run` accepts one."""
    return kind, cast(Behaviour, run)
