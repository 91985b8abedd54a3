"""The permission matrix: every endpoint of the application against every role and against
no credentials at all, over real HTTP.

`NEEDS` below is the one place that says who may call what: each method and path of the
application with the roles that may call it (an administrator may call everything), or
`ANYONE_SIGNED_IN`. The endpoints are found by walking `app.routes`, so an endpoint added
later fails here until it is declared: an endpoint with no role requirement (other than the
public ones in `PUBLIC`) fails, and so does one whose requirement differs from its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

from regista.api.context import ROLES, Requirement, caller

from .identitykit import Served, basic, identity_app

ANYONE_SIGNED_IN: tuple[str, ...] = ("*",)
"""Any authenticated caller, whatever their roles."""

PUBLIC = {
    "/health",
    "/ready",
    "/v2/topology",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/inbound/{context:path}",
    "/oauth/token",
}
"""Paths that need no credentials (orchestrators, the Modeler's connection check, the docs;
inbound webhooks, which third parties call and which check the signature, credentials or
API key their model declares; the OAuth token endpoint, which checks the client credentials
it is sent)."""

ADMIN_ONLY: tuple[str, ...] = ("admin",)
MODELER: tuple[str, ...] = ("modeler",)
OPERATOR: tuple[str, ...] = ("operator",)
READER: tuple[str, ...] = ("operator", "modeler")
MESSENGER: tuple[str, ...] = ("operator", "worker")
TASKLIST: tuple[str, ...] = ("user", "operator")
FORMS: tuple[str, ...] = ("user", "operator", "modeler")
WORKER: tuple[str, ...] = ("operator", "worker")

NEEDS: dict[tuple[str, str], tuple[str, ...]] = {
    # Prometheus metrics (public only with --metrics-public: tests/unit/api/test_metrics.py)
    ("GET", "/metrics"): OPERATOR,
    # cluster
    ("GET", "/v2/status"): ANYONE_SIGNED_IN,
    ("GET", "/v2/authentication/me"): ANYONE_SIGNED_IN,
    # users
    ("POST", "/v2/users"): ADMIN_ONLY,
    ("POST", "/v2/users/search"): ADMIN_ONLY,
    ("GET", "/v2/users/{username}"): ADMIN_ONLY,
    ("PUT", "/v2/users/{username}"): ADMIN_ONLY,
    ("DELETE", "/v2/users/{username}"): ADMIN_ONLY,
    # groups
    ("POST", "/v2/groups"): ADMIN_ONLY,
    ("POST", "/v2/groups/search"): ADMIN_ONLY,
    ("GET", "/v2/groups/{groupId}"): ADMIN_ONLY,
    ("PUT", "/v2/groups/{groupId}"): ADMIN_ONLY,
    ("DELETE", "/v2/groups/{groupId}"): ADMIN_ONLY,
    ("PUT", "/v2/groups/{groupId}/users/{username}"): ADMIN_ONLY,
    ("DELETE", "/v2/groups/{groupId}/users/{username}"): ADMIN_ONLY,
    ("POST", "/v2/groups/{groupId}/users/search"): ADMIN_ONLY,
    # roles
    ("POST", "/v2/roles/search"): ADMIN_ONLY,
    ("GET", "/v2/roles/{roleId}"): ADMIN_ONLY,
    ("PUT", "/v2/roles/{roleId}/users/{username}"): ADMIN_ONLY,
    ("DELETE", "/v2/roles/{roleId}/users/{username}"): ADMIN_ONLY,
    ("PUT", "/v2/roles/{roleId}/groups/{groupId}"): ADMIN_ONLY,
    ("DELETE", "/v2/roles/{roleId}/groups/{groupId}"): ADMIN_ONLY,
    ("POST", "/v2/roles/{roleId}/users/search"): ADMIN_ONLY,
    ("POST", "/v2/roles/{roleId}/groups/search"): ADMIN_ONLY,
    # API keys
    ("POST", "/v2/api-keys"): ADMIN_ONLY,
    ("POST", "/v2/api-keys/search"): ADMIN_ONLY,
    ("DELETE", "/v2/api-keys/{apiKeyId}"): ADMIN_ONLY,
    # deployments and definitions
    ("POST", "/v2/deployments"): MODELER,
    ("POST", "/v2/resources/validation"): MODELER,
    ("POST", "/v2/process-definitions/search"): READER,
    ("GET", "/v2/process-definitions/{processDefinitionKey}"): READER,
    ("GET", "/v2/process-definitions/{processDefinitionKey}/xml"): READER,
    ("GET", "/v2/process-definitions/{processDefinitionKey}/form"): READER,
    ("POST", "/v2/process-definitions/statistics/process-instances"): READER,
    ("POST", "/v2/process-definitions/statistics/process-instances-by-version"): READER,
    ("POST", "/v2/process-definitions/{processDefinitionKey}/statistics/element-instances"): (
        READER
    ),
    ("GET", "/v2/process-instances/{processInstanceKey}/statistics/element-instances"): READER,
    ("GET", "/v2/forms/{formKey}"): FORMS,
    ("POST", "/v2/decision-definitions/search"): READER,
    ("GET", "/v2/decision-definitions/{decisionDefinitionKey}"): READER,
    ("GET", "/v2/decision-definitions/{decisionDefinitionKey}/xml"): READER,
    ("POST", "/v2/decision-definitions/evaluation"): READER,
    ("POST", "/v2/decision-requirements/search"): READER,
    ("GET", "/v2/decision-requirements/{decisionRequirementsKey}"): READER,
    ("GET", "/v2/decision-requirements/{decisionRequirementsKey}/xml"): READER,
    # process instances, their history, incidents
    ("POST", "/v2/process-instances"): OPERATOR,
    ("POST", "/v2/process-instances/search"): READER,
    ("GET", "/v2/process-instances/{processInstanceKey}"): READER,
    ("POST", "/v2/process-instances/{processInstanceKey}/cancellation"): OPERATOR,
    ("POST", "/v2/process-instances/{processInstanceKey}/modification"): OPERATOR,
    ("POST", "/v2/process-instances/{processInstanceKey}/migration"): OPERATOR,
    ("GET", "/v2/process-instances/{processInstanceKey}/audit"): READER,
    ("POST", "/v2/process-instances/{processInstanceKey}/audit/verification"): READER,
    ("POST", "/v2/element-instances/search"): READER,
    ("GET", "/v2/element-instances/{elementInstanceKey}"): READER,
    ("PUT", "/v2/element-instances/{elementInstanceKey}/variables"): OPERATOR,
    ("POST", "/v2/variables/search"): READER,
    ("GET", "/v2/variables/{variableKey}"): READER,
    ("POST", "/v2/decision-instances/search"): READER,
    ("GET", "/v2/decision-instances/{decisionEvaluationInstanceKey}"): READER,
    ("POST", "/v2/incidents/search"): READER,
    ("GET", "/v2/incidents/{incidentKey}"): READER,
    ("POST", "/v2/incidents/{incidentKey}/resolution"): OPERATOR,
    # SLA monitoring and alerts (Regista's additions)
    ("GET", "/v2/process-definitions/{processDefinitionKey}/sla"): READER,
    ("PUT", "/v2/process-definitions/{processDefinitionKey}/sla"): MODELER,
    ("GET", "/v2/sla-breaches"): READER,
    ("POST", "/v2/sla-breaches/search"): READER,
    ("GET", "/v2/sla/at-risk"): READER,
    ("POST", "/v2/alert-subscriptions"): ADMIN_ONLY,
    ("GET", "/v2/alert-subscriptions"): ADMIN_ONLY,
    ("DELETE", "/v2/alert-subscriptions/{alertSubscriptionKey}"): ADMIN_ONLY,
    ("GET", "/v2/alert-deliveries"): ADMIN_ONLY,
    # messages and signals
    ("POST", "/v2/messages/publication"): MESSENGER,
    ("POST", "/v2/messages/correlation"): MESSENGER,
    ("POST", "/v2/signals/broadcast"): MESSENGER,
    # user tasks: the tasklist (which tasks a user sees and works: api/tasklist.py)
    ("POST", "/v2/user-tasks/search"): TASKLIST,
    ("GET", "/v2/user-tasks/{userTaskKey}"): TASKLIST,
    ("GET", "/v2/user-tasks/{userTaskKey}/form"): TASKLIST,
    ("POST", "/v2/user-tasks/{userTaskKey}/assignment"): TASKLIST,
    ("DELETE", "/v2/user-tasks/{userTaskKey}/assignee"): TASKLIST,
    ("POST", "/v2/user-tasks/{userTaskKey}/completion"): TASKLIST,
    ("PATCH", "/v2/user-tasks/{userTaskKey}"): OPERATOR,
    ("POST", "/v2/user-tasks/{userTaskKey}/variables/search"): TASKLIST,
    # process intelligence
    ("GET", "/v2/insight/elements"): OPERATOR,
    ("GET", "/v2/insight/bottlenecks"): OPERATOR,
    ("GET", "/v2/insight/throughput"): OPERATOR,
    ("GET", "/v2/insight/durations"): OPERATOR,
    ("GET", "/v2/insight/variants"): OPERATOR,
    ("GET", "/v2/insight/dfg"): OPERATOR,
    ("GET", "/v2/insight/deviations"): OPERATOR,
    ("GET", "/v2/insight/incidents"): OPERATOR,
    ("GET", "/v2/insight/errors"): OPERATOR,
    ("GET", "/v2/insight/sla"): OPERATOR,
    ("GET", "/v2/insight/compare"): OPERATOR,
    ("GET", "/v2/insight/stuck"): OPERATOR,
    # jobs of external workers
    ("POST", "/v2/jobs/activation"): WORKER,
    ("POST", "/v2/jobs/{jobKey}/completion"): WORKER,
    ("POST", "/v2/jobs/{jobKey}/failure"): WORKER,
    ("POST", "/v2/jobs/{jobKey}/error"): WORKER,
    ("PATCH", "/v2/jobs/{jobKey}"): WORKER,
    ("POST", "/v2/jobs/search"): WORKER,
}

ENGINE_REST: dict[tuple[str, str], tuple[str, ...]] = {
    # Camunda 7's REST API (api/engine_rest), the same roles as the /v2 twin of each
    ("GET", "/engine-rest/version"): ANYONE_SIGNED_IN,
    ("GET", "/engine-rest/engine"): ANYONE_SIGNED_IN,
    # external tasks, as /v2/jobs
    ("POST", "/engine-rest/external-task/fetchAndLock"): WORKER,
    ("POST", "/engine-rest/external-task/{id}/complete"): WORKER,
    ("POST", "/engine-rest/external-task/{id}/failure"): WORKER,
    ("POST", "/engine-rest/external-task/{id}/bpmnError"): WORKER,
    ("POST", "/engine-rest/external-task/{id}/extendLock"): WORKER,
    ("POST", "/engine-rest/external-task/{id}/unlock"): WORKER,
    ("PUT", "/engine-rest/external-task/{id}/retries"): WORKER,
    ("GET", "/engine-rest/external-task"): WORKER,
    ("POST", "/engine-rest/external-task"): WORKER,
    ("GET", "/engine-rest/external-task/count"): WORKER,
    ("GET", "/engine-rest/external-task/topic-names"): WORKER,
    ("POST", "/engine-rest/external-task/count"): WORKER,
    ("GET", "/engine-rest/external-task/{id}"): WORKER,
    ("GET", "/engine-rest/external-task/{id}/errorDetails"): WORKER,
    # tasks, as /v2/user-tasks
    ("GET", "/engine-rest/task"): TASKLIST,
    ("POST", "/engine-rest/task"): TASKLIST,
    ("GET", "/engine-rest/task/count"): TASKLIST,
    ("POST", "/engine-rest/task/count"): TASKLIST,
    ("GET", "/engine-rest/task/{id}"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/claim"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/unclaim"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/assignee"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/delegate"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/complete"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/submit-form"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/form"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/identity-links"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/deployed-form"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/form-variables"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/variables"): TASKLIST,
    ("POST", "/engine-rest/task/{id}/variables"): TASKLIST,
    ("GET", "/engine-rest/task/{id}/variables/{name}"): TASKLIST,
    ("PUT", "/engine-rest/task/{id}/variables/{name}"): TASKLIST,
    # deployments and definitions (rest7core)
    ("POST", "/engine-rest/deployment/create"): MODELER,
    ("GET", "/engine-rest/deployment"): READER,
    ("GET", "/engine-rest/deployment/count"): READER,
    ("GET", "/engine-rest/deployment/{id}"): READER,
    ("GET", "/engine-rest/deployment/{id}/resources"): READER,
    ("GET", "/engine-rest/deployment/{id}/resources/{resourceId}/data"): READER,
    ("GET", "/engine-rest/process-definition"): READER,
    ("GET", "/engine-rest/process-definition/count"): READER,
    ("GET", "/engine-rest/process-definition/key/{key}"): READER,
    ("GET", "/engine-rest/process-definition/key/{key}/xml"): READER,
    ("GET", "/engine-rest/process-definition/{id}"): READER,
    ("GET", "/engine-rest/process-definition/{id}/xml"): READER,
    ("GET", "/engine-rest/process-definition/key/{key}/startForm"): READER,
    ("GET", "/engine-rest/process-definition/{id}/startForm"): READER,
    ("POST", "/engine-rest/process-definition/key/{key}/start"): OPERATOR,
    ("POST", "/engine-rest/process-definition/{id}/start"): OPERATOR,
    ("GET", "/engine-rest/decision-definition"): READER,
    ("GET", "/engine-rest/decision-definition/count"): READER,
    ("GET", "/engine-rest/decision-definition/key/{key}"): READER,
    ("GET", "/engine-rest/decision-definition/key/{key}/xml"): READER,
    ("GET", "/engine-rest/decision-definition/{id}"): READER,
    ("GET", "/engine-rest/decision-definition/{id}/xml"): READER,
    ("POST", "/engine-rest/decision-definition/key/{key}/evaluate"): READER,
    ("POST", "/engine-rest/decision-definition/{id}/evaluate"): READER,
    # process instances and their variables (rest7core)
    ("GET", "/engine-rest/process-instance"): READER,
    ("POST", "/engine-rest/process-instance"): READER,
    ("GET", "/engine-rest/process-instance/count"): READER,
    ("POST", "/engine-rest/process-instance/count"): READER,
    ("GET", "/engine-rest/process-instance/{id}"): READER,
    ("DELETE", "/engine-rest/process-instance/{id}"): OPERATOR,
    ("GET", "/engine-rest/process-instance/{id}/variables"): READER,
    ("POST", "/engine-rest/process-instance/{id}/variables"): OPERATOR,
    ("GET", "/engine-rest/process-instance/{id}/variables/{varName}"): READER,
    ("PUT", "/engine-rest/process-instance/{id}/variables/{varName}"): OPERATOR,
    ("DELETE", "/engine-rest/process-instance/{id}/variables/{varName}"): OPERATOR,
    ("GET", "/engine-rest/process-instance/{id}/activity-instances"): READER,
    # messages and signals (rest7core)
    ("POST", "/engine-rest/message"): MESSENGER,
    ("POST", "/engine-rest/signal"): MESSENGER,
    # incidents and jobs (rest7core)
    ("GET", "/engine-rest/variable-instance"): READER,
    ("GET", "/engine-rest/variable-instance/count"): READER,
    ("GET", "/engine-rest/variable-instance/{id}"): READER,
    ("GET", "/engine-rest/incident"): READER,
    ("GET", "/engine-rest/incident/count"): READER,
    ("GET", "/engine-rest/incident/{id}"): READER,
    ("DELETE", "/engine-rest/incident/{id}"): OPERATOR,
    ("GET", "/engine-rest/job"): WORKER,
    ("GET", "/engine-rest/job/count"): WORKER,
    ("GET", "/engine-rest/job/{id}"): WORKER,
    ("GET", "/engine-rest/job/{id}/stacktrace"): WORKER,
    ("PUT", "/engine-rest/job/{id}/retries"): WORKER,
}
# Camunda 7 serves its default engine under two prefixes, and so does Regista
for (_method, _path), _roles in ENGINE_REST.items():
    NEEDS[_method, _path] = _roles
    NEEDS[_method, _path.replace("/engine-rest/", "/engine-rest/engine/default/", 1)] = _roles

_PARAM = re.compile(r"\{([^}:]+)(:[^}]*)?\}")


def endpoints(app: FastAPI) -> Iterator[tuple[str, str, BaseRoute]]:
    """Every method and path the application answers (HEAD and OPTIONS aside), with the
    route that serves it. FastAPI 0.165 keeps included routers whole in `app.routes` and
    walks them with `iter_route_contexts`; older versions list the routes themselves."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    found = (
        [] if walk is None else [(c.path, c.methods, c.original_route) for c in walk(app.routes)]
    )
    if walk is None:
        found = [(r.path, r.methods, r) for r in app.routes if isinstance(r, Route)]
    for path, methods, route in found:
        for method in sorted(methods or ()):
            if method not in ("HEAD", "OPTIONS"):
                yield method, path, route


def declared(dependant: Dependant) -> tuple[str, ...] | None:
    """The roles an endpoint's dependencies require (`ANYONE_SIGNED_IN` for `caller`)."""
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Requirement):
            return dependency.call.roles
        if dependency.call is caller:
            return ANYONE_SIGNED_IN
        found = declared(dependency)
        if found is not None:
            return found
    return None


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with identity_app() as found:
        for role in ROLES:
            found.directory.create_user(f"as-{role}", "pw", roles=[role])
        found.directory.create_user("as-nothing", "pw")
        yield found


def test_every_endpoint_declares_what_it_needs(served: Served) -> None:
    assert len(list(endpoints(served.app))) > len(NEEDS), "the walk finds every endpoint"
    seen = set()
    for method, path, route in endpoints(served.app):
        seen.add((method, path))
        needs = declared(route.dependant) if isinstance(route, APIRoute) else None
        if path in PUBLIC:
            assert needs is None, f"{method} {path} is public but asks for {needs}"
            continue
        assert needs is not None, (
            f"{method} {path} checks no credentials: add Depends(require(...)) or "
            "Depends(caller), and its line to NEEDS"
        )
        assert (method, path) in NEEDS, f"{method} {path} needs {needs}: add it to NEEDS"
        assert needs == NEEDS[method, path], f"{method} {path}: NEEDS says otherwise"
    assert set(NEEDS) <= seen, f"NEEDS names endpoints the app lacks: {set(NEEDS) - seen}"


def _call(http: httpx.Client, method: str, path: str, headers: dict[str, str]) -> int:
    url = _PARAM.sub("0", path)
    body: dict[str, object] | None = None if method in ("GET", "DELETE") else {}
    return http.request(method, url, json=body, headers=headers).status_code


@pytest.mark.parametrize("who", ["anonymous", *ROLES, "nothing"])
def test_each_caller_gets_what_the_matrix_says(served: Served, who: str) -> None:
    headers = {} if who == "anonymous" else basic(f"as-{who}", "pw")
    wrong, tried = [], 0
    for method, path, _route in endpoints(served.app):
        if path in PUBLIC:
            continue
        tried += 1
        needs = NEEDS.get((method, path), ADMIN_ONLY)
        if who == "anonymous":
            expected = "401"
        elif who == "admin" or needs == ANYONE_SIGNED_IN or who in needs:
            expected = "allowed"
        else:
            expected = "403"
        status = _call(served.http, method, path, headers)
        got = str(status) if status in (401, 403) else "allowed"
        if got != expected:
            wrong.append(f"{method} {path}: {status}, expected {expected}")
    assert tried >= len(NEEDS), "every endpoint was tried"
    assert not wrong, "\n".join(wrong)


def test_public_endpoints_answer_without_credentials(served: Served) -> None:
    for method, path, _route in endpoints(served.app):
        if path in PUBLIC:
            status = _call(served.http, method, path, {})
            assert status not in (401, 403), f"{method} {path}: {status}"


def test_the_document_asks_for_credentials_everywhere_but_on_public_paths(
    served: Served,
) -> None:
    document = served.app.openapi()
    assert set(document["components"]["securitySchemes"]) == {"basic", "bearer", "oauth"}
    flows = document["components"]["securitySchemes"]["oauth"]["flows"]
    assert flows["clientCredentials"]["tokenUrl"] == "/oauth/token"
    public = {
        path
        for path, item in document["paths"].items()
        if any(op.get("security") == [] for op in item.values() if isinstance(op, dict))
    }
    # the route "/inbound/{context:path}" is written "/inbound/{context}" in the document
    expected = {p.replace(":path", "") for p in PUBLIC} & set(document["paths"])
    assert public == expected, "the document's public operations are the app's"
