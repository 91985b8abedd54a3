"""The e-mail connector (`io.camunda:email:1`) against a real SMTP server (aiosmtpd, in
this test process): Camunda's inputs, plain, HTML and multipart bodies, cc and bcc, login
with a secret password, a refused login an incident at once, a server that is not there
retried."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from regista.bpmn import ProcessBuilder
from regista.connectors import EMAIL, Secrets, standard_connectors
from regista.testing import FakeClock, LocalRuntime
from serving import free_port

PASSWORD = "mail-pw-secret"


@dataclass
class Mailbox:
    """What the SMTP server received."""

    received: list[tuple[str, list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.received.append(
            (str(envelope.mail_from), list(envelope.rcpt_tos), email.message_from_bytes(content))
        )
        return "250 OK"


def check_login(
    server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login == b"ann"
        and data.password == PASSWORD.encode()
    )
    # handled=False: aiosmtpd answers 535 itself (else it sends nothing and the client waits)
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=check_login,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def rt() -> Iterator[LocalRuntime]:
    workers = standard_connectors(Secrets({"MAIL_PASSWORD": PASSWORD}))
    with LocalRuntime(FakeClock(), workers=workers) as made:
        yield made


def mail(port: int, *, auth: str = "noAuth", **action: str) -> ProcessBuilder:
    made = (
        ProcessBuilder("mail")
        .start("s")
        .service_task("send", type=EMAIL, retries=2, headers={"resultVariable": "mailed"})
        .input("authentication.type", auth)
        .input("data.smtpConfig.smtpHost", "127.0.0.1")
        .input("data.smtpConfig.smtpPort", f"={port}")
        .input("data.smtpConfig.smtpCryptographicProtocol", "NONE")
    )
    if auth == "simple":
        made = made.input("authentication.username", "ann")
        made = made.input("authentication.password", "{{secrets.MAIL_PASSWORD}}")
    for name, source in action.items():
        made = made.input(f"data.smtpAction.{name}", source)
    return made.end("e")


def test_a_plain_mail_reaches_every_recipient(rt: LocalRuntime, smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    rt.deploy(
        mail(
            port,
            **{
                "from": "orders@shop.example",
                "to": '="customer@example.org"',
                "cc": "boss@shop.example",
                "bcc": '=["audit@shop.example"]',
                "subject": '="Order " + orderId + " confirmed"',
                "body": '="Thank you for order " + orderId',
            },
        )
    )
    iid = rt.start("mail", {"orderId": "o-9"})
    info = rt.instance(iid)
    assert info.status == "completed", info.incidents
    ((sender, recipients, message),) = mailbox.received
    assert sender == "orders@shop.example"
    assert sorted(recipients) == ["audit@shop.example", "boss@shop.example", "customer@example.org"]
    assert message["Subject"] == "Order o-9 confirmed" and message["Bcc"] is None
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.decode().strip() == "Thank you for order o-9"
    assert info.variables["mailed"]["sent"] is True
    assert info.variables["mailed"]["messageId"] == message["Message-ID"]


def test_a_multipart_mail_with_login_by_a_secret(
    rt: LocalRuntime, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    rt.deploy(
        mail(
            port,
            auth="simple",
            **{
                "from": "a@shop.example",
                "to": "b@example.org, c@example.org",
                "subject": "Hello",
                "contentType": "MULTIPART",
                "body": "plain text",
                "htmlBody": "<p>html text</p>",
            },
        )
    )
    iid = rt.start("mail")
    assert rt.instance(iid).status == "completed", rt.instance(iid).incidents
    ((_, recipients, message),) = mailbox.received
    assert recipients == ["b@example.org", "c@example.org"]
    kinds = [part.get_content_type() for part in message.walk()]
    assert kinds == ["multipart/alternative", "text/plain", "text/html"]
    assert PASSWORD not in repr(rt.history(iid))


def test_a_refused_login_is_an_incident_at_once(smtp: tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    wrong = standard_connectors(Secrets({"MAIL_PASSWORD": "not-the-password"}))
    with LocalRuntime(FakeClock(), workers=wrong) as rt:
        rt.deploy(mail(port, auth="simple", **{"from": "a@x.example", "to": "b@y.example"}))
        iid = rt.start("mail")
        (incident,) = rt.instance(iid).incidents
    assert incident.element_id == "send"
    assert incident.message.startswith("AUTHENTICATION_FAILED")
    assert "not-the-password" not in incident.message
    assert not mailbox.received


def test_a_missing_host_or_recipient_names_the_field(rt: LocalRuntime) -> None:
    model = (
        ProcessBuilder("mail")
        .start("s")
        .service_task("send", type=EMAIL)
        # computed as null (a missing mapping is refused at deployment already)
        .input("data.smtpConfig.smtpHost", "=noSuchHost")
        .input("data.smtpAction.from", "a@x.example")
        .input("data.smtpAction.to", "b@y.example")
        .end("e")
    )
    rt.deploy(model)
    (incident,) = rt.instance(rt.start("mail")).incidents
    assert "data.smtpConfig.smtpHost: is missing" in incident.message


def test_a_server_that_is_not_there_is_retried_then_an_incident(rt: LocalRuntime) -> None:
    rt.deploy(mail(free_port(), **{"from": "a@x.example", "to": "b@y.example"}))
    iid = rt.start("mail")
    (incident,) = rt.instance(iid).incidents
    assert incident.message.startswith("SMTP_ERROR") and "refused" in incident.message
    failures = [e for e in rt.history(iid) if e.kind == "job_failed"]
    assert len(failures) == 2  # both tries of the model's retries="2"
