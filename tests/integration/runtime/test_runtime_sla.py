"""SLA breaches and alerts through the durable runtime on SQLite and PostgreSQL: the node's
scheduler fires the SLA timer on the fake clock, the breach is in the history chain and
the breach table, and its alert reaches a real local HTTP receiver — one that is down at
first gets retries with back-off and loses nothing — and e-mail reaches a real local SMTP
server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import email
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from runtimekit import Database, Harness, uid

from regista.bpmn import ProcessBuilder
from regista.runtime import monitoring
from regista.runtime.alerts import INCIDENT_RAISED, SLA_BREACH
from regista.runtime.dispatcher import AlertOptions
from regista.runtime.node import Node, NodeOptions
from regista.store import AlertSubscription
from serving import free_port

pytest_plugins = ["runtimefixtures"]

SECRET = "hook-secret"


def reviewed() -> ProcessBuilder:
    return (
        ProcessBuilder("reviewed")
        .start("s")
        .user_task("review")
        .property("regista.sla", "PT1H")
        .end("e")
    )


@dataclass
class Receiver:
    """A real HTTP server in a thread that records what it is sent."""

    port: int
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    server: HTTPServer | None = None

    def start(self) -> None:
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver(free_port())
    yield made
    made.stop()


def subscribe(h: Harness, kind: str, channel: str, target: str) -> None:
    with h.store.transaction() as tx:
        tx.insert_alert_subscription(
            AlertSubscription(
                id=uid("sub-"),
                event_kind=kind,
                channel=channel,  # type: ignore[arg-type]
                target=target,
                secret=SECRET if channel == "webhook" else None,
                created_at=h.clock(),
                created_by="test",
            )
        )


def test_a_breach_alerts_a_receiver_that_is_down_at_first(db: Database, receiver: Receiver) -> None:
    options = NodeOptions(alerts=AlertOptions(backoff_base=30, timeout=5))
    h = Harness(db, node_options=options)
    try:
        h.client.deploy(reviewed())
        subscribe(h, SLA_BREACH, "webhook", f"http://127.0.0.1:{receiver.port}/alerts")
        instance = h.client.start("reviewed")
        h.advance("PT59M")
        assert "sla_breached" not in h.kinds(instance)
        h.advance("PT1M")
        assert h.kinds(instance).count("sla_breached") == 1
        assert h.client.verify_audit(instance) is None  # the breach is chained like the rest
        with h.store.transaction(write=False) as tx:
            breaches = tx.sla_breaches(instance_id=instance)
        assert [(b.kind, b.element_id) for b in breaches] == [("element", "review")]

        dispatcher = h.node.alerts
        assert dispatcher.run_due() == (0, 1)  # nobody listens yet
        with h.store.transaction(write=False) as tx:
            (pending,) = tx.alert_deliveries()
        assert (pending.status, pending.attempts) == ("pending", 1)
        assert pending.last_error and "ConnectError" in pending.last_error
        assert pending.due_at == h.clock() + dt.timedelta(seconds=30)

        receiver.start()
        assert dispatcher.run_due() == (0, 0)  # not due again yet
        h.clock.advance("PT30S")
        assert dispatcher.run_due() == (1, 0)
        assert dispatcher.run_due() == (0, 0)  # delivered once

        ((headers, body),) = receiver.received
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["x-regista-signature"] == f"sha256={expected}"
        assert headers["x-regista-event"] == SLA_BREACH
        alert = json.loads(body)
        assert alert["kind"] == SLA_BREACH and alert["instance_id"] == instance
        assert alert["element_id"] == "review" and alert["target_seconds"] == 3600
        with h.store.transaction(write=False) as tx:
            (done,) = tx.alert_deliveries()
        assert (done.status, done.attempts, done.id) == ("delivered", 2, alert["id"])
        h.clock.advance("P6D")
        assert dispatcher.purge() == 0  # kept for a week once delivered
        h.clock.advance("P1DT1S")
        assert dispatcher.purge() == 1
        with h.store.transaction(write=False) as tx:
            assert tx.alert_deliveries() == []
    finally:
        h.close()


def test_a_breach_fires_once_across_two_nodes(db: Database) -> None:
    h = Harness(db)
    other = Node(h.db.open_store(), node_id=uid("other-"), clock=h.clock)
    try:
        h.client.deploy(reviewed())
        instances = [h.client.start("reviewed") for _ in range(5)]
        h.clock.advance("PT2H")
        other.run_until_idle()
        h.run()
        with h.store.transaction(write=False) as tx:
            breaches = tx.sla_breaches()
        assert sorted(b.instance_id for b in breaches) == sorted(instances)
        assert all(h.kinds(i).count("sla_breached") == 1 for i in instances)
    finally:
        other.close()
        other.store.close()
        h.close()


@dataclass
class Mailbox:
    received: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append(email.message_from_bytes(content))
        return "250 OK"


def test_an_incident_is_mailed_over_smtp(db: Database) -> None:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    alerts = AlertOptions(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    h = Harness(db, node_options=NodeOptions(alerts=alerts))
    try:
        failing = (
            ProcessBuilder("failing").start("s").exclusive_gateway("g").condition("=false").end("e")
        )
        h.client.deploy(failing)
        subscribe(h, INCIDENT_RAISED, "email", "ops@example.com")
        instance = h.client.start("failing")
        assert h.node.alerts.run_due() == (1, 0)
        (mail,) = mailbox.received
        assert mail["To"] == "ops@example.com"
        assert INCIDENT_RAISED in str(mail["Subject"]) and instance in str(mail["Subject"])
        payload = json.loads(mail.get_payload(decode=True))  # type: ignore[arg-type]
        assert payload["instance_id"] == instance and payload["element_id"] == "g"
    finally:
        h.close()
        controller.stop()


def test_targets_set_through_the_api_at_risk_and_pages_of_breaches(db: Database) -> None:
    h = Harness(db)
    try:
        (deployed,) = h.client.deploy(reviewed())
        found = monitoring.set_targets(
            h.client.shell,
            deployed.definition_id,
            instance="PT2H",
            elements={"review": "PT30M"},
        )
        assert found.overrides == {
            "reviewed": dt.timedelta(hours=2),
            "review": dt.timedelta(minutes=30),
        }
        assert found.model == {"review": dt.timedelta(hours=1)}
        first = h.client.start("reviewed")
        h.advance("PT10M")
        second = h.client.start("reviewed")
        h.advance("PT15M")  # first: 25 of 30 min used; second: 15 of 30
        risky = monitoring.find_at_risk(h.client.shell, share=0.8)
        assert [(r.instance_id, r.element_id, r.used) for r in risky] == [
            (first, "review", round(25 / 30, 4))
        ]
        both = monitoring.find_at_risk(h.client.shell, share=0.5)
        assert [r.instance_id for r in both] == [first, second]
        h.advance("PT20M")  # both steps breached
        page = monitoring.breaches(h.client.shell, process_id="reviewed", limit=1)
        assert [b.instance_id for b in page] == [first]
        after = (page[0].breached_at, page[0].id)
        rest = monitoring.breaches(h.client.shell, process_id="reviewed", after=after)
        assert [b.instance_id for b in rest] == [second]
        # both done: the instances' own deadlines go, and retention takes their breaches
        for instance in (first, second):
            h.client.complete_task(h.client.tasks(instance_id=instance)[0].id, {})
        h.advance("PT3H")
        assert len(monitoring.breaches(h.client.shell)) == 2  # no instance breach
        assert h.node.prune_history(dt.timedelta(hours=1)).instances == 2
        assert monitoring.breaches(h.client.shell) == []
    finally:
        h.close()
