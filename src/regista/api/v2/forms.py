"""`GET /v2/forms/{formKey}`: a deployed Camunda Form by its key, as Camunda 8.8's
Orchestration Cluster REST API has it (the key a deployment's `form` metadata, a user
task's or a start form's `formKey` names). Tasklist users read it to render a task."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from regista.api.context import Principal, require
from regista.api.v2.common import client_of, no_such
from regista.api.v2.user_task_models import FormResult
from regista.runtime.forms import FORM_PREFIX, form_of

__all__ = ["router"]

router = APIRouter(prefix="/v2/forms", tags=["Form"])

FormReader = Annotated[Principal, Depends(require("user", "operator", "modeler"))]


@router.get(
    "/{formKey}",
    response_model=FormResult,
    response_model_by_alias=True,
    summary="Get a deployed form by its key",
)
def get(request: Request, formKey: str, principal: FormReader) -> Any:
    with client_of(request).store.transaction(write=False) as tx:
        row = tx.get_definition(formKey)
    if row is None or not row.process_id.startswith(FORM_PREFIX):
        raise no_such("form", formKey)
    found = form_of(row)
    return FormResult(
        formKey=found.key, formId=found.form_id, schema=found.schema, version=found.version
    )
