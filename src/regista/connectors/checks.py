"""What `regista validate` can tell of a model's connector configuration before it runs:
a connector task without the inputs it needs (a REST task without `url`), a fixed value
outside the connector's choices (an authentication type it does not know), an inbound
event without its queue, topic or path. Values computed by FEEL are checked when the
connector runs (and a missing secret then, where the secrets are)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from regista.connectors.ai import AI_CHAT
from regista.connectors.brokers import MQTT, NATS, RABBITMQ, REDIS_STREAM
from regista.connectors.email import EMAIL
from regista.connectors.http import HTTP_JSON
from regista.connectors.webhooks import WEBHOOK
from regista.model.bpmn import Definitions, Problem

__all__ = ["check"]

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
