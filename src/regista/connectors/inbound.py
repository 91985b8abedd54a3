"""Inbound broker connectors for one engine node: the consumers the deployed models
declare (`consumers.py`), each turning its messages into message publications.

Every few seconds the node reads the latest version of each process and starts or stops
consumers to match. A message is acknowledged only after its publication is committed; a
broker that delivers it again after a crash (committed, not yet acknowledged) is
recognised by its message id — the `messageIdExpression`, else the broker's own id (a
RabbitMQ `message_id`, a Redis stream entry, a JetStream sequence) — which is remembered
for `dedupe` (a day) and then acknowledged without a second publication. A message the
model does not take (its activation condition fails, it gives no correlation key) is
logged and acknowledged; one that cannot be published now (the database does not answer)
is not, so the broker delivers it again. A consumer that fails is started again after a
pause.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass

from regista.connectors.consumers import KINDS, InboundMessage, consumer_for
from regista.connectors.declarations import Declaration, declarations
from regista.connectors.deliveries import EventRefused, deliver
from regista.connectors.secrets import Secrets
from regista.runtime.errors import DuplicateMessage
from regista.runtime.shell import Shell

__all__ = ["InboundConnectors"]

log = logging.getLogger("regista.connectors")


@dataclass
class _Running:
    declaration: Declaration
    stop: threading.Event
    thread: threading.Thread


class InboundConnectors:
    """Runs the inbound broker consumers of the deployed models for one node."""

    def __init__(
        self,
        shell: Shell,
        secrets: Secrets,
        *,
        node_name: str,
        refresh: float = 5.0,
        restart_after: float = 5.0,
        dedupe: dt.timedelta = dt.timedelta(days=1),
    ) -> None:
        self.shell = shell
        self.secrets = secrets
        self.node_name = node_name
        self.refresh = refresh
        self.restart_after = restart_after
        self.dedupe = dedupe
        self.published = 0
        self._count = threading.Lock()  # consumers handle messages from several threads
        self._running: dict[tuple[object, ...], _Running] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start watching the deployments (and so the consumers) in a thread."""
        self._thread = threading.Thread(target=self._watch, name="regista-inbound", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every consumer (each finishes the message it holds) and the watcher."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for running in self._running.values():
            running.stop.set()
        for running in self._running.values():
            running.thread.join(timeout)
        self._running.clear()

    def consumers(self) -> list[Declaration]:
        """The declarations whose consumers run now."""
        return [r.declaration for r in self._running.values()]

    def reconcile(self) -> None:
        """Start the consumers the latest models declare and stop the others."""
        with self.shell.store.transaction(write=False) as tx:
            models = self.shell.models.latest_models(tx)
        wanted = {
            (d.kind, d.process_id, d.element_id, tuple(sorted(d.properties.items()))): d
            for d in declarations(((m.process_id, m.definitions) for m in models), KINDS)
        }
        for key in [k for k in self._running if k not in wanted]:
            running = self._running.pop(key)
            running.stop.set()
            log.info(
                "inbound %s of %s stopped", running.declaration.kind, running.declaration.process_id
            )
        for key, declaration in wanted.items():
            if key not in self._running:
                stop = threading.Event()
                thread = threading.Thread(
                    target=self._consume,
                    args=(declaration, stop),
                    name=f"regista-inbound-{declaration.element_id}",
                    daemon=True,
                )
                self._running[key] = _Running(declaration, stop, thread)
                thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                self.reconcile()
            except Exception as exc:  # a database that does not answer: look again later
                log.warning("inbound connectors: cannot read the deployments: %s", exc)
            self._stop.wait(self.refresh)

    def _consume(self, declaration: Declaration, stop: threading.Event) -> None:
        name = f"regista-{declaration.process_id}-{declaration.element_id}@{self.node_name}"
        while not stop.is_set() and not self._stop.is_set():
            try:
                properties = {
                    k: str(self.secrets.resolve(v, k)) for k, v in declaration.properties.items()
                }
                consume = consumer_for(declaration.kind, properties, name)
                consume(stop, lambda message: self.handle(declaration, message))
            except Exception as exc:  # a broker away or misconfigured: say so, try again
                log.warning(
                    "inbound %s of %s/%s: %s; trying again in %gs",
                    declaration.kind,
                    declaration.process_id,
                    declaration.element_id,
                    self.secrets.redact(str(exc)),
                    self.restart_after,
                )
                stop.wait(self.restart_after)

    def handle(self, declaration: Declaration, message: InboundMessage) -> None:
        """Publish the message `message` becomes; returns when it is committed (or known
        to have been), raises when it could not be (the broker then delivers it again)."""
        try:
            delivery = deliver(
                declaration.properties,
                message.context(),
                message_name=declaration.message_name,
                starts=declaration.starts,
                event="message",
                default_id=message.id,
            )
        except EventRefused as exc:
            log.warning(
                "inbound %s of %s/%s: message dropped: %s",
                declaration.kind,
                declaration.process_id,
                declaration.element_id,
                exc.reason,
            )
            return
        try:
            done = self.shell.correlate(
                delivery.message_name,
                delivery.correlation_key,
                delivery.variables,
                ttl=delivery.ttl,
                message_id=delivery.message_id,
                dedupe=self.dedupe if delivery.message_id is not None else None,
                actor=f"inbound {declaration.kind}",
            )
        except DuplicateMessage:
            log.info("inbound message %s was published before; acknowledged", delivery.message_id)
            return
        with self._count:
            self.published += 1
        if not done.instance_ids and done.buffered_id is None:
            log.warning(
                "inbound message %r (key %r): no instance waits for it and it has no time to live",
                delivery.message_name,
                delivery.correlation_key,
            )
