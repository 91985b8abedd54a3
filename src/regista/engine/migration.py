"""Process instance migration: a running instance moves to another version of its process
(the `Migrate` command), as Camunda 7 migration plans and Zeebe migrations do.

Each live element instance becomes the element the mappings name for it, or the element of
the same id in the target; the target element must have the same type, sit in the scope
its element instance's scope maps to, and be multi-instance exactly when the source one is.
What the instance waits for (jobs, user tasks, timers, subscriptions) stays as it is —
jobs keep their type and user tasks their assignment — under the new element ids. A wait
whose triggering element (a boundary event, an event subprocess start, a catch event after
an event-based gateway) has no counterpart of the same kind in the same place in the target
(attached to the same activity, after the same gateway, in the same scope) is closed, or
refused when the mappings named it. Boundary events and event subprocesses the target adds
wait only from the next activation of their activity or scope (as in Zeebe).

Refused, changing nothing, with the reason: an element with no counterpart, a change of
type (event definitions and interrupting included) or scope, tokens waiting at a join
(their flows may differ: complete or terminate them first), an asynchronous continuation
about to leave along flows the target changed, work a runaway-loop incident holds, an
event-based gateway left waiting for nothing, completed activities kept for
compensation, a mapping naming an unknown element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from regista.engine.commands import Migrate
from regista.engine.context import Context
from regista.engine.effects import Effect, InstanceMigrated
from regista.engine.errors import CommandRejected
from regista.engine.model import process_info
from regista.engine.runner import Runner
from regista.engine.state import Incident, InstanceState, Wait
from regista.model.bpmn import BoundaryEvent, Process, StartEvent, SubProcess

__all__ = ["migrate"]


def migrate(
    state: InstanceState, command: Migrate, ctx: Context
) -> tuple[InstanceState, list[Effect]]:
    """The instance moved to `command.process_id` of `ctx.definitions`, and its effects."""
    source = command.source
    target = ctx.definitions.processes.get(command.process_id)
    if target is None:
        raise CommandRejected(f"no process {command.process_id!r} to migrate to")
    if source.id != state.process_id:
        raise CommandRejected(
            f"the instance runs {state.process_id!r}, not {source.id!r}: give the process "
            "it runs as the source"
        )
    for old_id, new_id in command.mappings.items():
        if old_id not in source.elements:
            raise CommandRejected(f"the mapping names {old_id!r}, which {source.id!r} lacks")
        if new_id not in target.elements:
            raise CommandRejected(f"the mapping names {new_id!r}, which the target lacks")
    if state.pending:
        raise CommandRejected(
            "work stopped by a runaway-loop incident waits to resume: resolve or terminate "
            "it first, then migrate"
        )
    plan = _Plan(source, target, dict(command.mappings))
    new = state.copy()
    renamed: dict[str, str] = {}
    for ei in state.instances.values():
        if ei.joins:
            _refuse_joins(ei.joins, "the instance" if ei.role == "process" else repr(ei.element_id))
        if ei.data and ei.data.get("compensations"):
            _refuse_compensation()
        if ei.role == "process":
            continue
        dst = plan.check(state, ei.id)
        stored = (ei.data or {}).get("flows")
        if stored and any(
            f not in target.flows
            or target.flows[f].source != dst
            or target.flows[f].target != plan.counterpart(source.flows[f].target)
            for f in stored
        ):
            raise CommandRejected(
                f"{ei.element_id!r} waits to leave along {', '.join(stored)}, which the target "
                f"does not have from {dst!r} to the same elements: let its continuation run "
                "first, then migrate"
            )
        if dst != ei.element_id:
            new.mut(ei.id).element_id = dst
            renamed[ei.element_id] = dst
    closed: list[str] = []
    rows: dict[str, str] = {}  # job, user task, timer, subscription, incident id -> element
    for wait in state.waits.values():
        wait_dst = plan.wait_target(state, wait)
        if wait_dst is None:
            closed.append(wait.id)
        elif wait_dst != wait.element_id:
            new.waits[wait.id] = replace(wait, element_id=wait_dst)
            renamed[wait.element_id] = wait_dst
            rows[wait.id] = wait_dst
    for ei in state.instances.values():
        if ei.wait == "events" and ei.waits and all(w in closed for w in ei.waits):
            raise CommandRejected(
                f"none of the events the gateway {ei.element_id!r} waits for is after it in "
                "the target: it would wait for nothing"
            )
    incidents: list[Incident] = []
    for incident in state.incidents:
        incident_dst = plan.counterpart(incident.element_id)
        if incident_dst is not None and incident_dst != incident.element_id:
            renamed[incident.element_id] = incident_dst
            rows[incident.id] = incident_dst
            incident = replace(incident, element_id=incident_dst)
        incidents.append(incident)
    new.incidents = incidents
    new.process_id = target.id
    if target.id != source.id:
        new.mut(state.id).element_id = target.id
    run = Runner(new, ctx, target)
    run.history(
        "instance_migrated",
        target.id,
        state.id,
        {"from": source.id, "to": target.id, "elements": dict(sorted(renamed.items()))},
    )
    for wait_id in closed:
        if wait_id in run.state.waits:
            run.close_wait(wait_id, cancel=True)
    run.effects.append(InstanceMigrated(target.id, rows))
    return run.state, run.effects


class _Plan:
    """Which target element each source element becomes, and the checks that it may."""

    def __init__(self, source: Process, target: Process, mappings: dict[str, str]) -> None:
        self.source = source
        self.target = target
        self.mappings = mappings
        self.source_info = process_info(source)
        self.target_info = process_info(target)

    def counterpart(self, element_id: str) -> str | None:
        if element_id in self.mappings:
            return self.mappings[element_id]
        return element_id if element_id in self.target.elements else None

    def signature(self, process: Process, element_id: str) -> tuple[str, ...]:
        """What an element must keep to be migrated onto another: its type, its event
        definitions, and whether it interrupts or is triggered by an event."""
        node = process.elements[element_id]
        info = self.source_info if process is self.source else self.target_info
        definitions = tuple(type(d).__name__ for d in getattr(node, "event_definitions", ()) or ())
        flags = (
            "event" if isinstance(node, SubProcess) and node.triggered_by_event else "",
            "non-interrupting"
            if (isinstance(node, StartEvent) and not node.is_interrupting)
            or (isinstance(node, BoundaryEvent) and not node.cancel_activity)
            else "",
        )
        return (info.type_names.get(element_id, ""), *definitions, *flags)

    def wait_target(self, state: InstanceState, wait: Wait) -> str | None:
        """The target element a wait carries on at, or None when it closes: its trigger
        has no counterpart of the same kind in the same place (attached to the same
        activity, after the same event-based gateway, in the same scope)."""
        named = wait.element_id in self.mappings
        dst = self.counterpart(wait.element_id)
        problem = None if dst is not None else "has no counterpart"
        if dst is not None:
            old, new = self.source.elements[wait.element_id], self.target.elements[dst]
            if self.signature(self.source, wait.element_id) != self.signature(self.target, dst):
                problem = "changes its type"
            elif isinstance(old, BoundaryEvent):
                if not isinstance(new, BoundaryEvent) or new.attached_to != self.counterpart(
                    old.attached_to
                ):
                    problem = "is attached elsewhere"
            elif self.scope_in_target(old.parent) != (new.parent or self.target.id):
                problem = "moves to another scope"
            owner = state.instances.get(wait.owner)
            if problem is None and owner is not None and owner.wait == "events":
                gateway = self.counterpart(owner.element_id)
                if not any(self.target.flows[f].source == gateway for f in new.incoming):
                    problem = "is no longer after the event-based gateway"
        if problem is None:
            return dst
        if named:
            raise CommandRejected(f"{wait.element_id!r} cannot become {dst!r}: it {problem}")
        return None

    def scope_in_target(self, parent: str) -> str | None:
        """The target scope that the source scope `parent` (a subprocess id, or the
        process) maps to."""
        if not parent or parent == self.source.id:
            return self.target.id
        return self.counterpart(parent)

    def check(self, state: InstanceState, ei_id: str) -> str:
        """The target element of a live element instance, or the refusal."""
        ei = state.instances[ei_id]
        element_id = ei.element_id
        dst = self.counterpart(element_id)
        if dst is None:
            raise CommandRejected(
                f"{element_id!r} runs in the instance but the target has no element of that "
                f"id: map it to one (--map {element_id}=ELEMENT)"
            )
        kind, new_kind = self.signature(self.source, element_id), self.signature(self.target, dst)
        if kind != new_kind:
            raise CommandRejected(
                f"{element_id!r} ({_shown(kind)}) cannot become {dst!r} ({_shown(new_kind)}): "
                "an element keeps its type"
            )
        looping = element_id in self.source_info.looping
        if looping != (dst in self.target_info.looping):
            raise CommandRejected(
                f"{element_id!r} cannot become {dst!r}: only a multi-instance activity "
                "maps to a multi-instance activity"
            )
        parent = state.instances[ei.parent] if ei.parent is not None else None
        if parent is not None and parent.role == "body":
            return dst  # an inner instance: its scope is the multi-instance activity
        expected = (
            self.target.id
            if parent is None or parent.role == "process"
            else self.counterpart(parent.element_id)
        )
        actual = self.target.elements[dst].parent or self.target.id
        if actual != expected:
            raise CommandRejected(
                f"{element_id!r} cannot become {dst!r}: it would move from the scope "
                f"{expected!r} to {actual!r}"
            )
        return dst


def _shown(signature: tuple[str, ...]) -> str:
    return " ".join(part for part in signature if part)


def _refuse_joins(joins: Mapping[str, object], where: str) -> None:
    raise CommandRejected(
        f"tokens wait at {', '.join(sorted(joins))} in {where}: complete them or terminate "
        "the join first (modify), then migrate"
    )


def _refuse_compensation() -> None:
    raise CommandRejected(
        "completed activities of the instance are kept for compensation: migrating them is "
        "not supported"
    )
