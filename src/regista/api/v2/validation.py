"""`POST /v2/resources/validation` (a Regista addition): every problem of BPMN, DMN and
Camunda Form files, checked exactly as `POST /v2/deployments` checks them, without
deploying anything. The modeler in the browser calls it to show the problems on the
diagram before a deployment is tried.

The files come as `resources` parts of a multipart request, as a deployment's do. A model
with problems is a valid request: the answer is 200 with the problems (errors and
warnings), each naming its resource, element, line and severity. A file that is neither
XML nor a form's JSON (or not UTF-8 text) is a bad request (400 naming it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, Field

from regista.api.problems import ApiError
from regista.api.v2.common import Deployer, client_of
from regista.model.bpmn import Problem
from regista.runtime.forms import form_id_of, looks_like_form
from regista.runtime.sources import DeploymentError, read_sources

__all__ = ["ValidationProblem", "ValidationResult", "problems_of", "router"]

router = APIRouter(prefix="/v2", tags=["Deployments"])

_FORM_SUFFIX = ".form"
_XML_SUFFIXES = (".bpmn", ".dmn", ".xml")


class ValidationProblem(BaseModel):
    """One problem of a resource: where it is and what to change."""

    resource: str = Field(description="the file name of the resource (its part's filename)")
    elementId: str | None = Field(None, description="the id of the element it concerns")
    line: int | None = Field(None, description="the line of the file, counted from 1")
    severity: str = Field(description="`error` (refuses a deployment) or `warning`")
    message: str


class ValidationResult(BaseModel):
    problems: list[ValidationProblem]


def _refuse(index: int, name: str, reason: str) -> ApiError:
    return ApiError(
        400,
        f"resource {name!r}: {reason}",
        extra={"invalidParams": [{"name": f"resources[{index}]", "reason": reason}]},
    )


def _problem(resource: str, found: Problem) -> ValidationProblem:
    return ValidationProblem(
        resource=resource,
        elementId=found.element_id,
        line=found.line,
        severity=found.severity,
        message=found.message,
    )


def problems_of(
    index: int, name: str, content: bytes, expression_language: str
) -> list[ValidationProblem]:
    """Every problem of the resource `name` (the `index`th of the request), as a deployment
    would find them; an `ApiError` (400) when it is not a model at all."""
    try:
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise _refuse(
            index, name, "the file is not UTF-8 text; send .bpmn, .dmn or .form files"
        ) from None
    suffix = Path(name).suffix.lower()
    if suffix == _FORM_SUFFIX or (suffix not in _XML_SUFFIXES and looks_like_form(text)):
        found = form_id_of(text, name)
        return [_problem(name, found)] if isinstance(found, Problem) else []
    if not text.lstrip().startswith("<"):
        raise _refuse(
            index,
            name,
            "not a BPMN or DMN model (XML) nor a Camunda Form (JSON); "
            "send the XML of the diagram or the form's JSON",
        )
    try:
        _bpmn, _dmn, warnings = read_sources([text.encode("utf-8")], expression_language)
    except DeploymentError as exc:
        return [_problem(name, p) for p in exc.problems]
    return [_problem(name, p) for p in warnings]


@router.post(
    "/resources/validation",
    response_model=ValidationResult,
    summary="Validate BPMN, DMN and form resources (Regista)",
    description="Regista's addition: the problems a deployment of these `resources` would "
    "meet, errors and warnings, each with its resource, element id and line; nothing is "
    "deployed. Roles modeler or admin.",
    responses={400: {"description": "A resource is neither XML nor a form's JSON"}},
)
def validate_resources(
    request: Request,
    principal: Deployer,
    resources: Annotated[
        list[UploadFile], File(description="the files to check: .bpmn, .dmn, .form")
    ],
) -> ValidationResult:
    language = client_of(request).shell.options.expression_language
    problems: list[ValidationProblem] = []
    for index, upload in enumerate(resources):
        name = upload.filename or f"resource-{index + 1}"
        problems.extend(problems_of(index, name, upload.file.read(), language))
    return ValidationResult(problems=problems)
