"""SLA targets, breaches, at-risk deadlines and alert subscriptions as requests: what the
API (`/v2/process-definitions/{key}/sla`, `/v2/sla-breaches`, `/v2/sla/at-risk`,
`/v2/alert-subscriptions`) and the CLI (`regista sla`, `regista alerts`) share.

Bad input raises `RequestError` naming the field and how to fix it; an unknown key
`NotFoundError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from regista.bpmn.sla import SlaError, parse_target
from regista.feel.values import DaysTimeDuration
from regista.runtime import alerts
from regista.runtime.breaches import AtRisk, at_risk
from regista.runtime.errors import RequestError
from regista.runtime.shell import Shell
from regista.store import AlertDelivery, AlertSubscription, SlaBreach
from regista.store.alerts import Keyset

__all__ = [
    "SlaTargets",
    "add_subscription",
    "breaches",
    "deliveries",
    "duration_text",
    "find_at_risk",
    "remove_subscription",
    "set_targets",
    "subscriptions",
    "targets",
]

DEFAULT_SHARE = 0.8


def duration_text(value: dt.timedelta) -> str:
    """A duration as ISO 8601 text (`P1DT2H30M`)."""
    return str(DaysTimeDuration.of(value))


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """The targets of a definition version: from the model, set through the API
    (`overrides`), and those that apply (`effective`: the overrides win); element id (the
    process id for the instance) -> duration."""

    definition_id: str
    process_id: str
    model: Mapping[str, dt.timedelta]
    overrides: Mapping[str, dt.timedelta]

    @property
    def effective(self) -> dict[str, dt.timedelta]:
        return {**self.model, **self.overrides}


def targets(shell: Shell, definition_id: str) -> SlaTargets:
    """The SLA targets of a definition version (`NotFoundError` if there is none)."""
    with shell.store.transaction(write=False) as tx:
        model = shell.models.get(tx, definition_id)
        overrides = tx.sla_targets(definition_id)
    process = model.definitions.processes[model.process_id]
    return SlaTargets(
        definition_id,
        model.process_id,
        dict(process.sla_targets),
        {k: dt.timedelta(seconds=v) for k, v in overrides.items()},
    )


def set_targets(
    shell: Shell,
    definition_id: str,
    *,
    instance: str | None,
    elements: Mapping[str, str],
) -> SlaTargets:
    """Replace the targets set through the API for a definition version: `instance` bounds
    the instance's duration, `elements` each named flow node's steps (ISO 8601 durations)."""
    with shell.store.transaction(write=False) as tx:
        model = shell.models.get(tx, definition_id)
    process = model.definitions.processes[model.process_id]
    found: dict[str, float] = {}
    wanted = [("instance", model.process_id, instance)]
    wanted += [(f"elements.{k}", k, v) for k, v in sorted(elements.items())]
    for field, element_id, text in wanted:
        if text is None:
            continue
        if element_id != model.process_id and element_id not in process.elements:
            known = ", ".join(sorted(process.elements)) or "none"
            raise RequestError(
                f"{field}: the process {model.process_id!r} has no element {element_id!r} "
                f"(its elements: {known})"
            )
        try:
            found[element_id] = parse_target(str(text)).total_seconds()
        except SlaError as exc:
            raise RequestError(f"{field}: {exc}") from None
    with shell.writing(), shell.store.transaction() as tx:
        tx.set_sla_targets(definition_id, found)
    shell.sla.forget(definition_id)
    return targets(shell, definition_id)


def breaches(
    shell: Shell,
    *,
    process_id: str | None = None,
    instance_id: str | None = None,
    after: Keyset | None = None,
    limit: int = 100,
) -> list[SlaBreach]:
    """The SLA breaches recorded, in the order they happened."""
    with shell.store.transaction(write=False) as tx:
        return tx.sla_breaches(
            process_id=process_id, instance_id=instance_id, after=after, limit=limit
        )


def find_at_risk(shell: Shell, *, share: float = DEFAULT_SHARE, limit: int = 100) -> list[AtRisk]:
    """The open SLA deadlines of which `share` of the target is used, soonest due first."""
    if not 0 < share <= 1:
        raise RequestError(
            f"share: {share} must be above 0 and at most 1 (0.8 lists what used 80 % of its target)"
        )
    with shell.store.transaction(write=False) as tx:
        return at_risk(tx, shell.now(), share=share, limit=limit)


def add_subscription(
    shell: Shell,
    *,
    event_kind: str,
    channel: str,
    target: str,
    secret: str | None = None,
    actor: str | None = None,
) -> AlertSubscription:
    """Subscribe a webhook URL or e-mail address to the alerts of `event_kind`."""
    alerts.check_subscription(event_kind, channel, target)
    subscription = AlertSubscription(
        id=shell.ids(),
        event_kind=event_kind,
        channel="webhook" if channel == "webhook" else "email",
        target=target.strip(),
        secret=secret or None,
        created_at=shell.now(),
        created_by=actor,
    )
    with shell.writing(), shell.store.transaction() as tx:
        tx.insert_alert_subscription(subscription)
    return subscription


def subscriptions(shell: Shell, event_kind: str | None = None) -> list[AlertSubscription]:
    """The alert subscriptions (of one event kind)."""
    if event_kind is not None and event_kind not in alerts.KINDS:
        raise RequestError(
            f"unknown alert event kind {event_kind!r}; use one of: {', '.join(alerts.KINDS)}"
        )
    with shell.store.transaction(write=False) as tx:
        return tx.alert_subscriptions(event_kind)


def remove_subscription(shell: Shell, subscription_id: str) -> bool:
    """Remove a subscription (deliveries already queued are still sent)."""
    with shell.writing(), shell.store.transaction() as tx:
        return tx.delete_alert_subscription(subscription_id)


def deliveries(
    shell: Shell, *, after: Keyset | None = None, limit: int = 100
) -> list[AlertDelivery]:
    """The alert deliveries in the order they were queued, pending and delivered."""
    with shell.store.transaction(write=False) as tx:
        return tx.alert_deliveries(after=after, limit=limit)
