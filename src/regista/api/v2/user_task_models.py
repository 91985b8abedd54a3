"""The bodies of the user task endpoints (Camunda 8.8's shape), and how a stored task is
shown. Unknown request fields are ignored."""

from __future__ import annotations

from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from regista.api.v2.common import iso
from regista.store import UserTask

__all__ = [
    "AssignmentRequest",
    "CompletionRequest",
    "PageInfo",
    "SearchPage",
    "SortField",
    "TaskContext",
    "UpdateRequest",
    "UserTaskResult",
    "UserTaskSearchRequest",
    "VariableResult",
    "VariableSearchRequest",
    "result_of",
]

#: Camunda 8's states of a user task, by the store's status.
STATES = {"open": "CREATED", "completed": "COMPLETED", "cancelled": "CANCELED"}


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SortField(Body):
    field: str
    order: Literal["ASC", "DESC", "asc", "desc"] = "ASC"


class SearchPage(Body):
    from_: int | None = Field(default=None, alias="from", ge=0)
    limit: int = Field(default=100, ge=1, le=10_000)
    after: str | None = None
    before: str | None = None


class UserTaskSearchRequest(Body):
    """`filter` values are plain values or `{"$eq": value}`."""

    filter: dict[str, Any] = Field(default_factory=dict)
    sort: list[SortField] = Field(default_factory=list)
    page: SearchPage = Field(default_factory=SearchPage)


class PageInfo(BaseModel):
    totalItems: int
    startCursor: str | None = None
    endCursor: str | None = None
    hasMoreTotalItems: bool = False


class UserTaskResult(BaseModel):
    userTaskKey: str
    name: str | None = None
    state: str
    elementId: str
    elementInstanceKey: str
    processInstanceKey: str
    processDefinitionId: str | None = None
    processDefinitionKey: str | None = None
    processDefinitionVersion: int | None = None
    assignee: str | None = None
    candidateUsers: list[str]
    candidateGroups: list[str]
    dueDate: str | None = None
    followUpDate: str | None = None
    creationDate: str
    completionDate: str | None = None
    priority: int
    formKey: str | None = None
    externalFormReference: str | None = None
    customHeaders: dict[str, str] = Field(default_factory=dict)
    tenantId: str = "<default>"
    # present though empty when unknown: the Camunda 8 SDKs require them
    processName: str | None = None
    rootProcessInstanceKey: str | None = None
    businessId: str | None = None
    tags: list[str] = Field(default_factory=list)
    completedBy: str | None = Field(default=None, description="Regista: who completed it")


class UserTaskSearchResult(BaseModel):
    items: list[UserTaskResult]
    page: PageInfo


class AssignmentRequest(Body):
    assignee: str = Field(min_length=1)
    allowOverride: bool | None = None
    action: str | None = None


class CompletionRequest(Body):
    variables: dict[str, Any] | None = None
    action: str | None = None


class Changeset(Body):
    """Null or missing keeps a value; "" clears a date; [] clears the candidates."""

    dueDate: str | None = None
    followUpDate: str | None = None
    candidateUsers: list[str] | None = None
    candidateGroups: list[str] | None = None
    priority: int | None = Field(default=None, ge=0, le=100)


class UpdateRequest(Body):
    changeset: Changeset | None = None
    action: str | None = None


class VariableSearchRequest(Body):
    filter: dict[str, Any] = Field(default_factory=dict)
    page: SearchPage = Field(default_factory=SearchPage)


class VariableResult(BaseModel):
    name: str
    value: str
    isTruncated: bool = False
    variableKey: str
    scopeKey: str
    processInstanceKey: str
    tenantId: str = "<default>"


class VariableSearchResult(BaseModel):
    items: list[VariableResult]
    page: PageInfo


class FormResult(BaseModel):
    formKey: str | None = None
    formId: str
    schema_: dict[str, Any] = Field(alias="schema", serialization_alias="schema")
    version: int | None = None
    tenantId: str = "<default>"


class TaskContext(NamedTuple):
    """What a task shows of its instance: the process id, definition key and version, the
    process's name, the root instance of its call hierarchy and the business key."""

    process_id: str
    definition_key: str
    version: int
    process_name: str | None = None
    root_key: str | None = None
    business_id: str | None = None


def result_of(task: UserTask, context: TaskContext | None = None) -> UserTaskResult:
    """How the API shows `task` (with what `context` tells of its instance)."""
    process_id, key, version = context[:3] if context else (None, None, None)
    external = task.form_key if task.form_key and "://" in task.form_key else None
    return UserTaskResult(
        userTaskKey=task.id,
        name=task.name,
        state=STATES.get(task.status, task.status.upper()),
        elementId=task.element_id,
        elementInstanceKey=task.element_instance_id,
        processInstanceKey=task.instance_id,
        processDefinitionId=process_id,
        processDefinitionKey=key,
        processDefinitionVersion=version,
        assignee=task.assignee,
        candidateUsers=list(task.candidate_users),
        candidateGroups=list(task.candidate_groups),
        dueDate=iso(task.due_at),
        followUpDate=iso(task.follow_up_at),
        creationDate=iso(task.created_at) or "",
        completionDate=iso(task.completed_at),
        priority=task.priority,
        formKey=task.form_key,
        externalFormReference=external,
        processName=context.process_name if context else None,
        rootProcessInstanceKey=context.root_key if context else None,
        businessId=context.business_id if context else None,
        completedBy=task.completed_by,
    )
