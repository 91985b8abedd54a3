"""Process instance modification: an operator moves tokens (the `Modify` command).

Activations come first, so that the terminations after them do not end a scope that is
about to receive a token; each activation is a token arriving at the element inside the
running instance of its enclosing subprocess (or the instance itself), with its input
mappings and behaviour as usual. A termination ends an element instance and what it holds
(waits, jobs, timers, called instances, incidents), like an interrupting event would. A
subprocess that terminations leave with nothing running or in flight is terminated in
turn, and an instance left so ends as terminated: modifying never continues a flow the
operator did not ask for.

Everything is checked before anything changes, and the command is refused with the reason
when an instruction cannot apply (an unknown element, a boundary event, an ambiguous or
missing enclosing subprocess, an element instance that is not running).
"""

from __future__ import annotations

from typing import Any

from regista.engine.commands import Activate, Modify
from regista.engine.errors import CommandRejected
from regista.engine.runner import Run
from regista.engine.variables import set_local
from regista.feel.values import to_feel
from regista.model.bpmn import BoundaryEvent, SubProcess

__all__ = ["modify"]


def modify(run: Run, command: Modify) -> None:
    """Apply the instructions of `command` (see the module docstring)."""
    if not command.activate and not command.terminate:
        raise CommandRejected("a modification needs at least one activate or terminate")
    state = run.state
    scopes = [_scope_of(run, item) for item in command.activate]
    doomed: list[str] = []
    for target in command.terminate:
        for ei_id in _running(run, target):
            if ei_id not in doomed:
                doomed.append(ei_id)
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


def _described(item: Activate) -> dict[str, Any]:
    return {
        "element_id": item.element_id,
        "ancestor": item.ancestor,
        "variables": sorted(str(name) for name in item.variables),
    }


def _scope_of(run: Run, item: Activate) -> str:
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
        if ei.element_id == enclosing and ei.role == "" and ei.status == "active"
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


def _is_event_subprocess(run: Run, element_id: str) -> bool:
    node = run.elements.get(element_id)
    return isinstance(node, SubProcess) and node.triggered_by_event


def _running(run: Run, target: str) -> list[str]:
    """The element instances a termination names: one by id, or every running instance
    of an element."""
    state = run.state
    if target == state.id:
        raise CommandRejected(
            f"{target!r} is the instance itself: cancel it rather than terminate it"
        )
    ei = state.instances.get(target)
    if ei is not None:
        return [target]
    found = [e.id for e in state.instances.values() if e.element_id == target and e.role != "inner"]
    if not found:
        active = sorted({e.element_id for e in state.instances.values() if e.parent is not None})
        raise CommandRejected(
            f"nothing named {target!r} runs in the instance {state.id} (running elements: "
            f"{', '.join(active) or 'none'})"
        )
    return found


def _end_if_idle(run: Run, scope_id: str) -> None:
    """Terminate a scope that terminations left empty; end the instance left so."""
    state = run.state
    while True:
        scope = state.instances.get(scope_id)
        if scope is None or scope.children or run.inflight.get(scope_id) or scope.joins:
            return
        if scope.role == "process":
            root = state.mut(scope_id)
            root.data = {**(root.data or {}), "terminated": True}
            run.queue.append(("check", scope_id))
            return
        parent_id = scope.parent
        run.terminate(scope_id)
        if parent_id is None:
            return
        scope_id = parent_id
