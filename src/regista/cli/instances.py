"""`regista instances`: list, show, cancel, trigger, modify and migrate process instances
in the database."""

from __future__ import annotations

import json
from typing import Any

import click

from regista.cli.decide import to_json
from regista.cli.options import client_for, database_option
from regista.cli.start import read_variables
from regista.engine import Activate
from regista.runtime.views import InstanceInfo


def instance_json(info: InstanceInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "process_id": info.process_id,
        "version": info.version,
        "business_key": info.business_key,
        "status": info.status,
        "active": info.active,
        "passed": info.passed,
        "variables": to_json(info.variables),
        "incidents": [
            {"id": i.id, "element_id": i.element_id, "message": i.message} for i in info.incidents
        ],
        "parent_id": info.parent_id,
        "children": info.children,
        "started_at": info.started_at.isoformat(),
        "ended_at": info.ended_at.isoformat() if info.ended_at else None,
    }


@click.group("instances", invoke_without_command=True)
@database_option
@click.option("--status", default=None, help="Only instances with this status.")
@click.option("--process", "process_id", default=None, help="Only instances of this process.")
@click.option("--business-key", default=None, help="Only instances with this business key.")
@click.option("--limit", default=100, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def instances(
    ctx: click.Context,
    database_url: str | None,
    status: str | None,
    process_id: str | None,
    business_key: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """List process instances (oldest first); `show`, `cancel`, `modify` and `migrate`
    act on one."""
    ctx.ensure_object(dict)
    ctx.obj["database_url"] = database_url
    if ctx.invoked_subcommand is not None:
        return
    with client_for(database_url) as client:
        found = client.instances(
            status=status, process_id=process_id, business_key=business_key, limit=limit
        )
    if as_json:
        click.echo(json.dumps([instance_json(i) for i in found], indent=2))
        return
    if not found:
        click.echo("no instances")
        return
    for info in found:
        waiting = f" at {', '.join(info.active)}" if info.active else ""
        key = f" [{info.business_key}]" if info.business_key else ""
        click.echo(
            f"{info.id}  {info.process_id} v{info.version}{key}  {info.status}{waiting}  "
            f"started {info.started_at.isoformat(timespec='seconds')}"
        )


@instances.command("show")
@click.argument("instance_id")
@click.option("--history", "with_history", is_flag=True, help="Also print the audit trail.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@database_option
@click.pass_context
def show(
    ctx: click.Context,
    instance_id: str,
    with_history: bool,
    as_json: bool,
    database_url: str | None,
) -> None:
    """Show one instance: status, variables, where it waits, incidents."""
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        info = client.instance(instance_id)
        history = client.history(instance_id) if with_history else []
    if as_json:
        data = instance_json(info)
        if with_history:
            data["history"] = [
                {
                    "seq": e.seq,
                    "ts": e.ts.isoformat(),
                    "kind": e.kind,
                    "element_id": e.element_id,
                    "actor": e.actor,
                    "command": e.command,
                    "data": e.data,
                }
                for e in history
            ]
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"instance:  {info.id}")
    click.echo(f"process:   {info.process_id} version {info.version}")
    if info.business_key:
        click.echo(f"key:       {info.business_key}")
    click.echo(f"status:    {info.status}")
    click.echo(f"waiting:   {', '.join(info.active) or '-'}")
    click.echo(f"passed:    {', '.join(info.passed) or '-'}")
    click.echo(f"variables: {json.dumps(to_json(info.variables))}")
    for incident in info.incidents:
        click.echo(f"incident:  {incident.id} at {incident.element_id}: {incident.message}")
    for event in history:
        who = f" by {event.actor}" if event.actor else ""
        where = f" {event.element_id}" if event.element_id else ""
        click.echo(f"  #{event.seq} {event.ts.isoformat()} {event.kind}{where}{who}")


@instances.command("cancel")
@click.argument("instance_id")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
@database_option
@click.pass_context
def cancel(ctx: click.Context, instance_id: str, reason: str, database_url: str | None) -> None:
    """Cancel an instance (and the instances it called)."""
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        client.cancel(instance_id, reason, actor="cli")
    click.echo(f"{instance_id}: cancelled")


@instances.command("trigger")
@click.argument("instance_id")
@click.argument("element_id")
@click.option("--var", "assignments", multiple=True, help="A variable (name=value, JSON).")
@database_option
@click.pass_context
def trigger(
    ctx: click.Context,
    instance_id: str,
    element_id: str,
    assignments: tuple[str, ...],
    database_url: str | None,
) -> None:
    """Trigger a receive task without a message: the token waiting at ELEMENT_ID goes on
    (Camunda 7's `signal`, Flowable's `trigger`).

    For example: `regista instances trigger ID waitForPayment --var paid=true`.
    """
    variables = read_variables(assignments, None)
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        client.trigger(instance_id, element_id, variables, actor="cli")
        info = client.instance(instance_id)
    waiting = f", waiting at {', '.join(info.active)}" if info.active else ""
    click.echo(f"{instance_id}: {info.status}{waiting}")


@instances.command("modify")
@click.argument("instance_id")
@click.option(
    "--activate",
    "elements",
    multiple=True,
    help="Activate this element (a token arrives before it); repeatable.",
)
@click.option(
    "--terminate",
    "targets",
    multiple=True,
    help="Terminate this element instance, or every running instance of this element id.",
)
@click.option(
    "--var",
    "assignments",
    multiple=True,
    help="A variable (name=value, JSON) for the scope of the activated elements.",
)
@click.option(
    "--ancestor",
    default=None,
    help="The running subprocess instance to activate in, when several run.",
)
@database_option
@click.pass_context
def modify(
    ctx: click.Context,
    instance_id: str,
    elements: tuple[str, ...],
    targets: tuple[str, ...],
    assignments: tuple[str, ...],
    ancestor: str | None,
    database_url: str | None,
) -> None:
    """Move tokens of a running instance: activate elements, then terminate element
    instances (a subprocess or instance left with nothing running is terminated).

    For example, skip a stuck step:
    `regista instances modify ID --activate review --terminate charge`.
    """
    if not elements and not targets:
        raise click.UsageError("give at least one --activate or --terminate")
    variables = read_variables(assignments, None)
    if variables and not elements:
        raise click.UsageError("--var sets variables for --activate; give an element to activate")
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        client.modify(
            instance_id,
            activate=[Activate(e, variables, ancestor) for e in elements],
            terminate=targets,
            actor="cli",
        )
        info = client.instance(instance_id)
    waiting = f", waiting at {', '.join(info.active)}" if info.active else ""
    click.echo(f"{instance_id}: {info.status}{waiting}")


@instances.command("migrate")
@click.argument("instance_id")
@click.option("--version", type=int, default=None, help="The version to move to (default: latest).")
@click.option(
    "--map",
    "maps",
    multiple=True,
    help="OLD=NEW: the element OLD runs as NEW in the new version; repeatable.",
)
@database_option
@click.pass_context
def migrate(
    ctx: click.Context,
    instance_id: str,
    version: int | None,
    maps: tuple[str, ...],
    database_url: str | None,
) -> None:
    """Move a running instance to another version of its process: each running element
    becomes the element of the same id (or the one --map names), with its jobs, user
    tasks and timers.

    For example, after deploying a fixed model:
    `regista instances migrate ID --map review=check`.
    """
    mappings: dict[str, str] = {}
    for text in maps:
        old, sep, new = text.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{text!r}: write OLD=NEW", param_hint="--map")
        if old.strip() in mappings:
            raise click.BadParameter(f"{old.strip()!r} is mapped twice", param_hint="--map")
        mappings[old.strip()] = new.strip()
    url = database_url or ctx.obj.get("database_url")
    with client_for(url) as client:
        now = client.migrate(instance_id, version=version, mappings=mappings, actor="cli")
        info = client.instance(instance_id)
    waiting = f", waiting at {', '.join(info.active)}" if info.active else ""
    click.echo(f"{instance_id}: now version {now} of {info.process_id}{waiting}")
