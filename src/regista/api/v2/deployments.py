"""`POST /v2/deployments`: BPMN, DMN and Camunda Form files as `resources` parts of a
multipart request, as the Camunda Modeler and Camunda 8 clients send them.

Every file is parsed and validated before anything is stored: one problem refuses the
whole deployment with a 400 listing every problem (file, line, element id). The answer
lists what each file holds, as Camunda does: process definitions, decision requirements
and their decisions, forms.

`trusted` (a form field, Regista's addition) records the processes as trusted: their Python
scripts and expressions run, with restricted builtins, or every builtin with `fullBuiltins`.
Only an administrator may deploy trusted (403 otherwise); the answer says each process's
trust.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel

from regista.api.problems import ApiError
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
            "trust": deployed.trust,
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
    trusted: Annotated[
        bool,
        Form(
            description="Regista: deploy the processes as trusted, so their Python scripts and "
            "expressions run (restricted builtins). Administrators only."
        ),
    ] = False,
    fullBuiltins: Annotated[
        bool,
        Form(description="Regista: with trusted, give their Python every builtin."),
    ] = False,
) -> DeploymentResult:
    client = client_of(request)
    if (trusted or fullBuiltins) and "admin" not in principal.roles:
        raise ApiError(
            403,
            "only an administrator may deploy trusted models (their Python runs on the server); "
            "deploy without trusted, or ask an administrator",
        )
    if fullBuiltins and not trusted:
        raise ApiError(400, "fullBuiltins needs trusted=true")
    trust = ("full" if fullBuiltins else "trusted") if trusted else "untrusted"
    uploads = [
        Resource(upload.filename or f"resource-{i + 1}", upload.file.read())
        for i, upload in enumerate(resources)
    ]
    deployed = client.shell.deploy(
        uploads, actor=principal.username, trust=trust, authorized=trusted
    )
    with client.store.transaction(write=False) as tx:
        rows = {d.definition_id: tx.get_definition(d.definition_id) for d in deployed}
    return DeploymentResult(
        deploymentKey=deployed[0].deployment_id or client.shell.ids(),
        deployments=[_entry(d, rows[d.definition_id]) for d in deployed],
    )
