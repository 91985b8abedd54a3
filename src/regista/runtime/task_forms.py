"""The form of a user task, found from its model: a linked form (Camunda 8 `formId`,
Camunda 7 `formRef`) deployed as `form:<form id>` (`runtime/forms.py`), or an embedded form
(`formKey` "camunda-forms:bpmn:<id>" naming a `zeebe:userTaskForm` of the process). Either
may hold a Camunda Form or a JSON Schema (`regista.forms`). Other form keys (an external
reference, a Camunda 7 embedded HTML form) name no form Regista can read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from regista.forms import FormError
from regista.model.bpmn import StartEvent
from regista.model.bpmn import UserTask as UserTaskNode
from regista.runtime.definitions import Model
from regista.runtime.forms import deployed_form
from regista.store import Transaction, UserTask

__all__ = ["EMBEDDED_PREFIX", "TaskForm", "start_form", "start_form_named", "task_form"]

EMBEDDED_PREFIX = "camunda-forms:bpmn:"


@dataclass(frozen=True, slots=True)
class TaskForm:
    """A task's form: linked (deployed, with its definition `key` and `version`) or
    embedded in the process model; `schema` is the parsed form."""

    kind: Literal["linked", "embedded"]
    form_id: str
    schema: dict[str, Any]
    key: str | None = None
    version: int | None = None


def node_of(model: Model, task: UserTask) -> UserTaskNode | None:
    """The user task element of `task` in `model`."""
    process = model.definitions.processes.get(model.process_id)
    node = process.elements.get(task.element_id) if process is not None else None
    return node if isinstance(node, UserTaskNode) else None


def task_form(tx: Transaction, model: Model, task: UserTask) -> TaskForm | None:
    """The form `task` refers to; None when it names none (or none Regista can read, or a
    linked form that is not deployed)."""
    node = node_of(model, task)
    if node is None:
        return None
    return _form(tx, model, node.form_id, node.form_key)


def _start_event(model: Model) -> StartEvent | None:
    """The process's (top-level) start event that names a form, if any."""
    process = model.definitions.processes.get(model.process_id)
    if process is None:
        return None
    for element in process.elements.values():
        if isinstance(element, StartEvent) and (element.form_id or element.form_key):
            return element
    return None


def start_form_named(model: Model) -> bool:
    """Whether the process's start event names a form (`hasStartForm`)."""
    return _start_event(model) is not None


def start_form(tx: Transaction, model: Model) -> TaskForm | None:
    """The form of the process's start event, as `task_form` finds a task's."""
    event = _start_event(model)
    return None if event is None else _form(tx, model, event.form_id, event.form_key)


def _form(
    tx: Transaction, model: Model, form_id: str | None, form_key: str | None
) -> TaskForm | None:
    if form_id:
        deployed = deployed_form(tx, form_id)
        if deployed is None:
            return None
        return TaskForm("linked", form_id, deployed.schema, deployed.key, deployed.version)
    key = form_key or ""
    if key.startswith(EMBEDDED_PREFIX):
        form_id = key[len(EMBEDDED_PREFIX) :]
        process = model.definitions.processes[model.process_id]
        text = process.forms.get(form_id)
        if text is None:
            raise FormError(f"the process has no embedded form {form_id!r} (from {key!r})")
        return TaskForm("embedded", form_id, _parsed(text))
    return None


def _parsed(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FormError(f"the form is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise FormError("the form is not a JSON object")
    return data
