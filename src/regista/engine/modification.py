"""Process instance modification: an operator moves tokens (the `Modify` command).

Activations come first, so that the terminations after them do not end a scope that is
about to receive a token; each activation is a token arriving at the element inside the
running instance of its enclosing subprocess (or the instance itself), with its input
mappings and behaviour as usual. A termination ends an element instance and what it holds
(waits, jobs, timers, called instances, incidents), like an interrupting event would. A
subprocess that terminations leave with nothing running or in flight is terminated in
turn, and an instance left so ends as terminated: modifying never continues a flow the
operator did not ask for.

Terminating a joining gateway drops the tokens waiting at it. A multi-instance activity
is modified as a whole (its inner instances cannot be terminated one by one, nor elements
activated inside it). Removing a token can let a waiting inclusive join fire, as it would
had the token ended there: no other token can reach it any more.

The instructions are checked before anything changes, and the command is refused with the
reason when one cannot apply (an unknown element, a boundary event, a joining gateway or an
event subprocess to activate, an ambiguous or missing enclosing subprocess, an enclosing
subprocess the same command terminates, an element instance that is not running). What an
activated element then does is not an instruction: a failing input mapping, say, becomes an
incident of that element as in any run.
"""

from __future__ import annotations

from typing import Any

from regista.engine.commands import Activate, Modify
from regista.engine.errors import CommandRejected
from regista.engine.runner import Runner
from regista.engine.state import Status
from regista.engine.variables import set_local
from regista.feel.values import to_feel
from regista.model.bpmn import BoundaryEvent, SubProcess

__all__ = ["modify"]


def modify(run: Runner, command: Modify) -> None:
    """Apply the instructions of `command` (see the module docstring)."""
    if not command.activate and not command.terminate:
        raise CommandRejected("a modification needs at least one activate or terminate")
    state = run.state
    scopes = [_scope_of(run, item) for item in command.activate]
    doomed: list[str] = []
    joins: list[tuple[str, str]] = []
    for target in command.terminate:
        waiting = _waiting_joins(run, target)
        if waiting:
            joins.extend(waiting)
            continue
        for ei_id in _running(run, target):
            if ei_id not in doomed:
                doomed.append(ei_id)
    for item, scope_id in zip(command.activate, scopes, strict=True):
        ancestor = _ancestors(run, scope_id).intersection(doomed)
        if ancestor:
            raise CommandRejected(
                f"{item.element_id!r} would be activated inside {sorted(ancestor)[0]!r}, "
                "which this modification terminates"
            )
    run.history(
        "instance_modified",
        state.process_id,
        state.id,
        {
            "activate": [_described(item) for item in command.activate],
            "terminate": list(command.terminate),
        },
    )
    for item, scope_id in zip(command.activate, scopes, strict=True):
        for name, value in item.variables.items():
            set_local(run, scope_id, str(name), to_feel(value))
        run.enter(scope_id, item.element_id)
    for ei_id in doomed:
        ei = state.instances.get(ei_id)
        if ei is None:  # already gone with a scope terminated before it
            continue
        parent_id = ei.parent
        run.terminate(ei_id)
        if parent_id is not None:
            _end_if_idle(run, parent_id)
    for scope_id, gateway_id in joins:
        scope = state.instances.get(scope_id)
        if scope is None or not scope.joins or gateway_id not in scope.joins:
            continue
        scope = state.mut(scope_id)
        left = {k: v for k, v in (scope.joins or {}).items() if k != gateway_id}
        scope.joins = left or None
        run.history(
            "element_terminated",
            gateway_id,
            None,
            {"type": run.info.type_names.get(gateway_id, ""), "waiting_tokens": True},
        )
        _end_if_idle(run, scope_id)


def _described(item: Activate) -> dict[str, Any]:
    return {
        "element_id": item.element_id,
        "ancestor": item.ancestor,
        "variables": sorted(str(name) for name in item.variables),
    }


def _scope_of(run: Runner, item: Activate) -> str:
    """The element instance a token for `item` arrives in."""
    node = run.elements.get(item.element_id)
    if node is None:
        raise CommandRejected(
            f"the process {run.state.process_id!r} has no element {item.element_id!r}"
        )
    if isinstance(node, BoundaryEvent):
        raise CommandRejected(
            f"{item.element_id!r} is a boundary event: it cannot be activated on its own; "
            f"activate {node.attached_to!r} or an element after the boundary event"
        )
    if item.element_id in run.info.joins:
        raise CommandRejected(
            f"{item.element_id!r} is a joining gateway, which waits for tokens on its "
            "incoming flows: activate the element after it instead"
        )
    if _is_event_subprocess(run, item.element_id):
        raise CommandRejected(
            f"{item.element_id!r} is an event subprocess, which starts on its trigger: "
            "send the trigger (message, signal, ...), or activate the elements you need "
            "outside it"
        )
    enclosing = node.parent
    if not enclosing or enclosing == run.state.process_id:
        if item.ancestor not in (None, run.state.id):
            raise CommandRejected(
                f"{item.element_id!r} is at the top level of the process: its ancestor can "
                f"only be the instance {run.state.id!r}"
            )
        return run.state.id
    if enclosing in run.info.looping:
        raise CommandRejected(
            f"{item.element_id!r} is inside the multi-instance {enclosing!r}: activate "
            f"{enclosing!r} itself instead"
        )
    running = [
        ei.id
        for ei in run.state.instances.values()
        if ei.element_id == enclosing
        and ei.role == ""
        and ei.status == Status.ACTIVE
        and ei.wait is None  # not waiting for an asynchronous continuation
    ]
    if item.ancestor is not None:
        if item.ancestor not in running:
            raise CommandRejected(
                f"{item.ancestor!r} is not a running instance of {enclosing!r}, which "
                f"encloses {item.element_id!r} (running: {', '.join(running) or 'none'})"
            )
        return item.ancestor
    if not running:
        kind = "event subprocess" if _is_event_subprocess(run, enclosing) else "subprocess"
        raise CommandRejected(
            f"{item.element_id!r} is inside the {kind} {enclosing!r}, which does not run: "
            f"activate {enclosing!r} itself"
        )
    if len(running) > 1:
        raise CommandRejected(
            f"{len(running)} instances of {enclosing!r} run ({', '.join(running)}): name "
            f"the one to activate {item.element_id!r} in as its ancestor"
        )
    return running[0]


def _is_event_subprocess(run: Runner, element_id: str) -> bool:
    node = run.elements.get(element_id)
    return isinstance(node, SubProcess) and node.triggered_by_event


def _running(run: Runner, target: str) -> list[str]:
    """The element instances a termination names: one by id, or every running instance
    of an element."""
    state = run.state
    if target in (state.id, state.process_id):
        raise CommandRejected(
            f"{target!r} is the instance itself: cancel it rather than terminate it"
        )
    ei = state.instances.get(target)
    if ei is not None:
        if ei.role == "inner":
            raise CommandRejected(
                f"{target!r} is one instance of the multi-instance {ei.element_id!r}: "
                f"terminate {ei.element_id!r} as a whole"
            )
        found = [target]
    else:
        found = [
            e.id
            for e in state.instances.values()
            if e.element_id == target and e.role not in ("inner", "process")
        ]
    for ei_id in found:
        inner = next(
            (a for a in _ancestors(run, ei_id) if state.instances[a].role == "inner"), None
        )
        if inner is not None:
            activity = state.instances[inner].element_id
            raise CommandRejected(
                f"{target!r} runs inside the multi-instance {activity!r}: terminate "
                f"{activity!r} as a whole"
            )
    if not found:
        active = sorted({e.element_id for e in state.instances.values() if e.parent is not None})
        raise CommandRejected(
            f"nothing named {target!r} runs in the instance {state.id} (running elements: "
            f"{', '.join(active) or 'none'})"
        )
    return found


def _waiting_joins(run: Runner, target: str) -> list[tuple[str, str]]:
    """The scopes where tokens wait at the joining gateway `target` (none when `target`
    is no joining gateway, or an element instance runs there)."""
    if target not in run.info.joins:
        return []
    return [
        (ei.id, target) for ei in run.state.instances.values() if ei.joins and target in ei.joins
    ]


def _ancestors(run: Runner, ei_id: str) -> set[str]:
    """`ei_id` and the element instances enclosing it."""
    found: set[str] = set()
    current: str | None = ei_id
    while current is not None and current not in found:
        found.add(current)
        ei = run.state.instances.get(current)
        current = ei.parent if ei is not None else None
    return found


def _end_if_idle(run: Runner, scope_id: str) -> None:
    """Terminate a scope that terminations left with nothing running, in flight or able
    to arrive (tokens waiting at a join with no token left to join them are dropped with
    it); end the instance left so. An emptied inner instance of a multi-instance
    subprocess takes the whole multi-instance activity with it."""
    state = run.state
    while True:
        scope = state.instances.get(scope_id)
        if scope is None or scope.children or run.inflight.get(scope_id):
            return
        if scope.joins and any(key[0] == scope_id for key in run.deferred):
            return  # a waiting inclusive join gets its look first
        if scope.role == "process":
            if state.pending:
                return  # work the runaway-loop guard saved resumes with its incident
            root = state.mut(scope_id)
            root.joins = None
            root.data = {**(root.data or {}), "terminated": True}
            run.queue.append(("check", scope_id))
            return
        if scope.role == "inner" and scope.parent is not None:
            scope = state.instances[scope.parent]  # the multi-instance body
        parent_id = scope.parent
        run.terminate(scope.id)
        if parent_id is None:
            return
        scope_id = parent_id
