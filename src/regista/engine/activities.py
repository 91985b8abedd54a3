"""Tasks and call activities: what each kind does when a token reaches it.

Tasks with a job (service, send, script and business rule tasks with a task definition)
create a job and wait for `CompleteJob`; user tasks create a user task; receive tasks open
a message subscription; FEEL scripts, Python scripts (trusted models only) and DMN
decisions run inside the step; a call activity asks the shell to start the called process.
An element with an asynchronous continuation waits for a job of the reserved type
`ASYNC_CONTINUATION`, which the shell completes without a worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from regista.dmn import DmnError
from regista.dmn.errors import UnknownDecision
from regista.dmn.report import evaluated_decisions
from regista.engine.effects import CreateJob, CreateUserTask, PublishMessage, StartChild
from regista.engine.errors import ExpressionError, Failure
from regista.engine.expressions import run_script
from regista.engine.run import Behaviour, Run, behaviour
from regista.engine.state import ElementInstance, Wait
from regista.engine.timers import (
    TimerError,
    add_duration,
    as_duration,
    as_instant,
    parse_duration,
)
from regista.engine.variables import chain, propagate, receive, visible
from regista.engine.waits import message_name, message_of, subscribe
from regista.feel.values import DaysTimeDuration, YearsMonthsDuration, to_string
from regista.model.bpmn import (
    Activity,
    BusinessRuleTask,
    CallActivity,
    Expression,
    FlowNode,
    JobDefinition,
    ManualTask,
    ReceiveTask,
    ScriptTask,
    SendTask,
    ServiceTask,
    Task,
    UserTask,
)
from regista.model.dmn import DecisionTable

__all__ = [
    "ASYNC_CONTINUATION",
    "BEHAVIOURS",
    "async_job",
    "child_completed",
    "create_job",
    "publish",
]

DEFAULT_RETRIES = 3

#: A user task's priority when its model sets none (as Camunda 8).
DEFAULT_PRIORITY = 50

#: The job type of asynchronous continuations (`camunda:asyncBefore` / `asyncAfter`): the
#: shell completes these jobs itself (no worker), each in a transaction of its own.
ASYNC_CONTINUATION = "regista:async-continuation"


def async_job(run: Run, ei: ElementInstance, node: Any, when: str) -> None:
    """Stop `ei` at an asynchronous continuation ("before" it runs, "after" it ran) until
    the shell completes the continuation job; `CompleteJob` then goes on from there."""
    job_id = run.new_id()
    run.open_wait(
        ei.id,
        Wait(job_id, "job", ei.id, node.id, name=ASYNC_CONTINUATION, retries=DEFAULT_RETRIES),
    )
    mutable = run.state.mut(ei.id)
    mutable.wait = "async"
    mutable.data = {**(mutable.data or {}), "async": when}
    run.effects.append(
        CreateJob(job_id, node.id, ei.id, ASYNC_CONTINUATION, DEFAULT_RETRIES, {"async": when}, {})
    )


def create_job(
    run: Run,
    ei: ElementInstance,
    node: Any,
    job: JobDefinition | None = None,
    *,
    retries: int | None = None,
) -> None:
    """Create the job of `node` for its workers and wait for it, with the model's retries
    (or `retries`: those an operator gave the job that failed before it)."""
    job = job or node.job
    assert job is not None
    job_type = run.text(job.type, ei.id, "job type")
    if not job_type:
        raise Failure(
            f"{node.id} has an empty job type; set the task definition type "
            "(zeebe:taskDefinition or camunda:topic)"
        )
    given, retries = retries, DEFAULT_RETRIES
    if given is not None:
        retries = given
    elif job.retries is not None:
        value = run.evaluate(job.retries, ei.id)
        try:
            retries = int(str(value).strip())
        except ValueError:
            raise Failure(
                f"the job retries {job.retries.text!r} of {node.id} is not a number"
            ) from None
    job_id = run.new_id()
    run.open_wait(ei.id, Wait(job_id, "job", ei.id, node.id, name=job_type, retries=retries))
    run.state.mut(ei.id).wait = "job"
    run.effects.append(
        CreateJob(
            job_id,
            node.id,
            ei.id,
            job_type,
            retries,
            dict(node.headers),
            visible(run, ei.id),
        )
    )


def _pass(run: Run, ei: ElementInstance, node: Activity) -> None:
    run.complete(ei)


def _service(run: Run, ei: ElementInstance, node: ServiceTask) -> None:
    if node.job is None:
        if node.delegate is not None and node.delegate.value is not None:
            # A Camunda 7 value expression (`${true}`): its value is the task's result.
            value = run.evaluate(node.delegate.value, ei.id)
            if node.delegate.result_variable:
                receive(run, ei, node, {node.delegate.result_variable: value})
            run.complete(ei)
            return
        if node.delegate is not None:
            raise Failure(
                f"the service task {node.id} uses a Camunda 7 Java {node.delegate.kind}, which "
                'Regista cannot run; use an external task (camunda:type="external") instead'
            )
        raise Failure(f"the service task {node.id} has no job type; set zeebe:taskDefinition type")
    create_job(run, ei, node)


def _send(run: Run, ei: ElementInstance, node: SendTask) -> None:
    if node.job is not None:
        create_job(run, ei, node)
        return
    if node.message_ref is None:
        raise Failure(f"the send task {node.id} has neither a job type nor a message")
    publish(run, ei, node.message_ref, node.id)
    run.complete(ei)


def publish(run: Run, ei: ElementInstance, message_ref: str, element_id: str) -> None:
    """Publish the message `message_ref` with the element's local (input) variables."""
    message = message_of(run, message_ref, element_id)
    name = message_name(run, message, ei.id)
    key = run.text(message.correlation_key, ei.id, "correlation key")
    run.effects.append(PublishMessage(name, key, dict(ei.variables or {})))


def _receive(run: Run, ei: ElementInstance, node: ReceiveTask) -> None:
    data = run.state.mut(ei.id).data if ei.data and "trigger" in ei.data else None
    if data is not None:
        receive(run, ei, node, data.pop("trigger"))
        run.complete(ei)
        return
    if node.message_ref is None:
        # No message: a plain wait state until someone triggers it (`TriggerElement`).
        run.state.mut(ei.id).wait = "trigger"
        return
    subscribe(run, ei, "message", node.message_ref, node, ei.id)
    run.state.mut(ei.id).wait = "message"


def _user(run: Run, ei: ElementInstance, node: UserTask) -> None:
    assignee = run.text(node.assignee, ei.id, "assignee") if node.assignee else None
    task_id = run.new_id()
    run.open_wait(ei.id, Wait(task_id, "user_task", ei.id, node.id))
    run.state.mut(ei.id).wait = "user_task"
    run.effects.append(
        CreateUserTask(
            task_id,
            node.id,
            ei.id,
            node.name,
            assignee,
            _names(run, node.candidate_users, ei.id),
            _names(run, node.candidate_groups, ei.id),
            _date(run, node.due_date, ei.id),
            _date(run, node.follow_up_date, ei.id),
            node.form_key or node.form_id,
            visible(run, ei.id),
            _priority(run, node.priority, ei.id),
        )
    )


def _priority(run: Run, expr: Expression | None, ei_id: str) -> int:
    """The task's priority: an integer from 0 to 100 (Camunda 8's range), 50 when unset."""
    value = run.evaluate(expr, ei_id) if expr is not None else None
    if value is None:
        return DEFAULT_PRIORITY
    number = value if isinstance(value, int | Decimal) else None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        number = int(value.strip())
    if isinstance(value, bool) or number is None or number != int(number):
        raise Failure(f"the priority {expr.text if expr else ''!r} is not an integer: {value!r}")
    if not 0 <= number <= 100:
        raise Failure(f"the priority must be from 0 to 100, not {number}")
    return int(number)


def _names(run: Run, expr: Expression | None, ei_id: str) -> tuple[str, ...]:
    if expr is None:
        return ()
    value = run.evaluate(expr, ei_id)
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(to_string(v) for v in value if v is not None)
    return tuple(part.strip() for part in to_string(value).split(",") if part.strip())


def _date(run: Run, expr: Expression | None, ei_id: str) -> dt.datetime | None:
    if expr is None:
        return None
    value = run.evaluate(expr, ei_id)
    if value is None:
        return None
    try:
        if isinstance(value, DaysTimeDuration | YearsMonthsDuration):
            return add_duration(run.ctx.now, as_duration(value))
        if isinstance(value, str) and value.strip().upper().startswith(("P", "-P")):
            return add_duration(run.ctx.now, parse_duration(value))
        return as_instant(value)
    except TimerError as exc:
        raise Failure(f"the date {expr.text!r}: {exc}") from exc


def _script(run: Run, ei: ElementInstance, node: ScriptTask) -> None:
    if node.job is not None:
        create_job(run, ei, node)
        return
    language = node.script_format or ""
    if language != "feel":
        language = (language or run.ctx.expression_language).strip().lower()
        if language in ("py", "python3"):
            language = "python"
    try:
        result, assigned = run_script(node.script or "", language, chain(run, ei.id), run.ctx)
    except ExpressionError as exc:
        raise Failure(str(exc)) from exc
    if node.result_variable:
        assigned[node.result_variable] = result
    if node.outputs:
        receive(run, ei, node, assigned)
    else:
        for name, value in assigned.items():
            propagate(run, ei.id, name, value)
    run.complete(ei)


def _decision_error(exc: DmnError) -> str:
    """Camunda's incident type for a decision that failed: missing, or failing."""
    return (
        "CALLED_DECISION_ERROR" if isinstance(exc, UnknownDecision) else "DECISION_EVALUATION_ERROR"
    )


def _business_rule(run: Run, ei: ElementInstance, node: BusinessRuleTask) -> None:
    if node.job is not None:
        create_job(run, ei, node)
        return
    decision = run.text(node.decision_id, ei.id, "decision id")
    if not decision:
        raise Failure(
            f"the business rule task {node.id} names no decision", "CALLED_DECISION_ERROR"
        )
    models = run.ctx.decisions
    if models is None:
        raise Failure(
            f"the business rule task {node.id} needs the decision {decision!r}, but no DMN "
            "models are deployed with this process",
            "CALLED_DECISION_ERROR",
        )
    try:
        result = models.decide(decision, visible(run, ei.id), free_variables=True)
    except DmnError as exc:
        raise Failure(f"the decision {decision!r} failed: {exc}", _decision_error(exc)) from exc
    decisions = [d for model in models.models for d in model.decisions.values()]
    run.history(
        "decision_evaluated", node.id, ei.id, {"decisions": evaluated_decisions(result, decisions)}
    )
    value = result.value
    if node.map_decision_result:
        value = _map_result(value, node.map_decision_result, _outputs(models, decision), node.id)
    if node.result_variable:
        receive(run, ei, node, {node.result_variable: value})
    run.complete(ei)


def _outputs(models: Any, decision: str) -> tuple[str, bool]:
    """The name a single result value goes under in Camunda 7's result maps (the output
    column, else the decision's variable), and whether the decision is a table (whose
    list value holds one result per matched rule)."""
    for model in models.models:
        found = model.decision_names.get(decision) or model.decisions.get(decision)
        if found is not None:
            table = found.expression
            if isinstance(table, DecisionTable):
                column = table.outputs[0].name if len(table.outputs) == 1 else None
                return column or found.variable.name or found.name, True
            return found.variable.name or found.name, False
    return decision, False


def _map_result(value: Any, mapping: str, output: tuple[str, bool], element_id: str) -> Any:
    """Camunda 7 `mapDecisionResult`: the decision's value as its list of results (one map
    of output name -> value per matched rule), then `resultList` (that list),
    `singleResult` (its one map), `singleEntry` (the one value of that map) or
    `collectEntries` (the one value of each map)."""
    name, table = output
    if value is None:
        results: list[Any] = []
    elif table and isinstance(value, list):
        results = list(value)
    else:
        results = [value]
    results = [r if isinstance(r, dict) else {name: r} for r in results]
    if mapping == "resultList":
        return results
    if mapping == "collectEntries":
        return [_single_value(r, mapping, element_id) for r in results]
    if len(results) > 1:
        raise Failure(
            f"the decision of {element_id} gave {len(results)} results, but "
            f"mapDecisionResult {mapping!r} expects at most one; use 'resultList' or "
            "'collectEntries'"
        )
    if not results:
        return None
    if mapping == "singleResult":
        return results[0]
    if mapping == "singleEntry":
        return _single_value(results[0], mapping, element_id)
    raise Failure(
        f"{element_id} has mapDecisionResult {mapping!r}; use singleEntry, singleResult, "
        "collectEntries or resultList"
    )


def _single_value(result: dict[str, Any], mapping: str, element_id: str) -> Any:
    if len(result) != 1:
        raise Failure(
            f"a result of the decision of {element_id} has {len(result)} outputs, but "
            f"mapDecisionResult {mapping!r} expects one; use 'singleResult' or 'resultList'"
        )
    return next(iter(result.values()))


def _call(run: Run, ei: ElementInstance, node: CallActivity) -> None:
    process_id = run.text(node.called_element, ei.id, "called element")
    if not process_id:
        raise Failure(
            f"the call activity {node.id} names no process to call", "CALLED_ELEMENT_ERROR"
        )
    if node.propagate_all_parent_variables:
        variables = visible(run, ei.id)
    else:
        variables = dict(ei.variables or {})
    run.state.mut(ei.id).wait = "child"
    run.effects.append(StartChild(ei.id, process_id, variables, run.state.business_key))


def child_completed(run: Run, ei: ElementInstance, variables: Mapping[str, Any]) -> None:
    """The called instance completed: take its variables and complete the call activity."""
    node = run.elements[ei.element_id]
    assert isinstance(node, CallActivity)
    run.state.mut(ei.id).wait = None
    if node.outputs or node.propagate_all_child_variables:
        receive(run, ei, node, variables)
    run.complete(run.state.instances[ei.id])


BEHAVIOURS: dict[type[FlowNode], Behaviour] = dict(
    [
        behaviour(Task, _pass),
        behaviour(ManualTask, _pass),
        behaviour(ServiceTask, _service),
        behaviour(SendTask, _send),
        behaviour(ReceiveTask, _receive),
        behaviour(UserTask, _user),
        behaviour(ScriptTask, _script),
        behaviour(BusinessRuleTask, _business_rule),
        behaviour(CallActivity, _call),
    ]
)
