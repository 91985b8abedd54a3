"""Camunda 7's message correlation, one unit of work: a message chooses the executions it
reaches by business key, process instance id and variable values (`correlationKeys`,
`localCorrelationKeys`) rather than by one correlation key, and is never kept.

Every open subscription of the message name is a candidate (oldest first); those whose
instance does not match the selection are passed over. When none matches and no process
instance id was given, the processes with a message start event of that name start (with
the business key). Without `all`, exactly one execution or start event may match (a
waiting execution goes first); more, or none, refuses the message
(`MismatchingCorrelation`). With `all`, every matching execution takes it and every such
process starts, in one go, as Camunda 7's `correlateAll` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regista.engine import RUNNING, InstanceState
from regista.feel.values import to_python
from regista.runtime import messages
from regista.runtime.errors import RequestError
from regista.runtime.keys import lock_correlation
from regista.runtime.shell import Shell, feel_variables
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import CorruptState, NotFound, Subscription

__all__ = ["Correlated", "MismatchingCorrelation", "Selection", "correlate_selected"]


class MismatchingCorrelation(RequestError):
    """No execution (or more than one, without `all`) matches a message: a 400 naming the
    message and what it was matched by."""


@dataclass(frozen=True, slots=True)
class Selection:
    """Which executions a message may reach: all of the given conditions hold."""

    name: str
    business_key: str | None = None
    instance_id: str | None = None
    correlation_keys: Mapping[str, Any] = field(default_factory=dict)
    """Root variables of the instance that must equal these values."""
    local_correlation_keys: Mapping[str, Any] = field(default_factory=dict)
    """Variables of the waiting element's own scope that must equal these values."""
    all: bool = False

    def describe(self) -> str:
        parts = [f"message {self.name!r}"]
        if self.business_key is not None:
            parts.append(f"business key {self.business_key!r}")
        if self.instance_id is not None:
            parts.append(f"process instance {self.instance_id!r}")
        if self.correlation_keys:
            parts.append(f"correlation keys {dict(self.correlation_keys)!r}")
        if self.local_correlation_keys:
            parts.append(f"local correlation keys {dict(self.local_correlation_keys)!r}")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Correlated:
    """One execution the message reached: a waiting instance, or one it started."""

    instance_id: str
    started: bool
    start_event_id: str | None = None


def _equal(found: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    for name, value in wanted.items():
        if name not in found or to_python(found[name]) != value:
            return False
    return True


def _candidates(uow: UnitOfWork, selection: Selection) -> list[Subscription]:
    """The open message subscriptions of the name the selection can reach, oldest first:
    read through the instance when an instance id or business key names it (indexed),
    else all of the name."""
    tx = uow.tx
    if selection.instance_id is not None:
        found = tx.subscriptions_of_instance(selection.instance_id)
    elif selection.business_key is not None:
        found = [
            sub
            for row in tx.list_instances(business_key=selection.business_key, limit=2**31 - 1)
            if row.status in RUNNING
            for sub in tx.subscriptions_of_instance(row.id)
        ]
    else:
        return tx.message_subscriptions(selection.name)
    chosen = [s for s in found if s.kind == "message" and s.name == selection.name]
    return sorted(chosen, key=lambda s: (s.created_at, s.id))


def _holds(state: InstanceState, sub: Subscription, selection: Selection) -> bool:
    """Whether the instance still waits at `sub` and its variables match `selection`."""
    if sub.id not in state.waits:
        return False  # left behind: its wait is gone
    if selection.correlation_keys and not _equal(state.variables(), selection.correlation_keys):
        return False
    if selection.local_correlation_keys:
        scope = state.instances.get(sub.element_instance_id)
        local = (scope.variables if scope is not None else None) or {}
        if not _equal(local, selection.local_correlation_keys):
            return False
    return True


def _matches(uow: UnitOfWork, sub: Subscription, selection: Selection) -> bool:
    """Whether `sub` matches `selection`: checked on the row as read, then again once its
    instance is locked, so that only the instances a message reaches are locked."""
    row = uow.tx.get_instance(sub.instance_id)
    if row is None:
        return False
    if selection.business_key is not None and row.business_key != selection.business_key:
        return False
    try:
        if not _holds(InstanceState.from_json(row.state), sub, selection):
            return False
        loaded = uow.load(sub.instance_id)
    except (NotFound, CorruptState, KeyError, TypeError, ValueError, AttributeError):
        return False  # a corrupt state matches nothing (its incident says so)
    return _holds(loaded.state, sub, selection)


def _correlate(
    uow: UnitOfWork, selection: Selection, variables: Mapping[str, Any]
) -> list[Correlated]:
    lock_correlation(uow.tx, selection.name, None)  # exclusive: no subscriber slips by
    chosen = [sub for sub in _candidates(uow, selection) if _matches(uow, sub, selection)]
    if len(chosen) > 1 and not selection.all:
        raise MismatchingCorrelation(
            f"cannot correlate the {selection.describe()} to a single execution: "
            f"{len(chosen)} executions match; narrow the selection (businessKey, "
            "processInstanceId, correlationKeys) or set all=true"
        )
    reached: list[Correlated] = []
    for sub in chosen:
        if sub.id not in uow.load(sub.instance_id).state.waits:
            continue  # an earlier delivery to its instance closed this wait
        messages.deliver(uow, sub.id, variables)
        reached.append(Correlated(sub.instance_id, started=False))
    if chosen and not selection.all:
        return reached  # a waiting execution goes before a start event
    starts = (
        []
        if selection.instance_id is not None
        else uow.models.starts(uow.tx, "message", selection.name)
    )
    if len(starts) > 1 and not selection.all:
        names = ", ".join(model.process_id for model, _ in starts)
        raise MismatchingCorrelation(
            f"cannot correlate the {selection.describe()} to a single start event: the "
            f"processes {names} start with it; set all=true to start each"
        )
    started: list[Correlated] = reached
    for model, start_event_id in starts:
        loaded = uow.start(
            model,
            dict(variables),
            business_key=selection.business_key,
            start_event_id=start_event_id,
        )
        uow.record(
            loaded,
            "message_correlated",
            command="StartInstance",
            element_id=start_event_id,
            data={"name": selection.name, "start_event": start_event_id},
        )
        started.append(Correlated(loaded.id, started=True, start_event_id=start_event_id))
    if not started:
        raise MismatchingCorrelation(
            f"cannot correlate the {selection.describe()}: no execution waits for it and "
            "no process starts with it (Camunda 7 does not keep a message for later)"
        )
    return started


def correlate_selected(
    shell: Shell,
    selection: Selection,
    variables: Mapping[str, Any] | None = None,
    *,
    actor: str | None = None,
) -> list[Correlated]:
    """Correlate a message as Camunda 7 does (see the module docstring), one unit of work:
    nothing is delivered when it is refused."""
    values = feel_variables(variables)
    return shell.transact(lambda uow: _correlate(uow, selection, values), actor=actor)
