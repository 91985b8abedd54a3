"""Connectors that publish to message brokers: RabbitMQ with Camunda's job type and inputs
(`io.camunda:connector-rabbitmq:1`: `authentication.authType` uri or credentials with
`uri` or `userName`/`password`; `routing.{exchange, routingKey, virtualHost, hostName,
port}`; `message.{body, properties}`), and Regista's own for MQTT (`io.regista:mqtt:1`), NATS
and JetStream (`io.regista:nats:1`) and Redis streams (`io.regista:redis-stream:1`), in the
same style: `connection.{url, username, password}` and a `message` section.

A body that is a context or a list is sent as JSON, a text as it is. Each publication
opens its own connection (a broker that restarted costs nothing), and a publication the
broker does not confirm fails the job, so the engine retries it: delivery is at least once.
The broker clients are the optional extra `regista[connectors]`; without one, the job
fails saying which package to install.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from regista.connectors.outcome import CallFailed, ConnectorError, Outcome, conclude, json_bytes
from regista.connectors.secrets import SecretError, Secrets
from regista.runtime.workers import ActivatedJob, JobFailure

__all__ = ["MQTT", "NATS", "RABBITMQ", "REDIS_STREAM", "BrokerConnector", "broker_connectors"]

RABBITMQ = "io.camunda:connector-rabbitmq:1"
# Regista's own connectors; "regista:" job types are the runtime's own outbox jobs
MQTT = "io.regista:mqtt:1"
NATS = "io.regista:nats:1"
REDIS_STREAM = "io.regista:redis-stream:1"

_TIMEOUT = 10.0


def _module(name: str, package: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConnectorError(
            "connector", f"needs the package {package}: pip install 'regista[connectors]'"
        ) from None


def _payload(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return json_bytes(value)


def _section(inputs: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = inputs.get(name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConnectorError(name, "must be a context")
    return value


def _text(section: Mapping[str, Any], name: str, field: str) -> str:
    value = section.get(name)
    if value is None or value == "":
        raise ConnectorError(f"{field}.{name}", "is missing")
    return str(value)


def _url(connection: Mapping[str, Any], schemes: tuple[str, ...]) -> str:
    url = _text(connection, "url", "connection")
    if urlsplit(url).scheme not in schemes:
        raise ConnectorError(
            "connection.url", f"must start with {' or '.join(s + '://' for s in schemes)}"
        )
    return url


def publish_rabbitmq(inputs: Mapping[str, Any]) -> Any:
    """Publish `message.body` to `routing.exchange` with `routing.routingKey`."""
    pika = _module("pika", "pika")
    auth = _section(inputs, "authentication")
    routing = _section(inputs, "routing")
    message = _section(inputs, "message")
    kind = auth.get("authType") or "uri"
    if kind == "uri":
        parameters = pika.URLParameters(_text(auth, "uri", "authentication"))
    elif kind == "credentials":
        host = _text(routing, "hostName", "routing")
        vhost = str(routing.get("virtualHost") or "/")
        user = quote(_text(auth, "userName", "authentication"), safe="")
        password = quote(str(auth.get("password") or ""), safe="")
        port = int(routing.get("port") or 5672)
        parameters = pika.URLParameters(
            f"amqp://{user}:{password}@{host}:{port}/{quote(vhost, safe='')}"
        )
    else:
        raise ConnectorError("authentication.authType", f"{kind!r} is not uri or credentials")
    parameters.socket_timeout = _TIMEOUT
    parameters.blocked_connection_timeout = _TIMEOUT
    exchange = str(routing.get("exchange") or "")
    routing_key = _text(routing, "routingKey", "routing")
    given = message.get("properties") or {}
    if not isinstance(given, Mapping):
        raise ConnectorError("message.properties", "must be a context")
    properties = pika.BasicProperties(
        content_type=given.get("contentType")
        or ("text/plain" if isinstance(message.get("body"), str) else "application/json"),
        content_encoding=given.get("contentEncoding"),
        headers=given.get("headers"),
        delivery_mode=int(given.get("deliveryMode") or 2),
        priority=given.get("priority"),
        correlation_id=given.get("correlationId"),
        reply_to=given.get("replyTo"),
        expiration=None if given.get("expiration") is None else str(given.get("expiration")),
        message_id=given.get("messageId"),
        type=given.get("type"),
        user_id=given.get("userId"),
        app_id=given.get("appId"),
    )
    connection = pika.BlockingConnection(parameters)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, _payload(message.get("body")), properties)
    finally:
        connection.close()
    return {"statusResult": "success"}


def publish_mqtt(inputs: Mapping[str, Any]) -> Any:
    """Publish `message.payload` to `message.topic` and wait for the broker's ack."""
    mqtt = _module("paho.mqtt.client", "paho-mqtt")
    connection = _section(inputs, "connection")
    message = _section(inputs, "message")
    url = urlsplit(_url(connection, ("mqtt", "tcp")))
    topic = _text(message, "topic", "message")
    qos = message.get("qos", 1)
    if qos not in (0, 1, 2):
        raise ConnectorError("message.qos", "is 0, 1 or 2")
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
    username = connection.get("username") or url.username
    if username:
        client.username_pw_set(str(username), str(connection.get("password") or url.password or ""))
    client.connect(url.hostname or "localhost", url.port or 1883, keepalive=30)
    client.loop_start()
    try:
        info = client.publish(
            topic, _payload(message.get("payload")), qos=qos, retain=bool(message.get("retain"))
        )
        info.wait_for_publish(timeout=_TIMEOUT)
        if not info.is_published():
            raise TimeoutError(f"the broker did not acknowledge the message to {topic!r}")
    finally:
        client.loop_stop()
        client.disconnect()
    return {"published": True, "topic": topic, "messageId": info.mid}


def publish_nats(inputs: Mapping[str, Any]) -> Any:
    """Publish `message.payload` on `message.subject`; with `message.jetStream`, as a
    JetStream publication the stream acknowledges."""
    nats = _module("nats", "nats-py")
    connection = _section(inputs, "connection")
    message = _section(inputs, "message")
    url = _url(connection, ("nats", "tls"))
    subject = _text(message, "subject", "message")
    headers = message.get("headers")
    if headers is not None and not isinstance(headers, Mapping):
        raise ConnectorError("message.headers", "must be a context")

    async def send() -> dict[str, Any]:
        options: dict[str, Any] = {"connect_timeout": _TIMEOUT, "allow_reconnect": False}
        if connection.get("username"):
            options["user"] = str(connection["username"])
            options["password"] = str(connection.get("password") or "")
        client = await nats.connect(url, **options)
        try:
            data = _payload(message.get("payload"))
            text_headers = {str(k): str(v) for k, v in (headers or {}).items()} or None
            if message.get("jetStream"):
                ack = await client.jetstream().publish(
                    subject, data, timeout=_TIMEOUT, headers=text_headers
                )
                return {"published": True, "stream": ack.stream, "sequence": ack.seq}
            await client.publish(subject, data, headers=text_headers)
            await client.flush(timeout=_TIMEOUT)
            return {"published": True, "subject": subject}
        finally:
            await client.close()

    return asyncio.run(send())


def publish_redis_stream(inputs: Mapping[str, Any]) -> Any:
    """Append `message.fields` (or `message.payload` as one `payload` field) to the stream
    `message.stream`, trimmed to about `message.maxLength` entries when given."""
    redis = _module("redis", "redis")
    connection = _section(inputs, "connection")
    message = _section(inputs, "message")
    url = _url(connection, ("redis", "rediss"))
    stream = _text(message, "stream", "message")
    fields = message.get("fields")
    if fields is None:
        fields = {"payload": _payload(message.get("payload"))}
    elif isinstance(fields, Mapping):
        fields = {
            str(k): v if isinstance(v, str | bytes) else _payload(v) for k, v in fields.items()
        }
    else:
        raise ConnectorError("message.fields", "must be a context of field names to values")
    limit = message.get("maxLength")
    client = redis.Redis.from_url(
        url,
        username=connection.get("username") or None,
        password=connection.get("password") or None,
        socket_timeout=_TIMEOUT,
        socket_connect_timeout=_TIMEOUT,
    )
    try:
        entry = client.xadd(
            stream, fields, maxlen=None if limit is None else int(limit), approximate=True
        )
    finally:
        client.close()
    return {
        "published": True,
        "stream": stream,
        "id": entry.decode() if isinstance(entry, bytes) else entry,
    }


class BrokerConnector:
    """A job worker that publishes with `publish`, resolving secrets in its inputs."""

    def __init__(self, secrets: Secrets, publish: Callable[[Mapping[str, Any]], Any]) -> None:
        self.secrets = secrets
        self.publish = publish

    def __call__(self, job: ActivatedJob) -> dict[str, Any]:
        redact = self.secrets.redact
        try:
            inputs = {
                name: self.secrets.resolve(job.variables.get(name), name)
                for name in ("authentication", "routing", "connection", "message")
            }
            outcome = self._publish(inputs)
            return conclude(job, outcome, redact)
        except (ConnectorError, SecretError) as exc:
            raise JobFailure(redact(f"{job.element_id}: {exc}"), retries=0) from None

    def _publish(self, inputs: Mapping[str, Any]) -> Outcome:
        try:
            return Outcome(response=self.publish(inputs))
        except ConnectorError:
            raise
        except Exception as exc:  # any broker client error: the publication may be retried
            return Outcome(failed=CallFailed("PUBLISH_FAILED", f"{type(exc).__name__}: {exc}"))


def broker_connectors(secrets: Secrets) -> dict[str, BrokerConnector]:
    """The broker connectors by job type."""
    return {
        RABBITMQ: BrokerConnector(secrets, publish_rabbitmq),
        MQTT: BrokerConnector(secrets, publish_mqtt),
        NATS: BrokerConnector(secrets, publish_nats),
        REDIS_STREAM: BrokerConnector(secrets, publish_redis_stream),
    }
