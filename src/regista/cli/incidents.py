"""`regista incidents`: list open incidents and resolve them."""

from __future__ import annotations

import json

import click

from regista.cli.errors import RequestFailed
from regista.cli.options import client_for, database_option


@click.group("incidents", invoke_without_command=True)
@database_option
@click.option("--instance", "instance_id", default=None, help="Only this instance's.")
@click.option("--limit", default=100, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def incidents(
    ctx: click.Context,
    database_url: str | None,
    instance_id: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List open incidents (oldest first); `resolve` retries what failed."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url
    if ctx.invoked_subcommand is not None:
        return
    with client_for(database_url) as client:
        found = client.incidents(instance_id=instance_id, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "id": i.id,
                        "instance_id": i.instance_id,
                        "element_id": i.element_id,
                        "job_id": i.job_id,
                        "error_type": i.error_type,
                        "message": i.message,
                        "created_at": i.created_at.isoformat(),
                    }
                    for i in found
                ],
                indent=2,
            )
        )
        return
    if not found:
        click.echo("no open incidents")
        return
    for i in found:
        where = f"instance {i.instance_id} at {i.element_id or '-'}"
        click.echo(f"{i.id}  {where} [{i.error_type}]: {i.message}")


@incidents.command("resolve")
@click.argument("incident_ids", nargs=-1, required=True)
@database_option
@click.pass_context
def resolve(ctx: click.Context, incident_ids: tuple[str, ...], database_url: str | None) -> None:
    """Resolve incidents: what failed runs again (a failed job gets its retries back)."""
    url = database_url or ctx.obj.get("database_url")
    already: list[str] = []
    with client_for(url) as client:
        for incident_id in incident_ids:
            if client.resolve_incident(incident_id, actor="cli"):
                click.echo(f"{incident_id}: resolved")
            else:
                click.echo(f"{incident_id}: was already resolved (nothing done)")
                already.append(incident_id)
    if already:
        raise RequestFailed(f"{len(already)} incident(s) were already resolved")
