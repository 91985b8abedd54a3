"""Camunda Forms deployed beside the models: `.form` JSON files, as the Camunda Modeler
writes them, stored as definition versions under `form:<form id>`.

A user task names its form by `formKey` / `formId`; `deployed_form` reads the latest (or a
given) version of one, parsed, for whoever renders or validates it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from regista.model.bpmn import Problem
from regista.store import Definition, Transaction

__all__ = ["FORM_PREFIX", "DeployedForm", "deployed_form", "form_id_of", "looks_like_form"]

FORM_PREFIX = "form:"


@dataclass(frozen=True, slots=True)
class DeployedForm:
    """One deployed version of a form: its key (the definition id), id, version and the
    form's JSON schema."""

    key: str
    form_id: str
    version: int
    schema: dict[str, Any]
    resource_name: str | None


def looks_like_form(text: str) -> bool:
    """Whether a resource's text is JSON (a form) rather than XML."""
    return text.lstrip().startswith("{")


def form_id_of(text: str, file: str | None) -> str | Problem:
    """The id of a Camunda Form JSON text, or the problem that makes it none."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        return _problem(f"the form is not valid JSON: {exc}", file)
    if not isinstance(data, dict):
        return _problem("a form must be a JSON object", file)
    form_id = data.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        return _problem('the form has no "id" (a text naming the form)', file)
    if not isinstance(data.get("components", []), list):
        return _problem('the form\'s "components" must be a list', file)
    return form_id


def _problem(message: str, file: str | None) -> Problem:
    return Problem(severity="error", message=message, file=file)


def deployed_form(tx: Transaction, form_id: str, version: int | None = None) -> DeployedForm | None:
    """The latest version of the form `form_id` (or `version`); None when not deployed."""
    key = FORM_PREFIX + form_id
    row = tx.latest_definition(key) if version is None else tx.definition_version(key, version)
    return None if row is None else form_of(row)


def form_of(row: Definition) -> DeployedForm:
    """A stored form version, parsed."""
    schema = json.loads(row.source)
    return DeployedForm(
        key=row.id,
        form_id=row.process_id[len(FORM_PREFIX) :],
        version=row.version,
        schema=schema if isinstance(schema, dict) else {},
        resource_name=row.resource_name,
    )
