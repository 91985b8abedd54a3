"""`step`: apply one command to an instance and run it until every token waits.

The function is pure: it reads the state, the command and the context and returns a new
state with the effects for the shell; the state passed in is never changed, so a caller
whose transaction fails keeps the old one. A command naming something the instance does
not have raises `CommandRejected`; failures inside the model become incidents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from regista.engine import activities, multi_instance, propagation
from regista.engine.activities import ASYNC_CONTINUATION
from regista.engine.commands import (
    Cancel,
    ChildCompleted,
    ChildEscalated,
    ChildFailed,
    ChildStartFailed,
    Command,
    CompleteJob,
    CompleteUserTask,
    CorrelateMessage,
    FailJob,
    FireTimer,
    Migrate,
    Modify,
    ResolveIncident,
    SetJobRetries,
    SetVariables,
    StartInstance,
    ThrowError,
    TriggerElement,
    TriggerSignal,
)
from regista.engine.context import Context
from regista.engine.effects import Effect, ResolveIncidentEffect, RetryJob
from regista.engine.errors import CommandRejected, Failure
from regista.engine.events import fire
from regista.engine.migration import migrate
from regista.engine.modification import modify
from regista.engine.runner import Runner
from regista.engine.state import ENDED, ElementInstance, InstanceState, Status, Wait
from regista.engine.subprocesses import enter_scope
from regista.engine.variables import delete_local, propagate, receive, set_local
from regista.feel.values import to_feel
from regista.model.bpmn import Activity, Process

__all__ = ["step"]


def _feel(variables: Mapping[str, Any]) -> dict[str, Any]:
    return {str(name): to_feel(value) for name, value in variables.items()}


def _process(ctx: Context, process_id: str) -> Process:
    process = ctx.definitions.processes.get(process_id)
    if process is None:
        known = ", ".join(sorted(ctx.definitions.processes)) or "none"
        raise CommandRejected(f"no process {process_id!r} in the deployment (it has: {known})")
    return process


def step(
    state: InstanceState | None, command: Command, ctx: Context
) -> tuple[InstanceState, list[Effect]]:
    """Apply `command` to `state` (None for `StartInstance`) and run to completion."""
    if isinstance(command, StartInstance):
        if state is not None:
            raise CommandRejected("StartInstance creates a new instance; pass state=None")
        return _start(command, ctx)
    if state is None:
        raise CommandRejected(f"{type(command).__name__} needs the state of an instance")
    if state.status in ENDED:
        raise CommandRejected(f"the instance {state.id} has ended ({state.status})")
    if isinstance(command, Migrate):  # runs against the target's definitions
        return migrate(state, command, ctx)
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise CommandRejected(f"unknown command {type(command).__name__}")
    run = Runner(state.copy(), ctx, _process(ctx, state.process_id))
    handler(run, command)
    run.run()
    return run.state, run.effects


def _start(command: StartInstance, ctx: Context) -> tuple[InstanceState, list[Effect]]:
    process = _process(ctx, command.process_id)
    instance_id = command.instance_id or ctx.new_id()
    state = InstanceState(instance_id, process.id, command.business_key, command.parent)
    root = ElementInstance(instance_id, process.id, None, state.epoch, "process")
    root.children = {}
    state.instances[instance_id] = root
    run = Runner(state, ctx, process)
    start_id = command.start_event_id
    instantiates = run.info.instantiates
    if (
        start_id is not None
        and start_id not in process.start_events
        and start_id not in instantiates
    ):
        raise CommandRejected(
            f"{start_id!r} is not a start event of the process {process.id!r} (it has: "
            + (", ".join(process.start_events) or "none")
            + ")"
        )
    if start_id is None and run.info.none_start.get(process.id) is None:
        raise CommandRejected(
            f"the process {process.id!r} has no none start event; name the start event "
            f"to use (one of: {', '.join(process.start_events) or 'none'})"
        )
    run.history(
        "instance_started",
        process.id,
        instance_id,
        {
            "business_key": command.business_key,
            "start_event": start_id,
            "parent": list(command.parent) if command.parent else None,
        },
    )
    variables = command.variables
    if command.parent is not None and process.data_inputs is not None:
        # A called process that declares its data inputs sees only those.
        variables = {k: v for k, v in variables.items() if k in process.data_inputs}
    for name, value in variables.items():
        set_local(run, instance_id, str(name), to_feel(value))
    try:
        # An instantiating receive task (or an event after an instantiating gateway) was
        # triggered by the message that started the instance: it completes at once.
        enter_scope(run, root, process.id, start_id, {} if start_id in instantiates else None)
    except Failure as failure:
        root.data = {"start": start_id}
        run.incident(instance_id, str(failure), "activate", None, failure.error_type or "UNKNOWN")
    run.run()
    return state, run.effects


# --- command handlers --------------------------------------------------------------------------


def _wait(run: Runner, wait_id: str, kinds: tuple[str, ...], what: str) -> Wait:
    wait = run.state.waits.get(wait_id)
    if wait is None or wait.kind not in kinds:
        raise CommandRejected(
            f"the instance {run.state.id} has no open {what} {wait_id!r} (it may have been "
            "completed, cancelled or never existed)"
        )
    return wait


def _owner(run: Runner, wait: Wait) -> ElementInstance:
    owner = run.state.instances.get(wait.owner)
    if owner is None:
        raise CommandRejected(f"the element waiting for {wait.id!r} is gone")
    return owner


def _complete_work(run: Runner, wait: Wait, variables: Mapping[str, Any]) -> None:
    owner = _owner(run, wait)
    if owner.status == Status.INCIDENT:
        raise CommandRejected(
            f"{owner.element_id} has an open incident; resolve it before completing {wait.id!r}"
        )
    run.close_wait(wait.id, cancel=False)
    run.state.mut(owner.id).wait = None
    node = run.node(owner)
    receive(run, owner, node, _feel(variables))
    run.complete(run.state.instances[owner.id])


def _complete_job(run: Runner, command: CompleteJob) -> None:
    wait = _wait(run, command.job_id, ("job",), "job")
    if wait.name == ASYNC_CONTINUATION:
        owner = _owner(run, wait)
        if owner.wait == "async":
            if owner.status == Status.INCIDENT:
                raise CommandRejected(
                    f"{owner.element_id} has an open incident; resolve it before continuing"
                )
            run.close_wait(wait.id, cancel=False)
            run.continue_async(owner)
            return
    _complete_work(run, wait, command.variables)


def _complete_user_task(run: Runner, command: CompleteUserTask) -> None:
    wait = _wait(run, command.task_id, ("user_task",), "user task")
    _complete_work(run, wait, command.variables)


def _fail_job(run: Runner, command: FailJob) -> None:
    wait = _wait(run, command.job_id, ("job",), "job")
    owner = _owner(run, wait)
    if owner.status == Status.INCIDENT:
        raise CommandRejected(f"the job {command.job_id!r} already failed with no retries left")
    had = wait.retries if wait.retries is not None else activities.DEFAULT_RETRIES
    left = max(had - 1 if command.retries is None else command.retries, 0)
    run.history(
        "job_failed",
        owner.element_id,
        owner.id,
        {"job_id": wait.id, "message": command.message, "retries": left},
    )
    if left > 0:
        run.replace_wait(Wait(**{**_fields(wait), "retries": left}))
        wait_for = command.backoff
        if wait_for is None or wait_for < dt.timedelta(0):
            wait_for = run.ctx.backoff(command.attempt)
        due = run.ctx.now + wait_for
        run.effects.append(RetryJob(wait.id, left, due))
        return
    # no retries left: an operator's update of the job's retries counts from 0
    run.replace_wait(Wait(**{**_fields(wait), "retries": 0}))
    message = command.message or "the job failed with no retries left"
    run.incident(owner.id, message, "job", wait.id, "JOB_NO_RETRIES")


def _set_job_retries(run: Runner, command: SetJobRetries) -> None:
    wait = _wait(run, command.job_id, ("job",), "job")
    retries = max(command.retries, 0)
    run.replace_wait(Wait(**{**_fields(wait), "retries": retries}))
    owner = _owner(run, wait)
    run.history(
        "job_retries_updated", owner.element_id, owner.id, {"job_id": wait.id, "retries": retries}
    )


def _fields(wait: Wait) -> dict[str, Any]:
    return {name: getattr(wait, name) for name in wait.__slots__}


def _throw_error(run: Runner, command: ThrowError) -> None:
    wait = _wait(run, command.job_id, ("job",), "job")
    owner = _owner(run, wait)
    run.close_wait(wait.id, cancel=False)
    run.state.mut(owner.id).wait = None
    propagation.throw_error(
        run, owner, command.code, command.message, _feel(command.variables), "job"
    )


def _correlate(run: Runner, command: CorrelateMessage) -> None:
    wait = _wait(run, command.subscription_id, ("message",), "message subscription")
    fire(run, wait, _feel(command.variables))


def _fire_timer(run: Runner, command: FireTimer) -> None:
    wait = _wait(run, command.timer_id, ("timer",), "timer")
    fire(run, wait, None)


def _signal(run: Runner, command: TriggerSignal) -> None:
    wait = _wait(run, command.subscription_id, ("signal",), "signal subscription")
    fire(run, wait, _feel(command.variables))


def _trigger_element(run: Runner, command: TriggerElement) -> None:
    waiting = [
        ei
        for ei in run.state.instances.values()
        if ei.element_id == command.element_id
        and ei.wait == "trigger"
        and command.element_instance_id in (None, ei.id)
    ]
    if not waiting:
        raise CommandRejected(
            f"nothing waits to be triggered at '{command.element_id}' in the instance "
            f"{run.state.id} (only a receive task without a message waits for a trigger)"
        )
    ei = waiting[0]
    if ei.status == Status.INCIDENT:
        raise CommandRejected(f"'{command.element_id}' has an incident; resolve it first")
    run.state.mut(ei.id).wait = None
    receive(run, ei, run.elements[ei.element_id], _feel(command.variables))
    run.complete(run.state.instances[ei.id])


def _call(run: Runner, element_instance_id: str) -> ElementInstance:
    ei = run.state.instances.get(element_instance_id)
    if ei is None or ei.wait != "child":
        raise CommandRejected(
            f"no call activity {element_instance_id!r} is waiting for a called instance"
        )
    return ei


def _child_completed(run: Runner, command: ChildCompleted) -> None:
    ei = _call(run, command.element_instance_id)
    activities.child_completed(run, ei, _feel(command.variables))


def _child_failed(run: Runner, command: ChildFailed) -> None:
    ei = _call(run, command.element_instance_id)
    run.state.mut(ei.id).wait = None
    propagation.throw_error(
        run, ei, command.code, command.message, _feel(command.variables), "activate"
    )


def _child_start_failed(run: Runner, command: ChildStartFailed) -> None:
    ei = _call(run, command.element_instance_id)
    run.state.mut(ei.id).wait = None
    message = command.message or "the called process could not be started"
    run.incident(
        ei.id,
        f"{message}; deploy the called process, then resolve the incident to start it again",
        "activate",
        None,
        "CALLED_ELEMENT_ERROR",
    )


def _child_escalated(run: Runner, command: ChildEscalated) -> None:
    ei = _call(run, command.element_instance_id)
    propagation.throw_escalation(run, ei, command.code, _feel(command.variables))


def _resolve(run: Runner, command: ResolveIncident) -> None:
    state = run.state
    incident = next((i for i in state.incidents if i.id == command.incident_id), None)
    if incident is None:
        raise CommandRejected(
            f"the instance {state.id} has no open incident {command.incident_id!r}"
        )
    state.incidents = [i for i in state.incidents if i.id != incident.id]
    if not state.incidents and state.status == Status.INCIDENT:
        state.status = Status.ACTIVE
    run.effects.append(ResolveIncidentEffect(incident.id))
    run.history(
        "incident_resolved",
        incident.element_id,
        incident.element_instance_id,
        {"incident_id": incident.id},
    )
    if incident.phase == "loop":
        run.resume(state.pending)
        state.pending = []
        return
    ei_id = incident.element_instance_id
    if ei_id is None or ei_id not in state.instances:
        return
    ei = state.mut(ei_id)
    ei.status = Status.ACTIVE
    node = run.node(ei)
    if incident.phase == "complete":
        run.complete(ei)
        return
    given: int | None = None  # the retries an operator gave the failed job, if any
    if incident.phase == "job":
        for wait_id in list(ei.waits or ()):
            if state.waits[wait_id].kind == "job":
                given = state.waits[wait_id].retries or given
                run.close_wait(wait_id, cancel=True)
    else:
        run.close_waits(ei_id, cancel=True)
    ei = state.mut(ei_id)
    ei.wait = None
    if ei.role == "process":
        start_id = (ei.data or {}).pop("start", None)
        payload: dict[str, Any] | None = {} if start_id in run.info.instantiates else None
        try:
            enter_scope(run, ei, state.process_id, start_id, payload)
        except Failure as failure:
            run.incident(ei_id, str(failure), "activate", None, failure.error_type or "UNKNOWN")
    elif incident.phase == "job" and ei.data and "async" in ei.data:
        activities.async_job(run, ei, node, str(ei.data["async"]))
    elif incident.phase == "job":
        try:
            activities.create_job(run, ei, node, retries=given)
        except Failure as failure:
            run.incident(ei_id, str(failure), "job", None, failure.error_type or "UNKNOWN")
    elif ei.role == "body" and isinstance(node, Activity):
        try:
            multi_instance.activate_body(run, ei, node)
        except Failure as failure:
            kind_ = failure.error_type or "EXTRACT_VALUE_ERROR"
            run.incident(ei_id, str(failure), "activate", None, kind_)
    else:
        run.run_element(ei, node)


def _cancel(run: Runner, command: Cancel) -> None:
    state = run.state
    if command.reason:  # the cause first, then what it terminated, then the end
        run.history("instance_cancelled", state.process_id, state.id, {"reason": command.reason})
    run.terminate_children(state.id)
    for incident in state.incidents:
        run.effects.append(ResolveIncidentEffect(incident.id))
    state.incidents = []
    state.pending = []
    run.end_instance(Status.CANCELLED)


def _set_variables(run: Runner, command: SetVariables) -> None:
    scope_id = command.scope_id or run.state.id
    if scope_id not in run.state.instances:
        raise CommandRejected(f"the instance {run.state.id} has no scope {scope_id!r}")
    for name, value in command.variables.items():
        if command.local:
            set_local(run, scope_id, str(name), to_feel(value))
        else:
            propagate(run, scope_id, str(name), to_feel(value))
    for name in command.deletions:
        delete_local(run, scope_id, name)


#: What each command does to a running instance (`StartInstance` and `Migrate` aside).
Handler = Callable[[Runner, Command], None]
_Command = TypeVar("_Command", bound=Command)


def _handler(
    kind: type[_Command], handle: Callable[[Runner, _Command], None]
) -> tuple[type, Handler]:
    """One entry of `_HANDLERS`: looked up by `type(command)`, `handle` only gets a `kind`."""
    return kind, cast(Handler, handle)


_HANDLERS: dict[type, Handler] = dict(
    [
        _handler(CompleteJob, _complete_job),
        _handler(FailJob, _fail_job),
        _handler(ThrowError, _throw_error),
        _handler(CompleteUserTask, _complete_user_task),
        _handler(CorrelateMessage, _correlate),
        _handler(FireTimer, _fire_timer),
        _handler(TriggerSignal, _signal),
        _handler(TriggerElement, _trigger_element),
        _handler(ChildCompleted, _child_completed),
        _handler(ChildFailed, _child_failed),
        _handler(ChildStartFailed, _child_start_failed),
        _handler(ChildEscalated, _child_escalated),
        _handler(ResolveIncident, _resolve),
        _handler(Cancel, _cancel),
        _handler(SetVariables, _set_variables),
        _handler(SetJobRetries, _set_job_retries),
        _handler(Modify, modify),
    ]
)
