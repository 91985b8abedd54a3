"""Starting a process instance by request: the unit of work of one start and the start
event it goes through.

`Shell.start` runs `start` in a transaction that concurrent requests share (group commit,
`regista.runtime.batching`), so the unit of work reads nothing it does not need: the
latest version as last seen here is checked by the insert instead of read first. A timer
start event fires in `fire_start_timer`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regista.engine.timers import next_plan
from regista.engine.triggers import conditional_starts
from regista.runtime.definitions import Model, cycle_text, read_cycle
from regista.runtime.errors import RequestError
from regista.runtime.metrics import TIMER
from regista.runtime.unit_of_work import UnitOfWork
from regista.store import NewTimer, Timer

__all__ = ["StartRequest", "Started", "fire_start_timer", "start", "start_event"]


@dataclass(frozen=True, slots=True)
class StartRequest:
    """What a caller asks to start: the latest version of `process_id` unless `version`;
    `variables` are FEEL values already (`feel_variables`)."""

    process_id: str
    variables: Mapping[str, Any]
    business_key: str | None = None
    version: int | None = None
    idempotency_key: str | None = None
    start_event_id: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Started:
    """The instance a start made (or found, by its idempotency key) and the definition
    version it runs, so that an API can answer without reading it back."""

    instance_id: str
    process_id: str
    definition_id: str
    version: int


def start(uow: UnitOfWork, request: StartRequest) -> Started:
    """Start the instance `request` asks for in `uow`; with an idempotency key already
    used, the instance started then."""
    models = uow.models
    if request.idempotency_key is not None:
        existing = uow.tx.find_instance_by_idempotency_key(request.idempotency_key)
        if existing is not None:
            version = models.get(uow.tx, existing.definition_id).version
            return Started(existing.id, existing.process_id, existing.definition_id, version)
    # the latest version as last seen here, checked by the insert (no read first); a stale
    # guess fails the transaction and the retry reads the latest
    model = models.guess_latest(request.process_id) if request.version is None else None
    guessed = model is not None
    if model is None:
        model = models.latest(uow.tx, request.process_id, request.version)
    loaded = uow.start(
        model,
        request.variables,
        business_key=request.business_key,
        start_event_id=request.start_event_id
        or start_event(uow, model, request.variables, request.message),
        idempotency_key=request.idempotency_key,
        latest=guessed,
    )
    return Started(loaded.id, model.process_id, model.definition_id, model.version)


def start_event(
    uow: UnitOfWork, model: Model, variables: Mapping[str, Any], message: str | None
) -> str | None:
    """The start event a start goes through when none is named (None: the none start
    event): the message start event of `message`, or, for a process that has only
    conditional start events, the first whose condition holds for `variables`."""
    if message is not None:
        for trigger in model.triggers:
            if trigger.kind == "message" and trigger.name == message:
                return trigger.start_event_id
        raise RequestError(
            f"'{model.process_id}' has no message start event for the message {message!r}"
        )
    kinds = {trigger.kind for trigger in model.triggers}
    if "none" in kinds or "conditional" not in kinds:
        return None
    found = conditional_starts(model.definitions, variables, uow.context(model), model.process_id)
    if not found:
        raise RequestError(
            f"'{model.process_id}' starts only by its conditional start events, and none "
            "of their conditions holds for the given variables"
        )
    return found[0].start_event_id


def fire_start_timer(uow: UnitOfWork, timer: Timer) -> bool:
    """Start an instance at the timer start event of the claimed `timer` and schedule its
    next repetition; False when it was fired or moved meanwhile, or a newer version of
    the process replaced it."""
    tx = uow.tx
    current = tx.get_timer(timer.id)
    if current is None or current.due_at != timer.due_at:
        return False
    tx.take_timer(timer.id)
    model = uow.models.get(tx, timer.element_instance_id)
    if tx.latest_definition_id(model.process_id) != model.definition_id:
        return False  # a newer version replaced this start event
    loaded = uow.start(model, {}, start_event_id=timer.element_id)
    uow.record(
        loaded,
        "timer_fired",
        command="StartInstance",
        element_id=timer.element_id,
        data={"timer_id": timer.id, "due": timer.due_at.isoformat()},
    )
    uow.facts.append((TIMER, "", "", (uow.now - timer.due_at).total_seconds()))
    cycle, remaining = read_cycle(timer.repeat)
    following = next_plan(cycle, remaining, timer.due_at) if cycle else None
    while following is not None and following.due <= uow.now:
        # missed repetitions (the engine was down) are skipped, not fired in a burst
        following = next_plan(following.cycle or cycle or "", following.remaining, following.due)
    if following is not None:
        again = NewTimer(
            id=timer.id,
            instance_id="",
            element_id=timer.element_id,
            element_instance_id=timer.element_instance_id,
            due_at=following.due,
            repeat=cycle_text(following.cycle, following.remaining),
        )
        tx.insert_timer(again, now=uow.now)
        uow.next_timer = following.due
    return True
