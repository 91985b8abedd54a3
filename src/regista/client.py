"""The Python client of a durable Regista database.

    >>> from regista import Client
    >>> client = Client("sqlite:///regista.db")                     # doctest: +SKIP
    >>> client.deploy("order.bpmn")                                 # doctest: +SKIP
    >>> iid = client.start("order", {"amount": 120}, idempotency_key="order-42")  # doctest: +SKIP
    >>> client.correlate("payment received", key="order-42")        # doctest: +SKIP
    >>> client.instance(iid).status                                 # doctest: +SKIP

Every request is one transaction on the database (`regista.runtime.shell`); the work that
follows — service tasks, timers, messages thrown by the models — is done by engine nodes
(`regista engine`, or `regista.runtime.node.Node` in-process) sharing the same database.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

from regista.engine import ENDED, Activate
from regista.runtime.definitions import Deployed, Source, flatten_sources
from regista.runtime.errors import NotFoundError, RequestError
from regista.runtime.messages import Correlation
from regista.runtime.options import RuntimeOptions
from regista.runtime.retention import cutoff, prune
from regista.runtime.shell import Clock, Shell
from regista.runtime.user_tasks import TaskUpdate
from regista.runtime.views import (
    IncidentInfo,
    InstanceInfo,
    TaskInfo,
    incident_info,
    instance_info,
    read_instance,
    task_info,
)
from regista.settings import Settings
from regista.store import (
    BrokenLink,
    Definition,
    HistoryEvent,
    HistoryHead,
    Pruned,
    Store,
    open_store,
)

__all__ = [
    "Activate",
    "Client",
    "Correlation",
    "Deployed",
    "IncidentInfo",
    "InstanceInfo",
    "NotFoundError",
    "Pruned",
    "RequestError",
    "TaskInfo",
    "TaskUpdate",
]


class Client:
    """Deploy, start, correlate, signal, complete user tasks, cancel, modify, migrate,
    resolve incidents and query instances of one database.

    `database` is a URL (`sqlite:///regista.db`, `postgresql://...`), `Settings`, or an
    open `Store` (then the caller closes it); None reads `REGISTA_DATABASE_URL`. Whether a
    model's Python runs is recorded with its deployment (`deploy(trusted=...)`); `clock`
    replaces the system clock (tests).
    """

    def __init__(
        self,
        database: str | Settings | Store | None = None,
        *,
        options: RuntimeOptions | None = None,
        clock: Clock | None = None,
    ) -> None:
        settings: Settings | None = None
        if database is None or isinstance(database, str | Settings):
            settings = (
                database
                if isinstance(database, Settings)
                else Settings.from_env(database_url=database)
            )
            store = open_store(settings)
            self._owns_store = True
        else:
            store = database
            self._owns_store = False
        if options is None:
            options = RuntimeOptions.from_settings(settings) if settings else RuntimeOptions()
        self.shell = Shell(store, options=options, clock=clock)

    @property
    def store(self) -> Store:
        return self.shell.store

    def close(self) -> None:
        """Release the database connections (when the client opened them)."""
        self.shell.close()
        if self._owns_store:
            self.store.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- commands ---------------------------------------------------------------------------

    def deploy(
        self,
        *sources: Source | Iterable[Source],
        trusted: bool = False,
        full_builtins: bool = False,
        trust_key: str | None = None,
        deployed_by: str | None = None,
    ) -> list[Deployed]:
        """Deploy BPMN and DMN models (files, directories, XML, parsed models, builders).
        The same source deployed again keeps its version; a changed one (or one deployed
        with another trust) is the next version. Every problem of every model refuses the
        whole deployment (`DeploymentError`).

        `trusted` records the processes as trusted: their Python scripts and expressions
        run, with the restricted builtins unless `full_builtins`. It needs the database's
        trusted-deploy key (`trust_key`, see `regista.runtime.trust`), else `TrustRefused`.
        `deployed_by` is recorded as the deployer."""
        trust = ("full" if full_builtins else "trusted") if trusted else "untrusted"
        return self.shell.deploy(
            flatten_sources(sources), actor=deployed_by, trust=trust, trust_key=trust_key
        )

    def start(
        self,
        process_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        business_key: str | None = None,
        version: int | None = None,
        idempotency_key: str | None = None,
        start_event_id: str | None = None,
        message: str | None = None,
        actor: str | None = None,
    ) -> str:
        """Start an instance of the latest version of `process_id` (or `version`);
        returns its id. A start repeated with the same `idempotency_key` returns the
        instance the first one started. It starts at `start_event_id`, the message start
        event of `message`, the none start event, or else the conditional start event
        whose condition holds for `variables`."""
        return self.shell.start(
            process_id,
            variables,
            business_key=business_key,
            version=version,
            idempotency_key=idempotency_key,
            start_event_id=start_event_id,
            message=message,
            actor=actor,
        )

    def evaluate_conditions(
        self,
        variables: Mapping[str, Any] | None = None,
        *,
        process_id: str | None = None,
        business_key: str | None = None,
        actor: str | None = None,
    ) -> list[str]:
        """Start an instance of every process (or only `process_id`) whose conditional
        start event holds for `variables`; returns the ids of the instances started."""
        return self.shell.evaluate_conditions(
            variables, process_id=process_id, business_key=business_key, actor=actor
        )

    def correlate(
        self,
        name: str,
        key: Any = None,
        variables: Mapping[str, Any] | None = None,
        *,
        ttl: dt.timedelta | None = None,
        unique: bool | None = None,
        message_id: str | None = None,
        actor: str | None = None,
    ) -> Correlation:
        """Publish the message `name` with correlation `key`: the oldest instance waiting
        for it with that key or with no key takes it (a message without a key reaches any
        instance waiting for `name`), else the processes with a message start event of that
        name start (with `unique`, only when no active instance has `key` as business key),
        else it is kept for `ttl` (default: the runtime's `message_ttl`) for an instance
        that comes to wait for it. At most one instance consumes a message. A message with a
        `message_id` is refused (`DuplicateMessage`) while one with the same name, key and id
        still lives (its `ttl`)."""
        return self.shell.correlate(
            name, key, variables, ttl=ttl, unique=unique, message_id=message_id, actor=actor
        )

    def signal(
        self, name: str, variables: Mapping[str, Any] | None = None, *, actor: str | None = None
    ) -> list[str]:
        """Broadcast the signal `name` to every instance waiting for it and start the
        processes with a signal start event of that name; returns the instance ids."""
        return self.shell.signal(name, variables, actor=actor)

    def complete_task(
        self, task_id: str, variables: Mapping[str, Any] | None = None, *, by: str | None = None
    ) -> bool:
        """Complete a user task as the user `by`; False if it was already completed."""
        return self.shell.complete_user_task(task_id, variables, by=by)

    def assign_task(
        self,
        task_id: str,
        assignee: str | None,
        *,
        actor: str | None = None,
        allow_override: bool = True,
    ) -> str:
        """Assign a user task (None: unassign) as `actor`; returns what happened
        ("claimed", "assigned", "delegated", "unclaimed" or "unchanged")."""
        return self.shell.assign_user_task(
            task_id, assignee, actor=actor, allow_override=allow_override
        )

    def update_task(
        self, task_id: str, changes: TaskUpdate, *, actor: str | None = None
    ) -> TaskInfo:
        """Change the due or follow-up date, the candidates or the priority of a task."""
        return task_info(self.shell.update_user_task(task_id, changes, actor=actor))

    def trigger(
        self,
        instance_id: str,
        element_id: str,
        variables: Mapping[str, Any] | None = None,
        *,
        actor: str | None = None,
    ) -> None:
        """Trigger a receive task without a message (a plain wait state, like Camunda 7's
        `signal` and Flowable's `trigger`) at `element_id`: its oldest waiting token goes
        on with `variables`. Refused when nothing waits there to be triggered."""
        self.shell.trigger(instance_id, element_id, variables, actor=actor)

    def cancel(self, instance_id: str, reason: str = "", *, actor: str | None = None) -> None:
        """Cancel an instance and the instances its call activities started."""
        self.shell.cancel(instance_id, reason, actor=actor)

    def modify(
        self,
        instance_id: str,
        *,
        activate: Sequence[Activate] = (),
        terminate: Sequence[str] = (),
        actor: str | None = None,
    ) -> None:
        """Move tokens of a running instance: activate elements (`Activate(element_id,
        variables, ancestor)`), then terminate element instances (by id, or every running
        instance of an element id). A subprocess or instance left with nothing running is
        terminated. Refused with the reason, changing nothing, when an instruction cannot
        apply."""
        self.shell.modify(instance_id, activate=activate, terminate=terminate, actor=actor)

    def migrate(
        self,
        instance_id: str,
        *,
        version: int | None = None,
        mappings: Mapping[str, str] | None = None,
        actor: str | None = None,
    ) -> int:
        """Move a running instance to another version of its process (the latest unless
        `version`): each running element becomes the element of the same id, or the one
        `mappings` names (old id -> new id), of the same type and scope; its jobs, user
        tasks and timers carry on. Refused with the reason, changing nothing, when that
        cannot be (see `regista.engine.migration`). Returns the version it now runs."""
        return self.shell.migrate(instance_id, version=version, mappings=mappings, actor=actor)

    def set_variables(
        self,
        instance_id: str,
        variables: Mapping[str, Any],
        *,
        scope_id: str | None = None,
        actor: str | None = None,
    ) -> None:
        """Set variables of an instance (its root scope by default)."""
        self.shell.set_variables(instance_id, variables, scope_id=scope_id, actor=actor)

    def resolve_incident(self, incident_id: str, *, actor: str | None = None) -> bool:
        """Resolve an incident: what failed runs again (a failed job gets its retries).
        False when it was resolved already (nothing done)."""
        return self.shell.resolve_incident(incident_id, actor=actor)

    def prune_history(self, older_than: dt.timedelta, *, batch: int = 100) -> Pruned:
        """Remove the instances that ended longer ago than `older_than`, with their
        history, jobs, user tasks and incidents, `batch` per transaction (see
        `regista.runtime.retention`); the audit trail of every other instance still
        verifies."""
        return prune(
            self.store,
            ended_before=cutoff(self.shell.now(), older_than),
            batch=batch,
            guard=self.shell.writing,
        )

    # -- queries ----------------------------------------------------------------------------

    def instance(self, instance_id: str) -> InstanceInfo:
        """A snapshot of the instance."""
        with self.store.transaction(write=False) as tx:
            return read_instance(tx, self.shell.models, instance_id)

    def instances(
        self,
        *,
        status: str | None = None,
        process_id: str | None = None,
        business_key: str | None = None,
        parent_id: str | None = None,
        limit: int = 100,
    ) -> list[InstanceInfo]:
        """Instances, oldest first (open incidents not included; see `instance`)."""
        with self.store.transaction(write=False) as tx:
            rows = tx.list_instances(
                status=status,
                process_id=process_id,
                business_key=business_key,
                parent_instance_id=parent_id,
                limit=limit,
            )
            return [
                instance_info(row, [], version=self.shell.models.get(tx, row.definition_id).version)
                for row in rows
            ]

    def tasks(
        self,
        *,
        instance_id: str | None = None,
        assignee: str | None = None,
        candidate_user: str | None = None,
        candidate_group: str | None = None,
        limit: int = 100,
    ) -> list[TaskInfo]:
        """Open user tasks, oldest first."""
        with self.store.transaction(write=False) as tx:
            tasks = tx.list_open_user_tasks(
                assignee=assignee,
                candidate_user=candidate_user,
                candidate_group=candidate_group,
                instance_id=instance_id,
                limit=limit,
            )
            return [task_info(t) for t in tasks]

    def incidents(self, *, instance_id: str | None = None, limit: int = 100) -> list[IncidentInfo]:
        """Open incidents, oldest first."""
        with self.store.transaction(write=False) as tx:
            found = tx.list_open_incidents(instance_id=instance_id, limit=limit)
            return [incident_info(i) for i in found]

    def history(self, instance_id: str) -> list[HistoryEvent]:
        """The audit trail of the instance, in order."""
        with self.store.transaction(write=False) as tx:
            return tx.history(instance_id)

    def definitions(self, process_id: str | None = None) -> list[Definition]:
        """Deployed definition versions (of one process, or all)."""
        with self.store.transaction(write=False) as tx:
            return tx.list_definitions(process_id)

    def verify_audit(self, instance_id: str | None = None) -> BrokenLink | None:
        """Check the history hash chains and their recorded heads (of one instance, or all):
        None when every chain verifies, else the first broken link."""
        return self.store.verify_chain(instance_id)

    def audit_history(
        self,
        instance_id: str | None = None,
        anchor: Mapping[str, HistoryHead] | None = None,
        *,
        limit: int = 100,
    ) -> list[BrokenLink]:
        """Every problem of the audit trail (up to `limit`): altered events, gaps, deleted
        tails or instances, and with `anchor` (a checkpoint's heads) any change since."""
        return self.store.audit_history(instance_id, anchor, limit=limit)

    def history_heads(self) -> list[HistoryHead]:
        """The head of every instance's history chain: what an anchor records."""
        return self.store.history_heads()

    def wait(
        self,
        instance_id: str,
        *,
        timeout: float = 30.0,
        statuses: Collection[str] = ENDED,
        interval: float = 0.02,
    ) -> InstanceInfo:
        """Poll until the instance reaches one of `statuses` (ended, by default); raises
        `TimeoutError` with where it waits otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.instance(instance_id)
            if info.status in statuses:
                return info
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"instance {instance_id} is still {info.status} after {timeout:g} s "
                    f"(waiting at: {', '.join(info.active) or 'nothing'})"
                )
            time.sleep(interval)
