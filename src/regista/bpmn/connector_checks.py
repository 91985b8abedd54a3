"""What `regista validate` and every deployment can tell of a model's connector
configuration before it runs: a connector task without the inputs it needs (a REST task
without `url`), a fixed value outside the connector's choices (an authentication type it
does not know), an inbound event without its queue, topic or path. Values computed by FEEL
are checked when the connector runs (and a missing secret then, where the secrets are).

It lives with the model (not in `regista.connectors`) so that the deploy path of the
runtime refuses what validation calls an error; the job types below are the connectors'
own (`tests/unit/connectors/test_checks.py` keeps them equal)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from regista.model.bpmn import Definitions, Problem

# The job types of Regista's connectors (see `regista.connectors`).
AI_CHAT = "io.regista:ai-chat:1"
EMAIL = "io.camunda:email:1"
HTTP_JSON = "io.camunda:http-json:1"
MQTT = "io.regista:mqtt:1"
NATS = "io.regista:nats:1"
RABBITMQ = "io.camunda:connector-rabbitmq:1"
REDIS_STREAM = "io.regista:redis-stream:1"
WEBHOOK = "io.camunda:webhook:1"

__all__ = ["CONNECTOR_TYPES", "check", "unknown_job_types"]

#: The job types of the connectors Regista ships (outbound).
CONNECTOR_TYPES = frozenset({HTTP_JSON, EMAIL, AI_CHAT, RABBITMQ, MQTT, NATS, REDIS_STREAM})
# Job types in these namespaces name connectors, not the user's workers.
_CONNECTOR_PREFIXES = ("io.camunda:", "io.regista:")

_REQUIRED: Mapping[str, tuple[str, ...]] = {
    HTTP_JSON: ("url",),
    EMAIL: ("data.smtpConfig.smtpHost", "data.smtpAction.from", "data.smtpAction.to"),
    RABBITMQ: ("routing.routingKey",),
    MQTT: ("connection.url", "message.topic"),
    NATS: ("connection.url", "message.subject"),
    REDIS_STREAM: ("connection.url", "message.stream"),
    AI_CHAT: ("model", "userPrompt"),
}

_CHOICES: Mapping[tuple[str, str], tuple[str, ...]] = {
    (HTTP_JSON, "method"): ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
    (HTTP_JSON, "authentication.type"): (
        "noAuth",
        "basic",
        "bearer",
        "apiKey",
        "oauth-client-credentials-flow",
    ),
    (EMAIL, "authentication.type"): ("simple", "noAuth"),
    (EMAIL, "data.smtpConfig.smtpCryptographicProtocol"): ("NONE", "STARTTLS", "TLS", "SSL"),
    (EMAIL, "data.smtpAction.contentType"): ("PLAIN", "HTML", "MULTIPART"),
    (RABBITMQ, "authentication.authType"): ("uri", "credentials"),
}

_INBOUND: Mapping[str, tuple[str, ...]] = {
    WEBHOOK: ("inbound.context",),
    "io.camunda:connector-rabbitmq-inbound:1": ("inbound.queueName",),
    "io.regista:mqtt-inbound:1": ("inbound.connection.url", "inbound.topic"),
    "io.regista:nats-inbound:1": ("inbound.connection.url", "inbound.subject"),
    "io.regista:redis-stream-inbound:1": ("inbound.connection.url", "inbound.stream"),
}


def _has(inputs: Iterable[str], name: str) -> bool:
    """Whether an input sets `name` itself or a context holding it (`authentication`
    sets `authentication.type`)."""
    return any(name == given or name.startswith(given + ".") for given in inputs)


def check(definitions: Definitions) -> list[Problem]:
    """The connector problems of the executable processes of `definitions`."""
    found: list[Problem] = []
    for process in definitions.processes.values():
        if not process.is_executable:
            continue
        for node in process.elements.values():
            found.extend(_outbound(node))
            found.extend(_inbound(node))
    return found


def unknown_job_types(
    definitions: Definitions, workers: Iterable[str] | None = None
) -> list[Problem]:
    """A warning for each fixed job type that nothing will do: a connector type Regista
    does not ship, or (when the `workers` are known, e.g. `regista validate --worker`) a
    type neither a connector nor one of those workers handles. A job type computed by FEEL
    is known only when the job is created, so it is not checked."""
    known = None if workers is None else frozenset(workers)
    found: list[Problem] = []
    for process in definitions.processes.values():
        if not process.is_executable:
            continue
        for node in process.elements.values():
            job = getattr(node, "job", None)
            if job is None or job.type.language != "literal":
                continue
            job_type = job.type.text.strip()
            if job_type in CONNECTOR_TYPES:
                continue
            if job_type.startswith(_CONNECTOR_PREFIXES) and (
                known is None or job_type not in known
            ):
                message = (
                    f"no connector has the job type '{job_type}'; Regista's connectors are "
                    f"{', '.join(sorted(CONNECTOR_TYPES))} (or register a worker of that type)"
                )
            elif known is not None and job_type not in known:
                handled = ", ".join(sorted(known)) or "none"
                message = (
                    f"no worker or connector handles the job type '{job_type}' (the worker "
                    f"modules handle: {handled}); its jobs would wait until a worker of that "
                    "type polls: correct the type or add a worker for it"
                )
            else:
                continue
            found.append(
                Problem(
                    severity="warning",
                    message=message,
                    element_id=getattr(node, "id", None),
                    line=getattr(node, "line", None),
                    file=definitions.file,
                )
            )
    return found


def _outbound(node: object) -> list[Problem]:
    job = getattr(node, "job", None)
    if (
        job is None
        or job.type.language not in ("literal", "feel")
        or job.type.text not in _REQUIRED
    ):
        return []
    kind = job.type.text
    element_id = getattr(node, "id", None)
    line = getattr(node, "line", None)
    inputs = {p.target: p.source for p in getattr(node, "inputs", ())}
    problems = [
        Problem(
            severity="error",
            message=f"the connector {kind} needs the input '{name}': map it in the task's "
            "inputs (zeebe:ioMapping)",
            element_id=element_id,
            line=line,
        )
        for name in _REQUIRED[kind]
        if not _has(inputs, name)
    ]
    for (connector, name), choices in _CHOICES.items():
        source = inputs.get(name)
        if connector != kind or source is None or source.language != "literal":
            continue
        if source.text not in choices and source.text.upper() not in choices:
            problems.append(
                Problem(
                    severity="error",
                    message=f"the input '{name}' is {source.text!r}; the connector {kind} "
                    f"takes {', '.join(choices)}",
                    element_id=element_id,
                    line=line,
                )
            )
    return problems


def _inbound(node: object) -> list[Problem]:
    properties: Mapping[str, str] = getattr(node, "properties", {})
    kind = properties.get("inbound.type")
    if kind is None or kind not in _INBOUND:
        return []
    return [
        Problem(
            severity="error",
            message=f"the inbound connector {kind} needs the property '{name}' (zeebe:property)",
            element_id=getattr(node, "id", None),
            line=getattr(node, "line", None),
        )
        for name in _INBOUND[kind]
        if not properties.get(name)
    ]
