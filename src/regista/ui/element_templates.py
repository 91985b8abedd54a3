"""Camunda element templates for Regista's connectors, served to the web modeler.

A template tells the bpmn.io properties panel how to configure a task for one connector: the
job type the engine dispatches on and one field per input, bound where the connector reads
it. `element_templates("camunda8")` gives the Camunda 8 flavour (`zeebe:taskDefinition`,
`zeebe:input`, `zeebe:taskHeader`; inbound connectors as `zeebe:property` on message start
and catch events), `element_templates("camunda7")` the Camunda 7 one (an external task whose
topic is the job type, `camunda:inputParameter` inputs). The catalogue below is data; the
unit tests hold it to what each connector module reads, so renaming an input there fails
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from regista.connectors import AI_CHAT, EMAIL, HTTP_JSON, MQTT, NATS, RABBITMQ, REDIS_STREAM
from regista.connectors.webhooks import WEBHOOK

__all__ = [
    "CONNECTORS",
    "INBOUND",
    "Connector",
    "Field",
    "Flavour",
    "element_templates",
]

Flavour = Literal["camunda8", "camunda7"]

ZEEBE_SCHEMA = (
    "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
)
CAMUNDA_SCHEMA = "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json"
DOCUMENTATION = "https://github.com/regista-dev/regista#connectors"
SECRET_HINT = "Use a secret: {{secrets.NAME}}"


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a connector as the properties panel shows it. `name` is the input (or,
    inbound, the property) exactly as the connector reads it; `when` shows the field only
    while another field (by name) holds one of the given values."""

    name: str
    label: str
    group: str
    type: Literal["String", "Text", "Dropdown", "Boolean"] = "String"
    choices: tuple[tuple[str, str], ...] = ()
    value: str | bool | None = None
    required: bool = False
    description: str | None = None
    when: tuple[str, tuple[str, ...]] | None = None
    expression: bool = False  # a FEEL expression the connector evaluates itself


@dataclass(frozen=True, slots=True)
class Connector:
    """A connector offered in the modeler: `kind` is its job type (outbound) or its
    `inbound.type` (inbound), `key` the stable part of its template ids."""

    key: str
    name: str
    description: str
    kind: str
    groups: tuple[tuple[str, str], ...]
    fields: tuple[Field, ...]


def _auth(
    name: str, group: str, when: str, values: tuple[str, ...], label: str, *, secret: bool = False
) -> Field:
    return Field(
        name,
        label,
        group,
        description=SECRET_HINT if secret else None,
        when=(when, values),
        required=not secret,
    )


_HTTP_AUTH = "authentication.type"
_OAUTH = "oauth-client-credentials-flow"
_HTTP = Connector(
    "http-json",
    "REST (Regista)",
    "Call an HTTP API; the response is {status, headers, body}",
    HTTP_JSON,
    (("authentication", "Authentication"), ("endpoint", "HTTP endpoint"), ("timeout", "Timeout")),
    (
        Field(
            _HTTP_AUTH,
            "Type",
            "authentication",
            "Dropdown",
            (
                ("None", "noAuth"),
                ("Basic", "basic"),
                ("Bearer token", "bearer"),
                ("API key", "apiKey"),
                ("OAuth 2.0 client credentials", "oauth-client-credentials-flow"),
            ),
            value="noAuth",
        ),
        _auth("authentication.username", "authentication", _HTTP_AUTH, ("basic",), "Username"),
        _auth(
            "authentication.password",
            "authentication",
            _HTTP_AUTH,
            ("basic",),
            "Password",
            secret=True,
        ),
        _auth("authentication.token", "authentication", _HTTP_AUTH, ("bearer",), "Bearer token"),
        _auth("authentication.name", "authentication", _HTTP_AUTH, ("apiKey",), "API key name"),
        _auth("authentication.value", "authentication", _HTTP_AUTH, ("apiKey",), "API key value"),
        Field(
            "authentication.location",
            "API key location",
            "authentication",
            "Dropdown",
            (("Headers", "headers"), ("Query parameters", "query")),
            value="headers",
            when=(_HTTP_AUTH, ("apiKey",)),
        ),
        *(
            _auth(f"authentication.{name}", "authentication", _HTTP_AUTH, (_OAUTH,), label)
            for name, label in (
                ("oauthTokenEndpoint", "OAuth token endpoint"),
                ("clientId", "Client ID"),
                ("clientSecret", "Client secret"),
            )
        ),
        Field(
            "authentication.audience",
            "Audience",
            "authentication",
            when=(_HTTP_AUTH, ("oauth-client-credentials-flow",)),
        ),
        Field(
            "authentication.scopes",
            "Scopes",
            "authentication",
            when=(_HTTP_AUTH, ("oauth-client-credentials-flow",)),
        ),
        Field(
            "method",
            "Method",
            "endpoint",
            "Dropdown",
            tuple((m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")),
            value="GET",
        ),
        Field("url", "URL", "endpoint", required=True),
        Field("headers", "Headers", "endpoint", description="A FEEL context, e.g. ={a: 1}"),
        Field("queryParameters", "Query parameters", "endpoint", description="A FEEL context"),
        Field(
            "body",
            "Request body",
            "endpoint",
            "Text",
            description="JSON, or a form when the Content-Type says so, or text",
        ),
        Field("connectionTimeoutInSeconds", "Connection timeout (s)", "timeout", value="20"),
        Field("readTimeoutInSeconds", "Read timeout (s)", "timeout", value="20"),
    ),
)

_EMAIL_AUTH = "authentication.type"
_EMAIL = Connector(
    "email",
    "E-mail (Regista)",
    "Send an e-mail over SMTP; the response is {sent, messageId, recipients}",
    EMAIL,
    (("authentication", "Authentication"), ("smtp", "SMTP server"), ("message", "Message")),
    (
        Field(
            _EMAIL_AUTH,
            "Type",
            "authentication",
            "Dropdown",
            (("Username and password", "simple"), ("None", "noAuth")),
            value="simple",
        ),
        _auth("authentication.username", "authentication", _EMAIL_AUTH, ("simple",), "Username"),
        _auth(
            "authentication.password",
            "authentication",
            _EMAIL_AUTH,
            ("simple",),
            "Password",
            secret=True,
        ),
        Field("data.smtpConfig.smtpHost", "SMTP host", "smtp", required=True),
        Field("data.smtpConfig.smtpPort", "SMTP port", "smtp", value="587"),
        Field(
            "data.smtpConfig.smtpCryptographicProtocol",
            "Cryptographic protocol",
            "smtp",
            "Dropdown",
            tuple((p, p) for p in ("NONE", "STARTTLS", "TLS", "SSL")),
            value="STARTTLS",
        ),
        Field("data.smtpAction.from", "From", "message", required=True),
        Field(
            "data.smtpAction.to",
            "To",
            "message",
            required=True,
            description="A list or a comma-separated text",
        ),
        Field("data.smtpAction.cc", "Cc", "message"),
        Field("data.smtpAction.bcc", "Bcc", "message"),
        Field("data.smtpAction.subject", "Subject", "message"),
        Field(
            "data.smtpAction.contentType",
            "Content type",
            "message",
            "Dropdown",
            (("Plain text", "PLAIN"), ("HTML", "HTML"), ("Both (multipart)", "MULTIPART")),
            value="PLAIN",
        ),
        Field(
            "data.smtpAction.body",
            "Body",
            "message",
            "Text",
            when=("data.smtpAction.contentType", ("PLAIN", "MULTIPART")),
        ),
        Field(
            "data.smtpAction.htmlBody",
            "HTML body",
            "message",
            "Text",
            when=("data.smtpAction.contentType", ("HTML", "MULTIPART")),
        ),
    ),
)

_RABBIT_AUTH = "authentication.authType"
_RABBITMQ = Connector(
    "rabbitmq",
    "RabbitMQ publish (Regista)",
    "Publish a message to a RabbitMQ exchange",
    RABBITMQ,
    (("authentication", "Authentication"), ("routing", "Routing"), ("message", "Message")),
    (
        Field(
            _RABBIT_AUTH,
            "Connection",
            "authentication",
            "Dropdown",
            (("URI", "uri"), ("Credentials", "credentials")),
            value="uri",
        ),
        _auth("authentication.uri", "authentication", _RABBIT_AUTH, ("uri",), "URI"),
        _auth(
            "authentication.userName", "authentication", _RABBIT_AUTH, ("credentials",), "Username"
        ),
        _auth(
            "authentication.password",
            "authentication",
            _RABBIT_AUTH,
            ("credentials",),
            "Password",
            secret=True,
        ),
        _auth("routing.hostName", "routing", _RABBIT_AUTH, ("credentials",), "Host name"),
        Field(
            "routing.port", "Port", "routing", value="5672", when=(_RABBIT_AUTH, ("credentials",))
        ),
        Field(
            "routing.virtualHost",
            "Virtual host",
            "routing",
            value="/",
            when=(_RABBIT_AUTH, ("credentials",)),
        ),
        Field("routing.exchange", "Exchange", "routing"),
        Field("routing.routingKey", "Routing key", "routing", required=True),
        Field(
            "message.body",
            "Body",
            "message",
            "Text",
            description="A context or list is sent as JSON",
        ),
        Field(
            "message.properties",
            "Properties",
            "message",
            description="A FEEL context: contentType, headers, correlationId, ...",
        ),
    ),
)

_CONNECTION = (("connection", "Connection"), ("message", "Message"))


def _connection(default_url: str) -> tuple[Field, ...]:
    return (
        Field("connection.url", "URL", "connection", value=default_url, required=True),
        Field("connection.username", "Username", "connection"),
        Field("connection.password", "Password", "connection", description=SECRET_HINT),
    )


_MQTT = Connector(
    "mqtt",
    "MQTT publish (Regista)",
    "Publish a message to an MQTT broker and wait for its acknowledgement",
    MQTT,
    _CONNECTION,
    (
        *_connection("mqtt://localhost:1883"),
        Field("message.topic", "Topic", "message", required=True),
        Field("message.payload", "Payload", "message", "Text"),
        Field(
            "message.qos",
            "QoS",
            "message",
            "Dropdown",
            (("0 at most once", "0"), ("1 at least once", "1"), ("2 exactly once", "2")),
            value="1",
        ),
        Field("message.retain", "Retain", "message", "Boolean", value=False),
    ),
)

_NATS = Connector(
    "nats",
    "NATS publish (Regista)",
    "Publish a message to NATS, or to a JetStream stream that confirms it",
    NATS,
    _CONNECTION,
    (
        *_connection("nats://localhost:4222"),
        Field("message.subject", "Subject", "message", required=True),
        Field("message.payload", "Payload", "message", "Text"),
        Field("message.headers", "Headers", "message", description="A FEEL context"),
        Field("message.jetStream", "JetStream", "message", "Boolean", value=False),
    ),
)

_REDIS = Connector(
    "redis-stream",
    "Redis stream add (Regista)",
    "Add an entry to a Redis stream",
    REDIS_STREAM,
    _CONNECTION,
    (
        *_connection("redis://localhost:6379"),
        Field("message.stream", "Stream", "message", required=True),
        Field("message.fields", "Fields", "message", description="A FEEL context"),
        Field("message.payload", "Payload", "message", "Text", description="When no fields"),
        Field("message.maxLength", "Max length", "message"),
    ),
)

_AI = Connector(
    "ai-chat",
    "AI chat (Regista)",
    "Ask an OpenAI-compatible chat model; a JSON Schema makes the answer a checked document",
    AI_CHAT,
    (("provider", "Provider"), ("prompt", "Prompt")),
    (
        Field("provider.baseUrl", "Base URL", "provider", value="https://api.openai.com/v1"),
        Field("provider.apiKey", "API key", "provider", description=SECRET_HINT),
        Field("model", "Model", "prompt", required=True),
        Field("systemPrompt", "System prompt", "prompt", "Text"),
        Field("userPrompt", "User prompt", "prompt", "Text", required=True),
        Field("temperature", "Temperature", "prompt"),
        Field("maxTokens", "Max tokens", "prompt"),
        Field("jsonSchema", "JSON Schema of the answer", "prompt", "Text"),
    ),
)

#: The outbound connectors: each becomes a task template.
CONNECTORS: tuple[Connector, ...] = (_HTTP, _EMAIL, _RABBITMQ, _MQTT, _NATS, _REDIS, _AI)


def _inbound_connection(url: str) -> tuple[Field, ...]:
    return (
        Field("inbound.connection.url", "URL", "connection", value=url, required=True),
        Field("inbound.connection.username", "Username", "connection"),
        Field("inbound.connection.password", "Password", "connection", description=SECRET_HINT),
    )


_WEBHOOK_AUTH = "inbound.auth.type"
_HMAC = "inbound.shouldValidateHmac"
_RABBIT_IN = "inbound.authentication.authType"

#: The inbound connectors: each becomes a message start event and a catch event template.
INBOUND: tuple[Connector, ...] = (
    Connector(
        "webhook",
        "Webhook (Regista)",
        "An HTTP request to /inbound/<path> of the server",
        WEBHOOK,
        (("endpoint", "Webhook"), ("authentication", "Authentication")),
        (
            Field("inbound.context", "Path", "endpoint", required=True),
            Field(
                "inbound.method",
                "Method",
                "endpoint",
                "Dropdown",
                tuple((m.upper(), m) for m in ("any", "get", "post", "put", "patch", "delete")),
                value="any",
            ),
            Field(
                _HMAC,
                "HMAC verification",
                "authentication",
                "Dropdown",
                (("Disabled", "disabled"), ("Enabled", "enabled")),
                value="disabled",
            ),
            _auth("inbound.hmacSecret", "authentication", _HMAC, ("enabled",), "HMAC secret"),
            _auth("inbound.hmacHeader", "authentication", _HMAC, ("enabled",), "HMAC header"),
            Field(
                "inbound.hmacAlgorithm",
                "HMAC algorithm",
                "authentication",
                "Dropdown",
                (("SHA-1", "sha_1"), ("SHA-256", "sha_256"), ("SHA-512", "sha_512")),
                value="sha_256",
                when=(_HMAC, ("enabled",)),
            ),
            Field(
                _WEBHOOK_AUTH,
                "Authorization",
                "authentication",
                "Dropdown",
                (("None", "NONE"), ("Basic", "BASIC"), ("API key", "APIKEY")),
                value="NONE",
            ),
            _auth("inbound.auth.username", "authentication", _WEBHOOK_AUTH, ("BASIC",), "Username"),
            _auth(
                "inbound.auth.password",
                "authentication",
                _WEBHOOK_AUTH,
                ("BASIC",),
                "Password",
                secret=True,
            ),
            _auth("inbound.auth.apiKey", "authentication", _WEBHOOK_AUTH, ("APIKEY",), "API key"),
            Field(
                "inbound.auth.apiKeyLocator",
                "API key locator",
                "authentication",
                required=True,
                description="FEEL over request, e.g. =request.headers.apikey",
                when=(_WEBHOOK_AUTH, ("APIKEY",)),
                expression=True,
            ),
        ),
    ),
    Connector(
        "rabbitmq-inbound",
        "RabbitMQ consumer (Regista)",
        "Messages of a RabbitMQ queue",
        "io.camunda:connector-rabbitmq-inbound:1",
        (("connection", "Connection"),),
        (
            Field(
                _RABBIT_IN,
                "Connection",
                "connection",
                "Dropdown",
                (("URI", "uri"), ("Credentials", "credentials")),
                value="uri",
            ),
            _auth("inbound.authentication.uri", "connection", _RABBIT_IN, ("uri",), "URI"),
            _auth(
                "inbound.authentication.userName",
                "connection",
                _RABBIT_IN,
                ("credentials",),
                "Username",
            ),
            _auth(
                "inbound.authentication.password",
                "connection",
                _RABBIT_IN,
                ("credentials",),
                "Password",
                secret=True,
            ),
            _auth("inbound.routing.hostName", "connection", _RABBIT_IN, ("credentials",), "Host"),
            Field(
                "inbound.routing.port",
                "Port",
                "connection",
                value="5672",
                when=(_RABBIT_IN, ("credentials",)),
            ),
            Field(
                "inbound.routing.virtualHost",
                "Virtual host",
                "connection",
                value="/",
                when=(_RABBIT_IN, ("credentials",)),
            ),
            Field("inbound.queueName", "Queue", "connection", required=True),
        ),
    ),
    Connector(
        "mqtt-inbound",
        "MQTT subscription (Regista)",
        "Messages on an MQTT topic, shared among the engine nodes",
        "io.regista:mqtt-inbound:1",
        (("connection", "Connection"),),
        (
            *_inbound_connection("mqtt://localhost:1883"),
            Field("inbound.topic", "Topic", "connection", required=True),
        ),
    ),
    Connector(
        "nats-inbound",
        "NATS JetStream consumer (Regista)",
        "Messages of a NATS JetStream subject",
        "io.regista:nats-inbound:1",
        (("connection", "Connection"),),
        (
            *_inbound_connection("nats://localhost:4222"),
            Field("inbound.subject", "Subject", "connection", required=True),
            Field("inbound.stream", "Stream", "connection"),
            Field("inbound.durable", "Durable consumer name", "connection"),
        ),
    ),
    Connector(
        "redis-stream-inbound",
        "Redis stream consumer (Regista)",
        "Entries of a Redis stream, read by a consumer group",
        "io.regista:redis-stream-inbound:1",
        (("connection", "Connection"),),
        (
            *_inbound_connection("redis://localhost:6379"),
            Field("inbound.stream", "Stream", "connection", required=True),
            Field("inbound.group", "Consumer group", "connection", value="regista"),
            Field("inbound.claimAfter", "Claim pending entries after", "connection", value="PT60S"),
        ),
    ),
)

# Outbound: what becomes of the response (task headers read by `connectors.outcome`).
_OUTCOME: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("resultVariable", "Result variable", "output", "String", "The whole response"),
    ("resultExpression", "Result expression", "output", "Text", "={id: response.body.id}"),
    ("errorExpression", "Error expression", "errors", "Text", "bpmnError(..) or jobError(..)"),
)
# Inbound: what a message becomes (properties read by `connectors.deliveries`).
_DELIVERY: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("activationCondition", "Activation condition", "activation", "Text", "FEEL; false drops it"),
    ("resultVariable", "Result variable", "output", "String", None),
    ("resultExpression", "Result expression", "output", "Text", "FEEL context over the event"),
    ("messageIdExpression", "Message ID expression", "correlation", "String", None),
    ("messageTtl", "Message TTL", "correlation", "String", "ISO 8601 duration, e.g. PT1H"),
)


def _base(connector: Connector, schema: str, template_id: str, name: str) -> dict[str, Any]:
    return {
        "$schema": schema,
        "name": name,
        "id": template_id,
        "description": connector.description,
        "version": 1,
        "documentationRef": DOCUMENTATION,
        "category": {"id": "connectors", "name": "Connectors"},
    }


def _property(field: Field, binding: dict[str, str], flavour: Flavour) -> dict[str, Any]:
    prop: dict[str, Any] = {
        "id": field.name,
        "label": field.label,
        "group": field.group,
        "type": field.type,
        "binding": binding,
    }
    if flavour == "camunda7" and field.type == "Boolean":
        # Camunda 7 templates have no Boolean input; JUEL gives a boolean, not a text
        prop["type"] = "Dropdown"
        prop["choices"] = [{"name": "Yes", "value": "${true}"}, {"name": "No", "value": "${false}"}]
        prop["value"] = "${true}" if field.value else "${false}"
    elif field.choices:
        prop["choices"] = [{"name": label, "value": value} for label, value in field.choices]
    if field.value is not None and "value" not in prop:
        prop["value"] = field.value
    if field.description:
        prop["description"] = field.description
    if field.required:
        prop["constraints"] = {"notEmpty": True}
    elif prop["type"] != "Dropdown" and binding["type"] in (
        "zeebe:input",
        "camunda:inputParameter",
    ):
        prop["optional"] = True  # an empty optional input is left out of the io mapping
    if field.expression:
        prop["feel"] = "required"
    elif binding["type"] == "zeebe:input" and prop["type"] in ("String", "Text"):
        # inputs are evaluated by the engine; inbound properties are read as they are
        prop["feel"] = "optional"
    if field.when is not None:
        other, values = field.when
        prop["condition"] = (
            {"property": other, "equals": values[0]}
            if len(values) == 1
            else {"property": other, "oneOf": list(values)}
        )
    return prop


def _extra(
    rows: Sequence[tuple[str, str, str, str, str | None]], binding: str, flavour: Flavour
) -> list[dict[str, Any]]:
    """The optional fields every template of a kind shares (result mapping, activation):
    a Text row is a FEEL expression."""
    made = []
    for name, label, group, kind, hint in rows:
        key = "key" if binding == "zeebe:taskHeader" else "name"
        text = kind == "Text"
        field = Field(
            name, label, group, "Text" if text else "String", description=hint, expression=text
        )
        prop = _property(field, {"type": binding, key: name}, flavour)
        prop["optional"] = True
        made.append(prop)
    return made


def _task_camunda8(connector: Connector) -> dict[str, Any]:
    template = _base(
        connector, ZEEBE_SCHEMA, f"io.regista.connectors.{connector.key}.v1", connector.name
    )
    template["appliesTo"] = ["bpmn:Task"]
    template["elementType"] = {"value": "bpmn:ServiceTask"}
    template["groups"] = [
        {"id": i, "label": label}
        for i, label in (
            *connector.groups,
            ("output", "Output mapping"),
            ("errors", "Error handling"),
            ("retries", "Retries"),
        )
    ]
    properties: list[dict[str, Any]] = [
        {
            "type": "Hidden",
            "value": connector.kind,
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        }
    ]
    properties += [
        _property(f, {"type": "zeebe:input", "name": f.name}, "camunda8") for f in connector.fields
    ]
    properties += _extra(_OUTCOME, "zeebe:taskHeader", "camunda8")
    properties.append(
        {
            "label": "Retries",
            "group": "retries",
            "type": "String",
            "value": "3",
            "binding": {"type": "zeebe:taskDefinition", "property": "retries"},
        }
    )
    properties.append(
        {
            "label": "Retry backoff",
            "group": "retries",
            "type": "String",
            "value": "PT10S",
            "description": "ISO 8601 duration before the next try",
            "binding": {"type": "zeebe:taskHeader", "key": "retryBackoff"},
        }
    )
    template["properties"] = properties
    return template


def _task_camunda7(connector: Connector) -> dict[str, Any]:
    template = _base(
        connector, CAMUNDA_SCHEMA, f"io.regista.connectors.{connector.key}.v1", connector.name
    )
    template["appliesTo"] = ["bpmn:Task"]
    template["elementType"] = {"value": "bpmn:ServiceTask"}
    template["groups"] = [{"id": i, "label": label} for i, label in connector.groups]
    properties: list[dict[str, Any]] = [
        {
            "type": "Hidden",
            "value": "external",
            "binding": {"type": "property", "name": "camunda:type"},
        },
        {
            "type": "Hidden",
            "value": connector.kind,
            "binding": {"type": "property", "name": "camunda:topic"},
        },
    ]
    properties += [
        _property(f, {"type": "camunda:inputParameter", "name": f.name}, "camunda7")
        for f in connector.fields
    ]
    template["properties"] = properties
    return template


def _events_camunda8(connector: Connector) -> list[dict[str, Any]]:
    made = []
    for start in (True, False):
        where = "start" if start else "intermediate"
        name = f"{connector.name} {'start event' if start else 'intermediate catch event'}"
        template = _base(
            connector, ZEEBE_SCHEMA, f"io.regista.connectors.{connector.key}.{where}.v1", name
        )
        element = "bpmn:StartEvent" if start else "bpmn:IntermediateCatchEvent"
        template["appliesTo"] = (
            ["bpmn:StartEvent"]
            if start
            else ["bpmn:IntermediateCatchEvent", "bpmn:IntermediateThrowEvent"]
        )
        template["elementType"] = {
            "value": element,
            "eventDefinition": "bpmn:MessageEventDefinition",
        }
        template["groups"] = [
            {"id": i, "label": label}
            for i, label in (
                *connector.groups,
                ("activation", "Activation"),
                ("correlation", "Correlation"),
                ("output", "Output mapping"),
            )
        ]
        properties: list[dict[str, Any]] = [
            {
                "type": "Hidden",
                "value": connector.kind,
                "binding": {"type": "zeebe:property", "name": "inbound.type"},
            }
        ]
        properties += [
            _property(f, {"type": "zeebe:property", "name": f.name}, "camunda8")
            for f in connector.fields
        ]
        properties.append(
            {
                "label": "Message name",
                "group": "correlation",
                "type": "String",
                "binding": {"type": "bpmn:Message#property", "name": "name"},
                "constraints": {"notEmpty": True},
            }
        )
        if not start:
            key = Field(
                "correlationKeyExpression",
                "Correlation key (message)",
                "correlation",
                required=True,
                description="FEEL over the event, e.g. =request.body.orderId",
                expression=True,
            )
            properties.append(
                _property(key, {"type": "zeebe:property", "name": key.name}, "camunda8")
            )
        properties += _extra(_DELIVERY, "zeebe:property", "camunda8")
        template["properties"] = properties
        made.append(template)
    return made


def element_templates(flavour: Flavour = "camunda8") -> list[dict[str, Any]]:
    """The element templates of every Regista connector for the modeler of `flavour`: task
    templates for the outbound connectors and, for Camunda 8, a message start event and an
    intermediate catch event template for each inbound connector."""
    if flavour == "camunda8":
        templates = [_task_camunda8(c) for c in CONNECTORS]
        for connector in INBOUND:
            templates += _events_camunda8(connector)
        return templates
    if flavour == "camunda7":
        return [_task_camunda7(c) for c in CONNECTORS]
    raise ValueError(f"unknown flavour {flavour!r}: use 'camunda8' or 'camunda7'")
