"""Inbound broker connectors against the machine's real brokers: messages on a RabbitMQ
queue, a Redis stream, a NATS JetStream subject and an MQTT topic start instances or reach
waiting ones, as the models' properties declare, on a durable SQLite runtime. A message
whose publication was committed but not acknowledged (a crash between the two) is
delivered again by the broker and recognised: exactly one publication."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import nats
import paho.mqtt.client as mqtt
import pika
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from regista.bpmn import ProcessBuilder
from regista.client import Client
from regista.connectors import Secrets
from regista.connectors.consumers import InboundMessage
from regista.connectors.declarations import Declaration
from regista.connectors.inbound import InboundConnectors
from testkit import wait_until

RABBIT = "amqp://guest:guest@127.0.0.1:5672/%2F"


def reachable(port: int, name: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        reason = f"{name} is unreachable at 127.0.0.1:{port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[Client]:
    with Client(f"sqlite:///{tmp_path / 'inbound.db'}") as made:
        yield made


@pytest.fixture
def inbound(client: Client) -> Iterator[InboundConnectors]:
    made = InboundConnectors(
        client.shell, Secrets({"RABBIT": RABBIT}), node_name="test", restart_after=0.2
    )
    yield made
    made.stop()


def started(client: Client, process_id: str) -> list[str]:
    return [i.id for i in client.instances(process_id=process_id)]


def rabbit_starts(queue: str) -> ProcessBuilder:
    return (
        ProcessBuilder("from-rabbit")
        .start("received", message="order-received")
        .property("inbound.type", "io.camunda:connector-rabbitmq-inbound:1")
        .property("inbound.authentication.authType", "uri")
        .property("inbound.authentication.uri", "{{secrets.RABBIT}}")
        .property("inbound.queueName", queue)
        .property(
            "resultExpression", "={orderId: message.body.id, source: message.properties.routingKey}"
        )
        .user_task("handle")
        .end("e")
    )


def test_rabbitmq_messages_start_instances_once_each_even_when_delivered_again(
    client: Client, inbound: InboundConnectors
) -> None:
    reachable(5672, "RabbitMQ")
    queue = f"regista-in-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(RABBIT))
    channel = connection.channel()
    channel.queue_declare(queue, auto_delete=False)
    crashes = {"left": 1}
    handle = inbound.handle

    def commit_then_crash(declaration: Declaration, message: InboundMessage) -> None:
        handle(declaration, message)  # committed ...
        if crashes["left"]:
            crashes["left"] -= 1
            raise ConnectionError("the node died before it acknowledged")  # ... not acked

    inbound.handle = commit_then_crash  # type: ignore[method-assign]
    try:
        client.deploy(rabbit_starts(queue))
        inbound.reconcile()
        assert [d.element_id for d in inbound.consumers()] == ["received"]
        for n in (1, 2):
            channel.basic_publish(
                "",
                queue,
                json.dumps({"id": f"o-{n}"}).encode(),
                pika.BasicProperties(message_id=f"msg-{n}", content_type="application/json"),
            )
        wait_until(lambda: len(started(client, "from-rabbit")) == 2, 60, what="two instances")
        wait_until(
            lambda: channel.queue_declare(queue, passive=True).method.message_count == 0,
            60,
            what="the queue to be empty",
        )
        orders = sorted(
            client.instance(i).variables["orderId"] for i in started(client, "from-rabbit")
        )
        assert orders == ["o-1", "o-2"]
        assert crashes["left"] == 0  # the first was delivered twice and published once
        assert len(started(client, "from-rabbit")) == 2
    finally:
        channel.queue_delete(queue)
        connection.close()


def test_redis_stream_entries_reach_waiting_instances(
    client: Client, inbound: InboundConnectors
) -> None:
    reachable(6379, "Redis")
    stream = f"regista-in-{uuid.uuid4().hex[:8]}"
    model = (
        ProcessBuilder("awaits-scan")
        .start("s")
        .catch("scanned", message="parcel-scanned", correlation_key="=parcel")
        .property("inbound.type", "io.regista:redis-stream-inbound:1")
        .property("inbound.connection.url", "redis://127.0.0.1:6379")
        .property("inbound.stream", stream)
        .property("correlationKeyExpression", "=message.body.parcel")
        .property("resultExpression", "={depot: message.body.depot}")
        .end("e")
    )
    r = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        client.deploy(model)
        waiting = client.start("awaits-scan", {"parcel": "P-7"})
        inbound.reconcile()
        r.xadd(stream, {"payload": json.dumps({"parcel": "P-7", "depot": "Lyon"})})
        wait_until(lambda: client.instance(waiting).status == "completed", 60, what="the scan")
        assert client.instance(waiting).variables["depot"] == "Lyon"
        wait_until(lambda: r.xpending(stream, "regista")["pending"] == 0, 60, what="the ack")
    finally:
        r.delete(stream)
        r.close()


def test_nats_jetstream_messages_start_instances(
    client: Client, inbound: InboundConnectors
) -> None:
    reachable(4222, "NATS")
    name = f"regista_in_{uuid.uuid4().hex[:8]}"

    async def prepare() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.jetstream().add_stream(name=name, subjects=[f"{name}.>"])
        await nc.close()

    async def publish() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.jetstream().publish(f"{name}.orders", b'{"id": "n-1"}')
        await nc.close()

    async def remove() -> None:
        nc = await nats.connect("nats://127.0.0.1:4222")
        await nc.jetstream().delete_stream(name)
        await nc.close()

    asyncio.run(prepare())
    try:
        client.deploy(
            ProcessBuilder("from-nats")
            .start("received", message="nats-order")
            .property("inbound.type", "io.regista:nats-inbound:1")
            .property("inbound.connection.url", "nats://127.0.0.1:4222")
            .property("inbound.subject", f"{name}.>")
            .property("inbound.stream", name)
            .property("resultExpression", "={orderId: message.body.id}")
            .user_task("t")
            .end("e")
        )
        inbound.reconcile()
        asyncio.run(publish())
        wait_until(lambda: len(started(client, "from-nats")) == 1, 60, what="the instance")
        (iid,) = started(client, "from-nats")
        assert client.instance(iid).variables["orderId"] == "n-1"
    finally:
        inbound.stop()
        asyncio.run(remove())


def test_mqtt_messages_start_instances(client: Client, inbound: InboundConnectors) -> None:
    reachable(1883, "Mosquitto")
    topic = f"regista/in/{uuid.uuid4().hex[:8]}"
    client.deploy(
        ProcessBuilder("from-mqtt")
        .start("received", message="reading")
        .property("inbound.type", "io.regista:mqtt-inbound:1")
        .property("inbound.connection.url", "mqtt://127.0.0.1:1883")
        .property("inbound.topic", topic)
        .property("activationCondition", "=message.body.celsius > 30")
        .property("resultExpression", "={celsius: message.body.celsius}")
        .user_task("cool-down")
        .end("e")
    )
    inbound.reconcile()
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    try:
        delivered = threading.Event()

        def hot_one_started() -> bool:
            # the subscription is made asynchronously: publish until the hot reading lands
            if not delivered.is_set():
                publisher.publish(topic, json.dumps({"celsius": 12}), qos=1).wait_for_publish(10)
                publisher.publish(topic, json.dumps({"celsius": 35}), qos=1).wait_for_publish(10)
            return bool(started(client, "from-mqtt"))

        wait_until(hot_one_started, 60, what="a hot reading to start an instance")
        delivered.set()
        values = {client.instance(i).variables["celsius"] for i in started(client, "from-mqtt")}
        assert values == {35}  # the cool readings did not meet the activation condition
    finally:
        publisher.loop_stop()
        publisher.disconnect()
