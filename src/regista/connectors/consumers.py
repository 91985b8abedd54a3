"""Broker consumers for inbound connectors: each hands every message to `handle` (a RabbitMQ
consumer the messages that arrived together at once, so that their publications share a
group commit; the others one at a time), acknowledging it only when `handle` returns — so a
message whose publication was not committed (a crash, a database that does not answer) is
delivered again, and one whose publication was committed but not acknowledged is recognised
by its message id (see `inbound.py`).

RabbitMQ (`inbound.authentication.*`, `inbound.routing.*`, `inbound.queueName`), Redis
streams (`inbound.connection.url`, `inbound.stream`, `inbound.group`; entries left pending
by a consumer that stopped are claimed after `inbound.claimAfter`, PT60S), NATS JetStream
(`inbound.connection.url`, `inbound.stream`, `inbound.subject`, `inbound.durable`) and MQTT
(`inbound.connection.url`, `inbound.topic`, QoS 1, a persistent session per declaration).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from regista.connectors.outcome import ConnectorError, parse_backoff

__all__ = ["KINDS", "Consumer", "InboundMessage", "consumer_for"]

_POLL = 1.0  # seconds a consumer waits for a message before it looks at its stop flag
_WINDOW = 64  # messages a RabbitMQ consumer takes ahead and handles together


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message from a broker: its `body`, broker `headers`/properties, and the broker's
    own id for it when it has a stable one."""

    body: bytes
    headers: Mapping[str, Any] = field(default_factory=dict)
    id: str | None = None
    source: str = ""

    def context(self) -> dict[str, Any]:
        """The message as FEEL sees it: `message.{body, headers, id, source}`, a JSON body
        parsed."""
        text = self.body.decode("utf-8", "replace")
        body: Any = text
        if text.strip()[:1] in ("{", "["):
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        return {
            "message": {
                "body": body,
                "headers": dict(self.headers),
                "properties": dict(self.headers),
                "id": self.id,
                "source": self.source,
            }
        }


Handle = Callable[[InboundMessage], None]
Consumer = Callable[[threading.Event, Handle], None]
"""Runs until the event is set, handing each message to the handle."""


def _module(name: str, package: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ConnectorError(
            "inbound.type", f"needs the package {package}: pip install 'regista[connectors]'"
        ) from None


def _required(props: Mapping[str, str], name: str) -> str:
    value = props.get(name)
    if not value:
        raise ConnectorError(name, "is missing")
    return value


def _rabbitmq(props: Mapping[str, str], consumer_name: str) -> Consumer:
    pika = _module("pika", "pika")
    kind = props.get("inbound.authentication.authType") or "uri"
    if kind == "uri":
        url = _required(props, "inbound.authentication.uri")
    elif kind == "credentials":
        user = quote(_required(props, "inbound.authentication.userName"), safe="")
        password = quote(props.get("inbound.authentication.password") or "", safe="")
        host = _required(props, "inbound.routing.hostName")
        port = props.get("inbound.routing.port") or "5672"
        vhost = quote(props.get("inbound.routing.virtualHost") or "/", safe="")
        url = f"amqp://{user}:{password}@{host}:{port}/{vhost}"
    else:
        raise ConnectorError(
            "inbound.authentication.authType", f"{kind!r} is not uri or credentials"
        )
    queue = _required(props, "inbound.queueName")

    def run(stop: threading.Event, handle: Handle) -> None:
        connection = pika.BlockingConnection(pika.URLParameters(url))
        arrived: list[tuple[Any, Any, bytes]] = []
        try:
            channel = connection.channel()
            # a window of unacknowledged messages: the ones that arrived together are
            # handled together (their publications share a group commit), then each is
            # acknowledged, only after its own publication committed
            channel.basic_qos(prefetch_count=_WINDOW)
            channel.basic_consume(
                queue,
                lambda _ch, method, properties, body: arrived.append((method, properties, body)),
                auto_ack=False,
                consumer_tag=consumer_name,
            )
            with ThreadPoolExecutor(_WINDOW, thread_name_prefix=consumer_name) as pool:
                while not stop.is_set():
                    connection.process_data_events(time_limit=_POLL)
                    if not arrived:
                        continue
                    connection.process_data_events(time_limit=0)  # whatever else is here
                    batch = arrived[:]
                    arrived.clear()
                    messages = [_rabbit_message(m, p, b, queue) for m, p, b in batch]
                    failure = _handle_all(pool, handle, messages)
                    for (method, _p, _b), error in zip(batch, failure, strict=True):
                        if error is None:
                            channel.basic_ack(method.delivery_tag)
                        else:
                            channel.basic_nack(method.delivery_tag, requeue=True)
                    first = next((e for e in failure if e is not None), None)
                    if first is not None:
                        raise first
            channel.basic_cancel(consumer_name)
        finally:
            if connection.is_open:
                connection.close()

    return run


def _rabbit_message(method: Any, properties: Any, body: bytes, queue: str) -> InboundMessage:
    headers = {
        "contentType": properties.content_type,
        "correlationId": properties.correlation_id,
        "messageId": properties.message_id,
        "headers": dict(properties.headers or {}),
        "routingKey": method.routing_key,
    }
    return InboundMessage(body, headers, properties.message_id, queue)


def _handle_all(
    pool: ThreadPoolExecutor, handle: Handle, messages: list[InboundMessage]
) -> list[Exception | None]:
    """Hand each message to `handle` at once (so their publications join one group
    commit); what each raised, in order (None when it was handled)."""
    futures = None if len(messages) == 1 else [pool.submit(handle, m) for m in messages]
    outcome: list[Exception | None] = []
    for index, message in enumerate(messages):
        try:
            if futures is None:
                handle(message)
            else:
                futures[index].result()
        except Exception as exc:
            outcome.append(exc)
        else:
            outcome.append(None)
    return outcome


def _redis(props: Mapping[str, str], consumer_name: str) -> Consumer:
    redis = _module("redis", "redis")
    url = _required(props, "inbound.connection.url")
    stream = _required(props, "inbound.stream")
    group = props.get("inbound.group") or "regista"
    claim_after = parse_backoff(props.get("inbound.claimAfter") or "PT60S", "inbound.claimAfter")
    idle_ms = int((claim_after.total_seconds() if claim_after else 60) * 1000)

    def run(stop: threading.Event, handle: Handle) -> None:
        client = redis.Redis.from_url(url, socket_timeout=_POLL * 10)
        try:
            try:
                client.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise
            while not stop.is_set():
                # first what others left pending too long, then what is new
                _, claimed, *_ = client.xautoclaim(
                    stream, group, consumer_name, idle_ms, start_id="0-0", count=10
                )
                entries = list(claimed or [])
                if not entries:
                    answer = client.xreadgroup(
                        group, consumer_name, {stream: ">"}, count=10, block=int(_POLL * 1000)
                    )
                    entries = [e for _, batch in answer or [] for e in batch]
                for entry_id, fields in entries:
                    decoded = {
                        (k.decode() if isinstance(k, bytes) else str(k)): (
                            v.decode("utf-8", "replace") if isinstance(v, bytes) else v
                        )
                        for k, v in (fields or {}).items()
                    }
                    ident = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
                    body = str(decoded.get("payload", json.dumps(decoded))).encode()
                    handle(InboundMessage(body, decoded, f"{stream}:{ident}", stream))
                    client.xack(stream, group, entry_id)
        finally:
            client.close()

    return run


def _nats(props: Mapping[str, str], consumer_name: str) -> Consumer:
    nats = _module("nats", "nats-py")
    url = _required(props, "inbound.connection.url")
    subject = _required(props, "inbound.subject")
    stream = props.get("inbound.stream") or None
    # one durable consumer per declaration, shared by the nodes (they compete for its
    # messages) and kept across restarts; NATS names allow no dots or wildcards
    shared = consumer_name.split("@", 1)[0]
    durable = props.get("inbound.durable") or "".join(
        c if c.isalnum() or c in "-_" else "_" for c in shared
    )

    def run(stop: threading.Event, handle: Handle) -> None:
        async def consume() -> None:
            client = await nats.connect(url, connect_timeout=10)
            try:
                subscription = await client.jetstream().pull_subscribe(
                    subject, durable=durable, stream=stream
                )
                while not stop.is_set():
                    try:
                        messages = await subscription.fetch(10, timeout=_POLL)
                    except nats.errors.TimeoutError:
                        continue
                    for message in messages:
                        meta = message.metadata
                        ident = f"{meta.stream}:{meta.sequence.stream}"
                        incoming = InboundMessage(
                            message.data, dict(message.headers or {}), ident, message.subject
                        )
                        try:
                            await asyncio.to_thread(handle, incoming)
                        except Exception:
                            await message.nak()
                            raise
                        await message.ack()
            finally:
                await client.close()

        asyncio.run(consume())

    return run


def _mqtt(props: Mapping[str, str], consumer_name: str) -> Consumer:
    mqtt = _module("paho.mqtt.client", "paho-mqtt")
    url = urlsplit(_required(props, "inbound.connection.url"))
    topic = _required(props, "inbound.topic")
    share = consumer_name.split("@", 1)[0].replace("/", "-").replace("+", "-").replace("#", "-")

    def run(stop: threading.Event, handle: Handle) -> None:
        failed: list[BaseException] = []
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=consumer_name,
            clean_session=False,
            manual_ack=True,
        )
        if props.get("inbound.connection.username"):
            client.username_pw_set(
                props["inbound.connection.username"], props.get("inbound.connection.password")
            )

        def on_connect(
            client: Any, userdata: Any, flags: Any, reason: Any, properties: Any
        ) -> None:
            # a shared subscription: the nodes of a cluster share the messages out
            client.subscribe(f"$share/{share}/{topic}", qos=1)

        def on_message(client: Any, userdata: Any, message: Any) -> None:
            try:
                handle(
                    InboundMessage(message.payload, {"topic": message.topic}, None, message.topic)
                )
            except Exception as exc:  # not acknowledged: the broker sends it again
                failed.append(exc)
                stop.set()
                return
            client.ack(message.mid, message.qos)

        client.on_connect = on_connect
        client.on_message = on_message
        client.connect(url.hostname or "localhost", url.port or 1883, keepalive=30)
        client.loop_start()
        try:
            stop.wait()
        finally:
            client.loop_stop()
            client.disconnect()
        if failed:
            raise failed[0]

    return run


_KINDS: dict[str, Callable[[Mapping[str, str], str], Consumer]] = {
    "io.camunda:connector-rabbitmq-inbound:1": _rabbitmq,
    "io.regista:redis-stream-inbound:1": _redis,
    "io.regista:nats-inbound:1": _nats,
    "io.regista:mqtt-inbound:1": _mqtt,
}

KINDS = tuple(_KINDS)


def consumer_for(kind: str, properties: Mapping[str, str], consumer_name: str) -> Consumer:
    """The consumer an inbound declaration asks for (its properties with secrets resolved)."""
    return _KINDS[kind](properties, consumer_name)
