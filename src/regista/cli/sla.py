"""`regista sla`: SLA deadlines at risk, breaches, and the targets of a definition."""

from __future__ import annotations

import json

import click

from regista.cli.options import client_for, database_option
from regista.runtime import monitoring

__all__ = ["sla"]


@click.group("sla")
def sla() -> None:
    """SLA monitoring: targets are set in the model (regista:sla, or the extension property
    regista.sla) or through the API; user-task due dates count too."""


@sla.command("at-risk")
@click.option(
    "--share",
    type=click.FloatRange(0, 1, min_open=True),
    default=monitoring.DEFAULT_SHARE,
    show_default=True,
    help="List deadlines of which this share of the target is used.",
)
@click.option("--limit", default=100, show_default=True, help="At most this many.")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def at_risk(share: float, limit: int, database_url: str | None, as_json: bool) -> None:
    """List the open SLA deadlines at risk, soonest due first."""
    with client_for(database_url) as client:
        found = monitoring.find_at_risk(client.shell, share=share, limit=limit)
    if as_json:
        rows = [
            {
                "instance_id": r.instance_id,
                "element_id": r.element_id,
                "element_instance_id": r.element_instance_id,
                "kind": r.kind,
                "started_at": r.started_at.isoformat(),
                "due_at": r.due_at.isoformat(),
                "used": r.used,
            }
            for r in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo(f"no SLA deadline has used {share:.0%} of its target")
    for r in found:
        click.echo(
            f"instance {r.instance_id} at {r.element_id} ({r.kind}): {r.used:.0%} used, "
            f"due {r.due_at.isoformat()}"
        )


@sla.command("breaches")
@click.option("--process", "process_id", default=None, help="Only this process's.")
@click.option("--instance", "instance_id", default=None, help="Only this instance's.")
@click.option("--limit", default=100, show_default=True, help="At most this many.")
@database_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def breaches(
    process_id: str | None,
    instance_id: str | None,
    limit: int,
    database_url: str | None,
    as_json: bool,
) -> None:
    """List SLA breaches in the order they happened."""
    with client_for(database_url) as client:
        found = monitoring.breaches(
            client.shell, process_id=process_id, instance_id=instance_id, limit=limit
        )
    if as_json:
        rows = [
            {
                "id": b.id,
                "instance_id": b.instance_id,
                "process_id": b.process_id,
                "definition_id": b.definition_id,
                "element_id": b.element_id,
                "element_instance_id": b.element_instance_id,
                "kind": b.kind,
                "started_at": b.started_at.isoformat(),
                "due_at": b.due_at.isoformat(),
                "breached_at": b.breached_at.isoformat(),
            }
            for b in found
        ]
        click.echo(json.dumps(rows, indent=2))
        return
    if not found:
        click.echo("no SLA breaches")
    for b in found:
        target = monitoring.duration_text(b.due_at - b.started_at)
        click.echo(
            f"{b.breached_at.isoformat()}  {b.process_id} instance {b.instance_id} at "
            f"{b.element_id} ({b.kind}): over its {target}"
        )
