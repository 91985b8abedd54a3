"""The inputs of a decision's evaluation form, found in its DMN model: the input data the
decision and the decisions it requires read, and the plain names or paths their decision
tables test (`season`, `applicant.age`), each typed by its `typeRef`. What a decision computes
for another (a required decision's result) is not asked for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from regista.model import dmn as m

__all__ = ["DecisionInput", "decision_inputs"]

#: A FEEL name or path an input expression may be, and a form field can give.
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_NUMBERS = {"number", "integer", "long", "double", "int", "float", "decimal"}


@dataclass(frozen=True, slots=True)
class DecisionInput:
    """One field of the form: the variable (a dotted path sets a nested value), its label,
    its DMN type and the kind of control that takes it."""

    name: str
    label: str
    type_ref: str
    control: str  # number, boolean, date, text


def _control(type_ref: str | None) -> str:
    kind = (type_ref or "").strip().lower().removeprefix("feel:")
    if kind in _NUMBERS:
        return "number"
    if kind == "boolean":
        return "boolean"
    if kind == "date":
        return "date"
    return "text"


def _required(model: m.Definitions, decision_id: str) -> list[m.Decision]:
    """The decision and every decision it requires (of the same model), each once."""
    by_id = {d.id: d for d in model.decisions}
    order: list[m.Decision] = []
    seen: set[str] = set()
    waiting = [decision_id]
    while waiting:
        found = by_id.get(waiting.pop())
        if found is None or found.id in seen:
            continue
        seen.add(found.id)
        order.append(found)
        waiting.extend(h.element_id for h in found.required_decisions if not h.namespace)
    return order


def decision_inputs(model: m.Definitions, decision_id: str) -> list[DecisionInput]:
    """The fields of the evaluation form of `decision_id` in `model` (none when it is not
    there: the JSON editor still takes any variables)."""
    decisions = _required(model, decision_id)
    computed: set[str] = set()
    for required in decisions[1:]:
        # a required decision's result is read by its id (Camunda 8), its variable or
        # name (DMN), or its table's output names (Camunda 7)
        computed |= {required.id, required.name, required.variable.name}
        if isinstance(required.expression, m.DecisionTable):
            computed |= {o.name for o in required.expression.outputs if o.name}
    data = {i.id: i for i in model.input_data}
    fields: dict[str, DecisionInput] = {}
    for decision in decisions:
        for href in decision.required_inputs:
            item = data.get(href.element_id)
            if item is None or href.namespace:
                continue
            name = item.variable.name or item.name
            if name not in fields:
                type_ref = item.variable.type_ref or ""
                fields[name] = DecisionInput(name, item.name, type_ref, _control(type_ref))
    for decision in decisions:
        table = decision.expression
        if not isinstance(table, m.DecisionTable):
            continue
        for clause in table.inputs:
            text = clause.expression.text.strip()
            if not _PATH.fullmatch(text):
                continue
            root = text.split(".", 1)[0]
            if text in fields or root in fields or root in computed:
                continue
            type_ref = clause.expression.type_ref or ""
            fields[text] = DecisionInput(text, clause.label or text, type_ref, _control(type_ref))
    return list(fields.values())
