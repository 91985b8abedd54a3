"""Compensation: undoing completed work, newest first.

When an activity with a compensation boundary event completes, its flow scope records it
(with its handler); a completed subprocess hands its own records up with it, nested. A
compensation throw or end event — for the whole scope or for one activity — takes the
matching records and runs their handlers one after another in reverse order of completion —
once per completed instance of a multi-instance activity, each handler seeing the local
variables the instance it compensates had; the throwing event waits for them unless
`waitForCompletion` is false. A cancel end event compensates its transaction the same way,
then leaves it by the cancel boundary event.
"""

from __future__ import annotations

from typing import Any

from regista.engine.errors import Failure
from regista.engine.run import Run
from regista.engine.state import ElementInstance
from regista.model.bpmn import (
    BoundaryEvent,
    CancelEventDefinition,
    CompensateEventDefinition,
    SubProcess,
    Transaction,
)

__all__ = [
    "cancel_transaction",
    "handler_done",
    "handler_id",
    "record",
    "start_handler",
    "throw",
]

Record = list[Any]  # [activity id, handler id or None, nested records, (local variables)]
Entry = list[Any]  # [handler id, local variables or None, (records for an event subprocess)]


def record(run: Run, ei: ElementInstance, node: Any) -> None:
    """`ei` completed: remember it in its flow scope if it can be compensated, with a
    snapshot of its local variables (a multi-instance body hands up one record per
    completed instance instead of one for itself)."""
    if ei.data and ei.data.get("compensating"):
        return  # a compensation event subprocess that ran: what it left is not redone
    nested: list[Record] = list((ei.data or {}).get("compensations") or [])
    handler = run.info.compensation.get(node.id) if ei.role != "body" else None
    if handler is None and ei.role != "body" and node.id in run.info.compensation_esp:
        # Its compensation event subprocess decides how it is compensated.
        handler = run.info.compensation_esp[node.id][0]
    if (handler is None and not nested) or ei.parent is None:
        return
    scope = run.state.mut(ei.parent)
    data = scope.data
    if data is None:
        data = scope.data = {}
    entry: Record = [node.id, handler, nested]
    if ei.variables and ei.role != "body":
        entry.append(dict(ei.variables))
    data["compensations"] = [*data.get("compensations", []), entry]


def _expand(
    records: list[Record], esps: frozenset[str], outer: dict[str, Any] | None = None
) -> list[Entry]:
    """The handlers to run for `records`, newest first, each with the local variables of
    the instance it compensates (and of the subprocesses around it): a subprocess without
    its own handler compensates what completed inside it, unless it has a compensation
    event subprocess (one of `esps`), which gets those records to compensate itself."""
    handlers: list[Entry] = []
    for rec in reversed(records):
        handler, nested = rec[1], rec[2]
        local = {**(outer or {}), **rec[3]} if len(rec) > 3 and rec[3] else outer
        if handler in esps:
            handlers.append([handler, local, nested])
        elif handler:
            handlers.append([handler, local])
        else:
            handlers.extend(_expand(nested, esps, local))
    return handlers


def _take(records: list[Record], activity_ref: str | None) -> tuple[list[Record], list[Record]]:
    """Split `records` into (taken, kept) for `activity_ref` (None takes every record)."""
    if activity_ref is None:
        return records, []
    taken: list[Record] = []
    kept: list[Record] = []
    for rec in records:
        if rec[0] == activity_ref:
            taken.append(rec)
            continue
        inner_taken, inner_kept = _take(list(rec[2]), activity_ref)
        if inner_taken and len(rec) > 3 and rec[3]:
            # Taken out of a subprocess: they keep seeing its local variables.
            inner_taken = [
                [*r[:3], {**rec[3], **(r[3] if len(r) > 3 else {})}] for r in inner_taken
            ]
        taken.extend(inner_taken)
        kept.append([rec[0], rec[1], inner_kept, *rec[3:]] if inner_taken else rec)
    return taken, kept


def _target_scope(run: Run, ei: ElementInstance) -> str:
    """The scope a throw compensates: its own, or for an event subprocess the scope the
    event subprocess belongs to."""
    scope_id = ei.parent
    assert scope_id is not None
    scope = run.state.instances[scope_id]
    node = run.elements.get(scope.element_id)
    if (
        isinstance(node, SubProcess)
        and node.triggered_by_event
        and scope.parent is not None
        and not (scope.data or {}).get("compensating")
    ):
        return scope.parent
    return scope_id


def _collect(run: Run, scope_id: str, activity_ref: str | None) -> list[Entry]:
    scope = run.state.instances[scope_id]
    records: list[Record] = list((scope.data or {}).get("compensations") or [])
    taken, kept = _take(records, activity_ref)
    if taken:
        data = run.state.mut(scope_id).data
        assert data is not None
        data["compensations"] = kept
    esps = frozenset(esp for esp, _start in run.info.compensation_esp.values())
    return _expand(taken, esps)


def start_handler(run: Run, scope_id: str, entry: Entry | str, thrower_id: str | None) -> None:
    """Run the compensation handler `entry` in the scope `scope_id` (queued work)."""
    if scope_id in run.state.instances and (
        thrower_id is None or thrower_id in run.state.instances
    ):
        _start(run, scope_id, entry, thrower_id)


def handler_id(entry: Entry | str) -> str:
    """The element id of the handler an entry runs."""
    return entry if isinstance(entry, str) else str(entry[0])


def _start(run: Run, scope_id: str, entry: Entry | str, thrower_id: str | None) -> None:
    handler = handler_id(entry)
    local = entry[1] if not isinstance(entry, str) and len(entry) > 1 else None
    node = run.elements.get(handler)
    if node is None:
        raise Failure(f"the compensation handler {handler} does not exist")
    data: dict[str, Any] | None = {"handler_of": thrower_id} if thrower_id else None
    if isinstance(node, SubProcess) and node.triggered_by_event and not isinstance(entry, str):
        # A compensation event subprocess runs where the subprocess it compensates ran,
        # seeing its variables; a compensation thrown inside it compensates what completed
        # in that subprocess.
        start = next(s for e, s in run.info.compensation_esp.values() if e == handler)
        nested = entry[2] if len(entry) > 2 else []
        data = {
            **(data or {}),
            "start": start,
            "trigger": {},
            "compensating": True,
            "compensations": list(nested),
        }
    run.activate(scope_id, node, None, data=data, local=local)


def throw(run: Run, ei: ElementInstance, definition: CompensateEventDefinition) -> bool:
    """Compensate for a throw or end event; True when the event goes on at once."""
    scope_id = _target_scope(run, ei)
    handlers = _collect(run, scope_id, definition.activity_ref)
    if not handlers:
        return True
    if not definition.wait_for_completion:
        for entry in handlers:
            _start(run, scope_id, entry, None)
        return True
    thrower = run.state.mut(ei.id)
    thrower.wait = "compensation"
    thrower.data = {
        **(thrower.data or {}),
        "pending": handlers[1:],
        "then": "complete",
        "target": scope_id,
    }
    _start(run, scope_id, handlers[0], ei.id)
    return False


def handler_done(run: Run, handler: ElementInstance) -> None:
    """A compensation handler completed: run the next one or let the thrower go on."""
    thrower_id = (handler.data or {}).get("handler_of")
    thrower = run.state.instances.get(thrower_id or "")
    if thrower is None or thrower.data is None:
        return
    pending = list(thrower.data.get("pending") or [])
    target = str(thrower.data.get("target") or handler.parent)
    if pending:
        data = run.state.mut(thrower.id).data
        assert data is not None
        data["pending"] = pending[1:]
        # Queued, so that many handlers completing at once do not nest calls.
        run.queue.append(("handler", target, pending[0], thrower.id))
        return
    thrower = run.state.mut(thrower.id)
    thrower.wait = None
    data = thrower.data
    assert data is not None
    then = data.pop("then", "complete")
    data.pop("pending", None)
    data.pop("target", None)
    if then == "cancel":
        _finish_cancel(run, thrower)
    else:
        run.complete(thrower)


def cancel_transaction(run: Run, ei: ElementInstance) -> None:
    """A cancel end event: end the transaction's other work, compensate it, then leave
    by its cancel boundary event."""
    instances = run.state.instances
    tx_id = ei.parent
    while tx_id is not None and not isinstance(
        run.elements.get(instances[tx_id].element_id), Transaction
    ):
        tx_id = instances[tx_id].parent
    if tx_id is None:
        raise Failure(f"the cancel end event {ei.element_id} is not inside a transaction")
    run.terminate_children(tx_id, keep=ei.id)
    handlers = _collect(run, tx_id, None)
    thrower = run.state.mut(ei.id)
    thrower.wait = "compensation"
    thrower.data = {**(thrower.data or {}), "pending": handlers[1:], "then": "cancel"}
    thrower.data["target"] = tx_id
    thrower.data["transaction"] = tx_id
    if handlers:
        _start(run, tx_id, handlers[0], ei.id)
    else:
        thrower.data.pop("pending")
        _finish_cancel(run, thrower)


def _finish_cancel(run: Run, thrower: ElementInstance) -> None:
    tx_id = (thrower.data or {}).get("transaction")
    tx = run.state.instances.get(tx_id or "")
    if tx is None or tx.parent is None:
        return
    node = run.elements[tx.element_id]
    boundary = next(
        (
            b
            for b in (run.elements.get(b_id) for b_id in getattr(node, "boundary_events", ()))
            if isinstance(b, BoundaryEvent)
            and any(isinstance(d, CancelEventDefinition) for d in b.event_definitions)
        ),
        None,
    )
    scope_id = tx.parent
    run.terminate(tx.id)
    if boundary is not None:
        run.activate(scope_id, boundary, None, data={"trigger": {}})
    else:
        run.queue.append(("check", scope_id))
