"""`POST /v2/deployments`: BPMN, DMN and Camunda Form files as `resources` parts of a
multipart request, as the Camunda Modeler and Camunda 8 clients send them.

Every file is parsed and validated before anything is stored: one problem refuses the
whole deployment with a 400 listing every problem (file, line, element id). The answer
lists what each file holds, as Camunda does: process definitions, decision requirements
and their decisions, forms.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel

from regista.api.v2.common import TENANT, Deployer, client_of
from regista.dmn import DmnError
from regista.dmn.parser import parse_bytes as parse_dmn_bytes
from regista.runtime.decisions import DECISION_PREFIX, decision_of
from regista.runtime.definitions import DMN_PREFIX, Deployed, Resource
from regista.runtime.forms import FORM_PREFIX
from regista.store import Definition

__all__ = ["router"]

router = APIRouter(prefix="/v2", tags=["Deployments"])


class DeploymentResult(BaseModel):
    deploymentKey: str
    tenantId: str = TENANT
    deployments: list[dict[str, dict[str, Any]]]


def _entry(deployed: Deployed, row: Definition | None) -> dict[str, dict[str, Any]]:
    name = deployed.process_id
    common = {"resourceName": deployed.resource_name, "tenantId": TENANT}
    if name.startswith(FORM_PREFIX):
        return {
            "form": {
                "formId": name[len(FORM_PREFIX) :],
                "version": deployed.version,
                "formKey": deployed.definition_id,
                **common,
            }
        }
    if name.startswith(DECISION_PREFIX) and row is not None:
        decision = decision_of(row)
        return {
            "decisionDefinition": {
                "decisionDefinitionId": decision.decision_id,
                "name": decision.name,
                "version": decision.version,
                "decisionDefinitionKey": decision.key,
                "decisionRequirementsId": decision.requirements_id,
                "decisionRequirementsKey": decision.requirements_key,
                **common,
            }
        }
    if name.startswith(DMN_PREFIX):
        drg_id, drg_name = name[len(DMN_PREFIX) :], ""
        if row is not None:
            try:
                model = parse_dmn_bytes(row.source.encode("utf-8"), file=row.resource_name)
                drg_id, drg_name = model.id or drg_id, model.name
            except DmnError:  # pragma: no cover - it was validated when deployed
                pass
        return {
            "decisionRequirements": {
                "decisionRequirementsId": drg_id,
                "decisionRequirementsName": drg_name,
                "version": deployed.version,
                "decisionRequirementsKey": deployed.definition_id,
                **common,
            }
        }
    return {
        "processDefinition": {
            "processDefinitionId": name,
            "processDefinitionVersion": deployed.version,
            "processDefinitionKey": deployed.definition_id,
            **common,
        }
    }


@router.post(
    "/deployments",
    response_model=DeploymentResult,
    summary="Deploy BPMN, DMN and form resources",
    responses={400: {"description": "A resource has problems; every problem is listed"}},
)
def deploy(
    request: Request,
    principal: Deployer,
    resources: Annotated[list[UploadFile], File(description="the files: .bpmn, .dmn, .form")],
    tenantId: Annotated[str | None, Form()] = None,
) -> DeploymentResult:
    client = client_of(request)
    uploads = [
        Resource(upload.filename or f"resource-{i + 1}", upload.file.read())
        for i, upload in enumerate(resources)
    ]
    deployed = client.shell.deploy(uploads, actor=principal.username)
    with client.store.transaction(write=False) as tx:
        rows = {d.definition_id: tx.get_definition(d.definition_id) for d in deployed}
    return DeploymentResult(
        deploymentKey=client.shell.ids(),
        deployments=[_entry(d, rows[d.definition_id]) for d in deployed],
    )
