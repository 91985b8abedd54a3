"""`regista alerts`: who is told of SLA breaches, overdue tasks, incidents and failed
instances (webhooks, e-mail); and the alert settings of `regista engine` and `server`."""

from __future__ import annotations

import json
import os

import click

from regista.cli.errors import RequestFailed
from regista.cli.options import client_for, database_option
from regista.runtime import monitoring
from regista.runtime.alerts import CHANNELS, KINDS
from regista.runtime.dispatcher import AlertOptions

__all__ = ["alert_options", "alerts"]


def alert_options() -> AlertOptions:
    """How this node sends alerts, from the `REGISTA_SMTP_*` variables."""
    try:
        return AlertOptions.from_env(os.environ)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("alerts")
def alerts() -> None:
    """Alert subscriptions: webhooks (JSON POST signed with HMAC-SHA256) and e-mail (the
    SMTP server of REGISTA_SMTP_HOST, _PORT, _SECURITY, _USER, _PASSWORD, _FROM), sent by
    the engine nodes and retried until delivered."""


@alerts.command("add")
@click.argument("event_kind", type=click.Choice(KINDS))
@click.argument("channel", type=click.Choice(CHANNELS))
@click.argument("target")
@click.option("--secret", default=None, help="The HMAC-SHA256 key of a webhook's signature.")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def add(
    event_kind: str,
    channel: str,
    target: str,
    secret: str | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Subscribe TARGET (a webhook URL or an e-mail address) to EVENT_KIND alerts."""
    with client_for(database_url) as client:
        made = monitoring.add_subscription(
            client.shell,
            event_kind=event_kind,
            channel=channel,
            target=target,
            secret=secret,
            actor="cli",
        )
    if as_json:
        click.echo(json.dumps({"id": made.id, "event_kind": made.event_kind}))
    else:
        click.echo(f"{made.id}: {made.event_kind} -> {made.channel} {made.target}")


@alerts.command("list")
@click.option("--kind", "event_kind", type=click.Choice(KINDS), default=None)
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(event_kind: str | None, database_url: str | None, as_json: bool) -> None:
    """List the alert subscriptions."""
    with client_for(database_url) as client:
        found = monitoring.subscriptions(client.shell, event_kind)
    if as_json:
        rows = [
            {
                "id": s.id,
                "event_kind": s.event_kind,
                "channel": s.channel,
                "target": s.target,
                "signed": bool(s.secret),
                "created_at": s.created_at.isoformat(),
            }
            for s in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo("no alert subscriptions")
    for s in found:
        signed = " (signed)" if s.secret else ""
        click.echo(f"{s.id}  {s.event_kind} -> {s.channel} {s.target}{signed}")


@alerts.command("remove")
@click.argument("subscription_ids", nargs=-1, required=True)
@database_option
def remove(subscription_ids: tuple[str, ...], database_url: str | None) -> None:
    """Remove alert subscriptions (alerts already queued are still sent)."""
    missing = []
    with client_for(database_url) as client:
        for subscription_id in subscription_ids:
            if monitoring.remove_subscription(client.shell, subscription_id):
                click.echo(f"{subscription_id}: removed")
            else:
                missing.append(subscription_id)
    if missing:
        raise RequestFailed(
            f"no alert subscription {', '.join(missing)}; see `regista alerts list`"
        )
