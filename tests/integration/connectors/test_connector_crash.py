"""A `regista engine` process killed (SIGKILL) while its connectors consume a RabbitMQ
queue and call an HTTP API, then started again: every message becomes exactly one
instance, and every instance's call is made (at least once) and completes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from regista.bpmn import ProcessBuilder
from regista.client import Client
from serving import serve
from testkit import wait_until

RABBIT = "amqp://guest:guest@127.0.0.1:5672/%2F"
MESSAGES = 30


def reachable(port: int, name: str) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        reason = f"{name} is unreachable at 127.0.0.1:{port} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
        pytest.skip(reason)


def model(queue: str, url: str) -> ProcessBuilder:
    return (
        ProcessBuilder("crash")
        .start("received", message="crash-order")
        .property("inbound.type", "io.camunda:connector-rabbitmq-inbound:1")
        .property("inbound.authentication.uri", "{{secrets.RABBIT}}")
        .property("inbound.queueName", queue)
        .property("resultExpression", "={orderId: message.body.id}")
        .service_task("notify", type="io.camunda:http-json:1", headers={"retryBackoff": "PT0S"})
        .input("method", "POST")
        .input("url", f'="{url}/orders"')
        .input("body", "={id: orderId}")
        .end("e")
    )


def engine(database: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "regista.cli.main", "engine", "--database-url", database],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "REGISTA_SECRET_RABBIT": RABBIT},
    )


@pytest.fixture
def orders_api() -> Iterator[tuple[Counter[str], str]]:
    calls: Counter[str] = Counter()
    app = FastAPI()

    @app.post("/orders")
    async def order(request: Request) -> JSONResponse:
        calls[(await request.json())["id"]] += 1
        return JSONResponse({"ok": True})

    with serve(app) as url:
        yield calls, url


def test_a_killed_engine_loses_no_message_and_publishes_none_twice(
    tmp_path: Path, orders_api: tuple[Counter[str], str]
) -> None:
    reachable(5672, "RabbitMQ")
    calls, url = orders_api
    database = f"sqlite:///{tmp_path / 'crash.db'}"
    queue = f"regista-crash-{uuid.uuid4().hex[:8]}"
    connection = pika.BlockingConnection(pika.URLParameters(RABBIT))
    channel = connection.channel()
    channel.queue_declare(queue)
    try:
        with Client(database) as client:
            client.deploy(model(queue, url))
        first = engine(database)
        with Client(database) as client:
            try:
                for n in range(MESSAGES):
                    channel.basic_publish(
                        "",
                        queue,
                        json.dumps({"id": f"o-{n}"}).encode(),
                        pika.BasicProperties(message_id=f"m-{n}"),
                    )
                wait_until(
                    lambda: (
                        len(client.instances(process_id="crash")) >= MESSAGES // 3
                        or first.poll() is not None
                    ),
                    120,
                    what="the first engine to take some messages",
                )
                assert first.poll() is None, first.communicate()[0]
            finally:
                first.send_signal(signal.SIGKILL)
                first.communicate(timeout=60)
            second = engine(database)
            try:

                def done() -> bool:
                    found = client.instances(process_id="crash")
                    return len(found) >= MESSAGES and all(i.status == "completed" for i in found)

                wait_until(lambda: done() or second.poll() is not None, 180, what="every order")
                assert second.poll() is None, second.communicate()[0]
            finally:
                second.send_signal(signal.SIGTERM)
                output, _ = second.communicate(timeout=60)
            assert "Traceback" not in output, output
            orders = Counter(i.variables["orderId"] for i in client.instances(process_id="crash"))
        assert orders == Counter({f"o-{n}": 1 for n in range(MESSAGES)})  # one instance each
        assert set(calls) == set(orders) and min(calls.values()) >= 1  # each call at least once
        assert channel.queue_declare(queue, passive=True).method.message_count == 0
    finally:
        channel.queue_delete(queue)
        connection.close()
