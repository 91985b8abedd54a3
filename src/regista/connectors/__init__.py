"""Connectors: in-process job workers for the task types of Camunda 8's connectors, run by
every engine node, so that retries, leases, incidents, the audit trail and the crash
guarantees apply to them unchanged.

    >>> workers = standard_connectors(Secrets.load(os.environ))     # doctest: +SKIP
    >>> node = Node(client.shell, workers)                           # doctest: +SKIP

`regista server`, `regista engine` and `regista run` register them before the user's own
workers (which win for the same type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from regista.connectors.ai import AI_CHAT, ChatConnector
from regista.connectors.brokers import MQTT, NATS, RABBITMQ, REDIS_STREAM, broker_connectors
from regista.connectors.email import EMAIL, EmailConnector
from regista.connectors.http import HTTP_JSON, HttpConnector, no_cookies
from regista.connectors.outcome import CallFailed, ConnectorError, Outcome, conclude
from regista.connectors.secrets import ENV_PREFIX, SecretError, Secrets
from regista.connectors.spans import traced_connectors
from regista.runtime.workers import Workers

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

__all__ = [
    "AI_CHAT",
    "EMAIL",
    "ENV_PREFIX",
    "HTTP_JSON",
    "MQTT",
    "NATS",
    "RABBITMQ",
    "REDIS_STREAM",
    "CallFailed",
    "ChatConnector",
    "ConnectorError",
    "EmailConnector",
    "HttpConnector",
    "Outcome",
    "SecretError",
    "Secrets",
    "conclude",
    "no_cookies",
    "standard_connectors",
]


def standard_connectors(
    secrets: Secrets, *, http: httpx.Client | None = None, tracer: Tracer | None = None
) -> Workers:
    """Every connector Regista ships, as workers by job type. The HTTP and AI connectors
    share `http` when it is given (its cookie jar then keeps nothing); without it the HTTP
    connector gives each worker thread a client of its own and the AI connector has one
    (kept for the process's life), none of them keeping cookies. With `tracer`, each call
    is an OpenTelemetry span (`regista.connectors.spans`)."""
    workers = Workers()
    workers.register(HTTP_JSON, HttpConnector(secrets, http))
    workers.register(EMAIL, EmailConnector(secrets))
    ai = http or httpx.Client(follow_redirects=True, cookies=no_cookies())
    workers.register(AI_CHAT, ChatConnector(secrets, ai))
    for job_type, connector in broker_connectors(secrets).items():
        workers.register(job_type, connector)
    return workers if tracer is None else traced_connectors(workers, tracer)
