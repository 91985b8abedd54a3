"""The e-mail connector: job type `io.camunda:email:1`, sending over SMTP with the inputs
Camunda's template binds: `authentication.type` (`simple` with `username` and `password`,
or `noAuth`), `data.smtpConfig.{smtpHost, smtpPort, smtpCryptographicProtocol}` (NONE,
STARTTLS or TLS — both upgrade a plain connection — or SSL from the start), and
`data.smtpAction.{from, to, cc, bcc, subject, contentType, body, htmlBody}` (PLAIN, HTML
or MULTIPART, which sends both bodies). Addresses are a list or a comma-separated text.
The response is `{sent, messageId, recipients}`.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from regista.connectors.outcome import CallFailed, ConnectorError, Outcome, conclude
from regista.connectors.secrets import SecretError, Secrets
from regista.runtime.workers import ActivatedJob, JobFailure

__all__ = ["EMAIL", "EmailConnector"]

EMAIL = "io.camunda:email:1"

_PROTOCOLS = ("NONE", "STARTTLS", "TLS", "SSL")
_CONTENT_TYPES = ("PLAIN", "HTML", "MULTIPART")


def _addresses(value: Any, field: str, *, required: bool = False) -> list[str]:
    if value is None or value == "":
        if required:
            raise ConnectorError(field, "is missing: give at least one address")
        return []
    if isinstance(value, str):
        found = [a.strip() for a in value.split(",") if a.strip()]
    elif isinstance(value, list | tuple):
        found = [str(a).strip() for a in value if str(a).strip()]
    else:
        raise ConnectorError(field, "is an address, a comma-separated text or a list")
    for address in found:
        if "@" not in address:
            raise ConnectorError(field, f"{address!r} is not an e-mail address")
    return found


def _section(value: Any, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConnectorError(field, "must be a context")
    return value


class EmailConnector:
    """Sends e-mail for `io.camunda:email:1` jobs; `timeout` bounds each SMTP exchange."""

    def __init__(self, secrets: Secrets, *, timeout: float = 30.0) -> None:
        self.secrets = secrets
        self.timeout = timeout

    def __call__(self, job: ActivatedJob) -> dict[str, Any]:
        try:
            outcome = self.call(job.variables)
        except (ConnectorError, SecretError) as exc:
            raise JobFailure(self.secrets.redact(f"{job.element_id}: {exc}"), retries=0) from None
        try:
            return conclude(job, outcome, self.secrets.redact)
        except ConnectorError as exc:
            raise JobFailure(self.secrets.redact(f"{job.element_id}: {exc}"), retries=0) from None

    def call(self, inputs: Mapping[str, Any]) -> Outcome:
        """Send the message the inputs describe."""
        data = _section(inputs.get("data"), "data")
        config = _section(
            self.secrets.resolve(data.get("smtpConfig"), "data.smtpConfig"), "data.smtpConfig"
        )
        action = _section(
            self.secrets.resolve(data.get("smtpAction"), "data.smtpAction"), "data.smtpAction"
        )
        auth = _section(
            self.secrets.resolve(inputs.get("authentication"), "authentication"), "authentication"
        )
        host = config.get("smtpHost")
        if not isinstance(host, str) or not host:
            raise ConnectorError("data.smtpConfig.smtpHost", "is missing: the SMTP server's host")
        try:
            port = int(config.get("smtpPort") or 587)
        except (TypeError, ValueError):
            raise ConnectorError("data.smtpConfig.smtpPort", "must be a port number") from None
        protocol = str(config.get("smtpCryptographicProtocol") or "NONE").upper()
        if protocol not in _PROTOCOLS:
            raise ConnectorError(
                "data.smtpConfig.smtpCryptographicProtocol",
                f"{protocol!r} is not one of {', '.join(_PROTOCOLS)}",
            )
        message = self._message(action)
        recipients = [
            *_addresses(action.get("to"), "data.smtpAction.to", required=True),
            *_addresses(action.get("cc"), "data.smtpAction.cc"),
            *_addresses(action.get("bcc"), "data.smtpAction.bcc"),
        ]
        kind = auth.get("type") or "noAuth"
        if kind not in ("simple", "noAuth"):
            raise ConnectorError("authentication.type", f"{kind!r} is not simple or noAuth")
        try:
            self._send(
                host, port, protocol, auth if kind == "simple" else None, message, recipients
            )
        except smtplib.SMTPAuthenticationError as exc:
            return Outcome(failed=CallFailed("AUTHENTICATION_FAILED", str(exc), retryable=False))
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            return Outcome(
                failed=CallFailed("RECIPIENTS_REFUSED", f"refused: {refused}", retryable=False)
            )
        except (smtplib.SMTPException, OSError) as exc:
            return Outcome(failed=CallFailed("SMTP_ERROR", f"{host}:{port}: {exc}"))
        return Outcome(
            response={"sent": True, "messageId": message["Message-ID"], "recipients": recipients}
        )

    def _message(self, action: Mapping[str, Any]) -> EmailMessage:
        sender = _addresses(action.get("from"), "data.smtpAction.from", required=True)
        message = EmailMessage()
        message["From"] = sender[0]
        message["To"] = ", ".join(_addresses(action.get("to"), "data.smtpAction.to", required=True))
        cc = _addresses(action.get("cc"), "data.smtpAction.cc")
        if cc:
            message["Cc"] = ", ".join(cc)
        message["Subject"] = str(action.get("subject") or "")
        message["Message-ID"] = make_msgid(domain=sender[0].rpartition("@")[2] or None)
        kind = str(action.get("contentType") or "PLAIN").upper()
        if kind not in _CONTENT_TYPES:
            raise ConnectorError(
                "data.smtpAction.contentType", f"{kind!r} is not one of {', '.join(_CONTENT_TYPES)}"
            )
        body = action.get("body")
        html = action.get("htmlBody")
        if kind == "HTML":
            if html is None and body is None:
                raise ConnectorError("data.smtpAction.htmlBody", "is missing for an HTML e-mail")
            message.set_content(str(html if html is not None else body), subtype="html")
        else:
            message.set_content("" if body is None else str(body))
            if kind == "MULTIPART":
                if html is None:
                    raise ConnectorError(
                        "data.smtpAction.htmlBody", "is missing for a MULTIPART e-mail"
                    )
                message.add_alternative(str(html), subtype="html")
        return message

    def _send(
        self,
        host: str,
        port: int,
        protocol: str,
        auth: Mapping[str, Any] | None,
        message: EmailMessage,
        recipients: list[str],
    ) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if protocol == "SSL":
            smtp = smtplib.SMTP_SSL(host, port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=self.timeout)
        with smtp:
            if protocol in ("STARTTLS", "TLS"):
                smtp.starttls(context=context)
            if auth is not None:
                username = auth.get("username")
                if not username:
                    raise ConnectorError(
                        "authentication.username", "is missing for simple authentication"
                    )
                smtp.login(str(username), str(auth.get("password") or ""))
            smtp.send_message(message, to_addrs=recipients)
