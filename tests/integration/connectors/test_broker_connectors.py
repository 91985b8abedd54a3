"""The broker connectors against the real brokers of this machine — RabbitMQ (5672),
Mosquitto (1883), NATS with JetStream (4222) and Redis (6379): each publication read back
by a consumer in the test. A broker that does not answer is skipped with the reason, and
fails the test under CI=true. Each test uses names of its own."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import nats
import paho.mqtt.client as mqtt
import pika
import pytest
import redis
from paho.mqtt.enums import CallbackAPIVersion

from regista.bpmn import ProcessBuilder
from regista.connectors import MQTT, NATS, RABBITMQ, REDIS_STREAM, Secrets, standard_connectors
from regista.testing import FakeClock, LocalRuntime


def reachable(port: int, name: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        reason = f"{name} is unreachable at 127.0.0.1:{port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)


@pytest.fixture
def rt() -> Iterator[LocalRuntime]:
    secrets = Secrets({"RABBIT_URI": "amqp://guest:guest@127.0.0.1:5672/%2F"})
    with LocalRuntime(FakeClock(), workers=standard_connectors(secrets)) as made:
        yield made


def publisher(job_type: str, inputs: dict[str, str], retries: int = 3) -> ProcessBuilder:
    made = ProcessBuilder("publish").start("s")
    made = made.service_task(
        "send", type=job_type, retries=retries, headers={"resultVariable": "published"}
    )
    for target, source in inputs.items():
        made = made.input(target, source)
    return made.end("e")


def run(rt: LocalRuntime, model: ProcessBuilder, **variables: Any) -> dict[str, Any]:
    rt.deploy(model)
    info = rt.instance(rt.start("publish", variables))
    assert info.status == "completed", info.incidents
    return info.variables


def test_rabbitmq_as_camunda_configures_it(rt: LocalRuntime) -> None:
    reachable(5672, "RabbitMQ")
    queue = f"regista-test-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters("amqp://guest:guest@127.0.0.1:5672/"))
    try:
        channel = connection.channel()
        channel.queue_declare(queue, auto_delete=True)
        variables = run(
            rt,
            publisher(
                RABBITMQ,
                {
                    "authentication.authType": "uri",
                    "authentication.uri": "{{secrets.RABBIT_URI}}",
                    "routing.exchange": "",
                    "routing.routingKey": f"={json.dumps(queue)}",
                    "message.body": "={order: orderId, total: 12.5}",
                    "message.properties": '={correlationId: orderId, headers: {source: "regista"}}',
                },
            ),
            orderId="o-1",
        )
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        assert method is not None
        assert json.loads(body) == {"order": "o-1", "total": 12.5}
        assert properties.correlation_id == "o-1" and properties.headers == {"source": "regista"}
        assert properties.content_type == "application/json" and properties.delivery_mode == 2
        assert variables["published"] == {"statusResult": "success"}
    finally:
        connection.close()


def test_rabbitmq_with_credentials_and_wrong_ones(rt: LocalRuntime) -> None:
    reachable(5672, "RabbitMQ")
    good = {
        "authentication.authType": "credentials",
        "authentication.userName": "guest",
        "authentication.password": "guest",
        "routing.hostName": "127.0.0.1",
        "routing.port": "=5672",
        "routing.virtualHost": "/",
        "routing.exchange": "amq.topic",
        "routing.routingKey": "regista.test",
        "message.body": "hello",
    }
    assert run(rt, publisher(RABBITMQ, good))["published"]["statusResult"] == "success"
    bad = {**good, "authentication.password": "wrong"}
    rt.deploy(publisher(RABBITMQ, bad, retries=1))
    (incident,) = rt.instance(rt.start("publish")).incidents
    assert incident.message.startswith("PUBLISH_FAILED")


def test_mqtt_publishes_with_the_brokers_ack(rt: LocalRuntime) -> None:
    reachable(1883, "Mosquitto")
    topic = f"regista/test/{uuid.uuid4().hex[:8]}"
    got: list[bytes] = []
    arrived = threading.Event()
    subscribed = threading.Event()
    consumer = mqtt.Client(CallbackAPIVersion.VERSION2)
    consumer.on_subscribe = lambda *args: subscribed.set()

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        got.append(message.payload)
        arrived.set()

    consumer.on_message = on_message
    consumer.connect("127.0.0.1", 1883)
    consumer.loop_start()
    try:
        consumer.subscribe(topic, qos=1)
        assert subscribed.wait(30)
        variables = run(
            rt,
            publisher(
                MQTT,
                {
                    "connection.url": "mqtt://127.0.0.1:1883",
                    "message.topic": f"={json.dumps(topic)}",
                    "message.payload": "={reading: 21.5}",
                    "message.qos": "=1",
                },
            ),
        )
        assert arrived.wait(30)
        assert json.loads(got[0]) == {"reading": 21.5}
        assert variables["published"]["topic"] == topic
    finally:
        consumer.loop_stop()
        consumer.disconnect()


def test_nats_and_jetstream(rt: LocalRuntime) -> None:
    reachable(4222, "NATS")
    name = f"regista_{uuid.uuid4().hex[:8]}"

    async def prepare() -> None:
        client = await nats.connect("nats://127.0.0.1:4222")
        await client.jetstream().add_stream(name=name, subjects=[f"{name}.>"])
        await client.close()

    async def read() -> list[bytes]:
        client = await nats.connect("nats://127.0.0.1:4222")
        try:
            subscription = await client.jetstream().pull_subscribe(f"{name}.>", durable="reader")
            messages = await subscription.fetch(2, timeout=30)
            return [m.data for m in messages]
        finally:
            await client.jetstream().delete_stream(name)
            await client.close()

    asyncio.run(prepare())
    stream = run(
        rt,
        publisher(
            NATS,
            {
                "connection.url": "nats://127.0.0.1:4222",
                "message.subject": f"={json.dumps(name + '.orders')}",
                "message.payload": "={id: 1}",
                "message.jetStream": "=true",
            },
        ),
    )
    assert stream["published"]["stream"] == name and stream["published"]["sequence"] == 1
    plain = run(
        rt,
        publisher(
            NATS,
            {
                "connection.url": "nats://127.0.0.1:4222",
                "message.subject": f"={json.dumps(name + '.plain')}",
                "message.payload": "just text",
            },
        ),
    )
    assert plain["published"]["subject"] == f"{name}.plain"
    assert sorted(asyncio.run(read())) == [b"just text", b'{"id":1}']


def test_redis_streams(rt: LocalRuntime) -> None:
    reachable(6379, "Redis")
    stream = f"regista-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url("redis://127.0.0.1:6379")
    try:
        variables = run(
            rt,
            publisher(
                REDIS_STREAM,
                {
                    "connection.url": "redis://127.0.0.1:6379",
                    "message.stream": f"={json.dumps(stream)}",
                    "message.fields": "={order: orderId, lines: [1, 2]}",
                    "message.maxLength": "=1000",
                },
            ),
            orderId="o-5",
        )
        entries: Any = client.xrange(stream)
        ((entry_id, fields),) = entries
        assert fields == {b"order": b"o-5", b"lines": b"[1,2]"}
        assert variables["published"]["id"] == entry_id.decode()
    finally:
        client.delete(stream)
        client.close()


def test_a_missing_setting_names_the_field(rt: LocalRuntime) -> None:
    # computed as null (a missing mapping is refused at deployment already)
    rt.deploy(publisher(MQTT, {"message.topic": "t", "connection.url": "=noSuchUrl"}))
    (incident,) = rt.instance(rt.start("publish")).incidents
    assert "connection.url: is missing" in incident.message
