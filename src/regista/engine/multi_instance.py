"""Multi-instance activities and standard loops.

A multi-instance activity runs as a *body* element instance holding one *inner* instance
per item of the input collection (or per loop cardinality): all at once (parallel) or one
after another (sequential). Each inner instance has the input element and `loopCounter` as
local variables; the body has `nrOfInstances`, `nrOfActiveInstances` and
`nrOfCompletedInstances`. After each inner completion the output element is stored at its
index of the output collection and the completion condition is checked (it sees the
output collection so far); when it holds, the remaining inner instances are terminated.
The body's boundary events cover every instance.

A standard loop runs its activity again while the loop condition holds (tested before or
after each run, up to `loopMaximum` runs).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from regista.engine.boundaries import open_boundaries
from regista.engine.errors import Failure
from regista.engine.run import Run
from regista.engine.state import ElementInstance
from regista.engine.variables import propagate
from regista.feel.values import kind
from regista.model.bpmn import Activity, MultiInstance, StandardLoop

__all__ = ["activate_body", "inner_completed", "resume", "start_inner"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _counters(body: ElementInstance, n: int, active: int, completed: int) -> None:
    variables = body.variables
    if variables is None:
        variables = body.variables = {}
    variables["nrOfInstances"] = Decimal(n)
    variables["nrOfActiveInstances"] = Decimal(active)
    variables["nrOfCompletedInstances"] = Decimal(completed)


def activate_body(run: Run, body: ElementInstance, node: Activity) -> None:
    """Start the loop of `node` on its body element instance."""
    run.state.mut(body.id).role = "body"
    loop = node.loop
    body = run.state.mut(body.id)
    if body.children is None:
        body.children = {}
    if isinstance(loop, StandardLoop):
        body.data = {"loop": "standard", "count": 0}
        if node.boundary_events:
            open_boundaries(run, body, node)
        if loop.test_before and not _loop_condition(run, loop, body.id):
            _finish(run, body.id, node)
            return
        start_inner(run, body.id, node, 0)
        return
    assert isinstance(loop, MultiInstance)
    items: list[Any] | None = None
    if loop.input_collection is not None:
        value = run.evaluate(loop.input_collection, body.id)
        if not isinstance(value, list):
            raise Failure(
                f"the input collection {loop.input_collection.text!r} of {node.id} gave a "
                f"{kind(value)}, not a list"
            )
        items = value
        count = len(value)
    elif loop.loop_cardinality is not None:
        value = run.evaluate(loop.loop_cardinality, body.id)
        if not isinstance(value, Decimal) or value < 0 or value != value.to_integral_value():
            raise Failure(
                f"the loop cardinality {loop.loop_cardinality.text!r} of {node.id} gave "
                f"{value!r}, not a whole number"
            )
        count = int(value)
    else:
        raise Failure(
            f"the multi-instance activity {node.id} needs an input collection or a loop cardinality"
        )
    limit = run.ctx.max_multi_instance
    if count > limit:
        raise Failure(
            f"the multi-instance activity {node.id} would run {count} times, over the limit of "
            f"{limit} (max_multi_instance; raise it with REGISTA_MAX_MULTI_INSTANCE or "
            "`--max-multi-instance`, or split the collection)"
        )
    body = run.state.mut(body.id)
    body.data = {"loop": "multi", "n": count, "active": 0, "done": 0, "next": 0}
    if items is not None:
        body.data["items"] = items
    if loop.output_collection:
        body.data["outputs"] = [None] * count
    _counters(body, count, 0, 0)
    if node.boundary_events:
        open_boundaries(run, body, node)
    if count == 0:
        _finish(run, body.id, node)
        return
    if loop.is_sequential:
        start_inner(run, body.id, node, 0)
        return
    body_id, gen = body.id, body.gen
    instances = run.state.instances
    for index in range(count):
        current = instances.get(body_id)
        if current is None or current.gen != gen:
            break  # the completion condition ended the body while instances were starting
        start_inner(run, body_id, node, index)


def start_inner(run: Run, body_id: str, node: Activity, index: int) -> None:
    """Create the inner instance number `index` (from 0) of the body `body_id`."""
    body = run.state.mut(body_id)
    data = body.data
    assert data is not None
    local: dict[str, Any] = {"loopCounter": Decimal(index + 1)}
    loop = node.loop
    if isinstance(loop, MultiInstance):
        items = data.get("items")
        if loop.input_element and items is not None:
            local = {loop.input_element: items[index], **local}
        name = _output_variable(loop)
        if name is not None and name not in local:
            # As in Zeebe: a variable named by the output element starts as a local null,
            # so each instance writes its own copy instead of a shared one further up.
            local[name] = None
        data["active"] += 1
        data["next"] = index + 1
        _counters(body, data["n"], data["active"], data["done"])
    else:
        data["count"] = index + 1
    run.activate(body_id, node, None, role="inner", local=local)


def _output_variable(loop: MultiInstance) -> str | None:
    """The variable an output element such as `result` or `result.total` reads."""
    expr = loop.output_element
    if expr is None or expr.language != "feel":
        return None
    head = expr.text.strip().split(".", 1)[0]
    return head if _NAME.fullmatch(head) else None


def _loop_condition(run: Run, loop: StandardLoop, ei_id: str) -> bool:
    if loop.loop_condition is None:
        return False
    return run.condition(loop.loop_condition, ei_id)


def inner_completed(run: Run, inner: ElementInstance, node: Activity) -> None:
    """An inner instance finished: collect its output, then go on, stop, or complete."""
    body_id = inner.parent
    assert body_id is not None
    loop = node.loop
    try:
        if isinstance(loop, StandardLoop):
            _standard_next(run, inner, node, loop)
        else:
            assert isinstance(loop, MultiInstance)
            _multi_next(run, inner, node, loop)
    except Failure as failure:
        if inner.id in run.state.instances:
            kind_ = failure.error_type or "EXTRACT_VALUE_ERROR"
            run.incident(inner.id, str(failure), "complete", None, kind_)


def _done(run: Run, inner: ElementInstance, node: Activity) -> None:
    run.history(
        "element_completed",
        node.id,
        inner.id,
        {"type": run.info.type_names[node.id], "flows": []},
    )
    run.state.passed.append(node.id)
    run.remove(inner)


def _standard_next(run: Run, inner: ElementInstance, node: Activity, loop: StandardLoop) -> None:
    body_id = inner.parent
    assert body_id is not None
    again = _loop_condition(run, loop, inner.id)
    _done(run, inner, node)
    body = run.state.instances[body_id]
    count = int((body.data or {}).get("count", 0))
    if loop.loop_maximum is not None and count >= loop.loop_maximum:
        again = False
    if again:
        _later(run, body_id, count)
    else:
        _finish(run, body_id, node)


def _multi_next(run: Run, inner: ElementInstance, node: Activity, loop: MultiInstance) -> None:
    body_id = inner.parent
    assert body_id is not None
    counter = (inner.variables or {}).get("loopCounter")
    index = int(counter) - 1 if isinstance(counter, Decimal) else 0
    output: Any = None
    if loop.output_element is not None:
        output = run.evaluate(loop.output_element, inner.id)
    body = run.state.mut(body_id)
    data = body.data
    assert data is not None
    if "outputs" in data and 0 <= index < len(data["outputs"]):
        data["outputs"][index] = output
    data["active"] -= 1
    data["done"] += 1
    _counters(body, data["n"], data["active"], data["done"])
    stop = False
    if loop.completion_condition is not None:
        # As in Zeebe, the condition sees the output collection collected so far (null
        # where an instance has not completed yet).
        extra = None
        if loop.output_collection and "outputs" in data:
            extra = {loop.output_collection: data["outputs"]}
        stop = run.condition(loop.completion_condition, inner.id, extra)
    _done(run, inner, node)
    if stop:
        run.terminate_children(body_id)
        _finish(run, body_id, node)
    elif loop.is_sequential and data["next"] < data["n"]:
        _later(run, body_id, data["next"])
    elif data["done"] >= data["n"]:
        _finish(run, body_id, node)


def _later(run: Run, body_id: str, index: int) -> None:
    """Queue the next inner instance of a sequential loop (a long loop of instances that
    complete at once must not nest calls)."""
    gen = run.state.instances[body_id].gen
    run.queue.append(("inner", body_id, gen, index))


def resume(run: Run, body_id: str, gen: int, index: int) -> None:
    """Start the queued inner instance `index` if its body still runs."""
    body = run.state.instances.get(body_id)
    if body is None or body.gen != gen:
        return
    node = run.elements[body.element_id]
    assert isinstance(node, Activity)
    start_inner(run, body_id, node, index)


def _finish(run: Run, body_id: str, node: Activity) -> None:
    """Complete the body: publish the output collection and leave the activity."""
    body = run.state.instances[body_id]
    loop = node.loop
    if isinstance(loop, MultiInstance) and loop.output_collection:
        outputs = list((body.data or {}).get("outputs", []))
        propagate(run, body.parent or run.state.id, loop.output_collection, outputs)
    run.complete(run.state.instances[body_id])
