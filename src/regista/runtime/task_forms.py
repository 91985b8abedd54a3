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
from regista.model.bpmn import UserTask as UserTaskNode
from regista.runtime.definitions import Model
from regista.runtime.forms import deployed_form
from regista.store import Transaction, UserTask

__all__ = ["EMBEDDED_PREFIX", "TaskForm", "task_form"]

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
    if node.form_id:
        deployed = deployed_form(tx, node.form_id)
        if deployed is None:
            return None
        return TaskForm("linked", node.form_id, deployed.schema, deployed.key, deployed.version)
    key = node.form_key or ""
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
