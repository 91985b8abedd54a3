"""Sending the alert outbox (`regista.runtime.alerts`): webhooks and e-mail, retried with
exponential back-off until delivered.

The dispatcher leases due deliveries (each lease counts an attempt and makes the delivery
due again when it runs out, so nothing is lost when a node dies while sending), sends each
outside any transaction, and records the outcome fenced by the attempt: delivered, or
failed and due again after `backoff(attempt)`. A delivery is kept until it is delivered.

A webhook is a JSON POST of the alert; the header `X-Regista-Signature` holds
`sha256=<hex>`, the HMAC-SHA256 of the exact body under the subscription's secret
(`X-Regista-Event` names the kind, `X-Regista-Delivery` the delivery id, the same on every
retry so that a receiver can drop duplicates). Any 2xx answer counts as delivered. An
e-mail goes through the SMTP server of `AlertOptions` (stdlib `smtplib`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal, Protocol

import httpx

from regista.runtime.shell import Shell
from regista.store import AlertDelivery, StoreError

__all__ = [
    "AlertDispatcher",
    "AlertOptions",
    "EmailSender",
    "Sender",
    "WebhookSender",
    "body_of",
    "sign",
]

log = logging.getLogger("regista.runtime")


@dataclass(frozen=True, slots=True)
class AlertOptions:
    """How alerts are sent: the SMTP server (`smtp_host` unset: e-mail alerts wait, retried,
    until one is configured), `timeout` seconds per attempt, back-off from `backoff_base`
    seconds doubling up to `backoff_cap`; deliveries leased for `lease` seconds; delivered
    ones kept for `keep_delivered`, then purged by the node's housekeeping."""

    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "regista@localhost"
    timeout: float = 10.0
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0
    lease: float = 60.0
    batch: int = 50
    poll_interval: float = 1.0
    keep_delivered: dt.timedelta = dt.timedelta(days=7)

    @staticmethod
    def from_env(env: Mapping[str, str]) -> AlertOptions:
        """Read `REGISTA_SMTP_HOST`, `_PORT`, `_SECURITY` (none, starttls, ssl), `_USER`,
        `_PASSWORD` and `_FROM`; a bad value raises `ValueError` naming the variable."""
        security = env.get("REGISTA_SMTP_SECURITY", "starttls").lower()
        if security not in ("none", "starttls", "ssl"):
            raise ValueError(f"REGISTA_SMTP_SECURITY={security!r}: use none, starttls or ssl")
        port_text = env.get("REGISTA_SMTP_PORT", "465" if security == "ssl" else "587")
        try:
            port = int(port_text)
        except ValueError:
            raise ValueError(f"REGISTA_SMTP_PORT={port_text!r} is not a port number") from None
        return AlertOptions(
            smtp_host=env.get("REGISTA_SMTP_HOST") or None,
            smtp_port=port,
            smtp_security=security,  # type: ignore[arg-type]  # checked above
            smtp_user=env.get("REGISTA_SMTP_USER") or None,
            smtp_password=env.get("REGISTA_SMTP_PASSWORD") or None,
            smtp_from=env.get("REGISTA_SMTP_FROM") or "regista@localhost",
        )

    def backoff(self, attempt: int) -> dt.timedelta:
        """How long to wait after the failed attempt number `attempt` (1, 2, ...)."""
        seconds = self.backoff_base * 2 ** max(attempt - 1, 0)
        return dt.timedelta(seconds=min(seconds, self.backoff_cap))


def body_of(delivery: AlertDelivery) -> bytes:
    """The exact bytes sent (and signed) for a delivery."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, body: bytes) -> str:
    """The signature header value of a body: `sha256=` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Sender(Protocol):
    """Sends one delivery; raises with a message saying what went wrong."""

    def __call__(self, delivery: AlertDelivery) -> None: ...


class WebhookSender:
    """POSTs the alert as JSON, signed when the subscription has a secret."""

    def __init__(self, timeout: float = 10.0, transport: httpx.BaseTransport | None = None):
        self.client = httpx.Client(timeout=timeout, transport=transport)

    def __call__(self, delivery: AlertDelivery) -> None:
        body = body_of(delivery)
        headers = {
            "content-type": "application/json",
            "user-agent": "regista-alerts",
            "x-regista-event": delivery.event_kind,
            "x-regista-delivery": delivery.id,
        }
        if delivery.secret:
            headers["x-regista-signature"] = sign(delivery.secret, body)
        answer = self.client.post(delivery.target, content=body, headers=headers)
        if not 200 <= answer.status_code < 300:
            raise RuntimeError(f"{delivery.target} answered HTTP {answer.status_code}")

    def close(self) -> None:
        self.client.close()


class EmailSender:
    """Sends the alert as a plain-text e-mail over SMTP."""

    def __init__(self, options: AlertOptions) -> None:
        self.options = options

    def __call__(self, delivery: AlertDelivery) -> None:
        o = self.options
        if not o.smtp_host:
            raise RuntimeError("no SMTP server is configured; set REGISTA_SMTP_HOST")
        payload = delivery.payload
        message = EmailMessage()
        message["From"] = o.smtp_from
        message["To"] = delivery.target
        what = payload.get("element_id") or payload.get("process_id") or ""
        message["Subject"] = (
            f"[Regista] {delivery.event_kind}: {what} ({payload.get('instance_id', '')})"
        )
        message["X-Regista-Delivery"] = delivery.id
        message.set_content(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        smtp: smtplib.SMTP
        if o.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                o.smtp_host, o.smtp_port, timeout=o.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(o.smtp_host, o.smtp_port, timeout=o.timeout)
        with smtp:
            if o.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if o.smtp_user:
                smtp.login(o.smtp_user, o.smtp_password or "")
            smtp.send_message(message)


class AlertDispatcher:
    """Sends the due alert deliveries of one store; see the module docstring."""

    def __init__(
        self,
        shell: Shell,
        *,
        worker_id: str,
        options: AlertOptions | None = None,
        senders: Mapping[str, Callable[[AlertDelivery], None]] | None = None,
    ) -> None:
        self.shell = shell
        self.worker_id = worker_id
        self.options = options or AlertOptions()
        self._webhook: WebhookSender | None = None
        self.senders: dict[str, Callable[[AlertDelivery], None]] = dict(senders or {})
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> tuple[int, int]:
        """Send every delivery due now, in this thread; returns (delivered, failed)."""
        delivered = failed = 0
        while not self._stopping.is_set():
            o = self.options
            with self.shell.store.transaction(write=False) as tx:
                due = tx.next_alert_due()
            if due is None or due > self.shell.now():
                break  # nothing to send: no write transaction (SQLite has one writer)
            with self.shell.writing(), self.shell.store.transaction() as tx:
                batch = tx.claim_alert_deliveries(
                    self.worker_id, now=self.shell.now(), limit=o.batch, lease_seconds=o.lease
                )
            for delivery in batch:
                if self._send(delivery):
                    delivered += 1
                else:
                    failed += 1
            if len(batch) < o.batch:
                break
        return delivered, failed

    def purge(self) -> int:
        """Remove the deliveries delivered longer ago than `keep_delivered`."""
        before = self.shell.now() - self.options.keep_delivered
        with self.shell.writing(), self.shell.store.transaction() as tx:
            return tx.purge_alert_deliveries(delivered_before=before)

    def _send(self, delivery: AlertDelivery) -> bool:
        sender = self._sender(delivery.channel)
        error: str | None = None
        try:
            if sender is None:
                raise RuntimeError(f"no sender for the channel {delivery.channel!r}")
            sender(delivery)
        except Exception as exc:  # any failure is retried: the receiver may come back
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        now = self.shell.now()
        with self.shell.writing(), self.shell.store.transaction() as tx:
            if error is None:
                tx.alert_delivered(delivery.id, attempt=delivery.attempts, now=now)
                return True
            due = now + self.options.backoff(delivery.attempts)
            tx.alert_failed(delivery.id, attempt=delivery.attempts, error=error, due_at=due)
        log.warning(
            "alert %s (%s) to %s failed (attempt %d): %s; retried at %s",
            delivery.id,
            delivery.event_kind,
            delivery.target,
            delivery.attempts,
            error,
            due.isoformat(),
        )
        return False

    def _sender(self, channel: str) -> Callable[[AlertDelivery], None] | None:
        found = self.senders.get(channel)
        if found is None and channel == "webhook":
            found = self._webhook = WebhookSender(self.options.timeout)
        elif found is None and channel == "email":
            found = EmailSender(self.options)
        if found is not None:
            self.senders[channel] = found
        return found

    def seconds_to_next(self) -> float:
        """How long to sleep: until the next delivery is due, at most `poll_interval`."""
        with self.shell.store.transaction(write=False) as tx:
            due = tx.next_alert_due()
        if due is None:
            return self.options.poll_interval
        wait = (due - self.shell.now()).total_seconds()
        return min(max(wait, 0.05), self.options.poll_interval)

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="regista-alerts", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.run_due()
                wait = self.seconds_to_next()
            except StoreError as exc:
                log.warning("the alert dispatcher cannot reach the store: %s", exc)
                wait = self.options.poll_interval * 4
            self._stopping.wait(wait)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=self.options.timeout + 5)
            self._thread = None

    def close(self) -> None:
        self.stop()
        if self._webhook is not None:
            self._webhook.close()
