"""Boundary events: armed while their activity runs, interrupting it or forking from it.

Message, timer, signal and conditional boundary events open their waits when the activity
is entered (owned by it, so they close with it). Error, escalation, compensation and cancel
boundary events wait for nothing: a throw looks them up. An interrupting trigger terminates
the activity and everything inside it, then the token leaves by the boundary event; a
non-interrupting one starts a token there and lets the activity go on.
"""

from __future__ import annotations

from typing import Any

from regista.engine.run import Run
from regista.engine.state import ElementInstance
from regista.engine.waits import arm
from regista.model.bpmn import Activity, BoundaryEvent

__all__ = ["open_boundaries", "trigger"]


def open_boundaries(run: Run, host: ElementInstance, node: Activity) -> None:
    """Arm the boundary events of `node` on its running instance `host`."""
    elements = run.elements
    for boundary_id in node.boundary_events:
        boundary = elements.get(boundary_id)
        if boundary is not None:
            arm(run, host, boundary, host.id)


def trigger(
    run: Run,
    host: ElementInstance,
    boundary: BoundaryEvent,
    variables: dict[str, Any] | None,
) -> None:
    """The boundary event `boundary` of `host` happened."""
    scope_id = host.parent
    assert scope_id is not None
    if boundary.cancel_activity:
        run.terminate(host.id)
    run.activate(scope_id, boundary, None, data={"trigger": dict(variables or {})})
