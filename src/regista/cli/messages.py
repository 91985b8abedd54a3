"""`regista correlate` and `regista signal`: publish a message, broadcast a signal."""

from __future__ import annotations

import json

import click

from regista.cli.options import client_for, database_option
from regista.cli.start import read_variables
from regista.settings import SettingsError, parse_ttl

__all__ = ["correlate_command", "signal_command"]


@click.command("correlate")
@click.argument("name")
@database_option
@click.option("--key", default=None, help="The correlation key (none: any waiting instance).")
@click.option("--var", "assignments", multiple=True, help="A variable as name=value (JSON).")
@click.option("--variables", "variables_json", default=None, help="Variables as a JSON object.")
@click.option(
    "--ttl",
    default=None,
    help="Keep the message this long (ISO 8601, e.g. PT1H; PT0S drops it) when no instance "
    "waits for it yet (default: one hour).",
)
@click.option(
    "--unique/--not-unique",
    default=None,
    help="Start a process by this message only when no active instance has the key as its "
    "business key.",
)
@click.option("--json", "as_json", is_flag=True, help="Print what happened as JSON.")
def correlate_command(
    name: str,
    database_url: str | None,
    key: str | None,
    assignments: tuple[str, ...],
    variables_json: str | None,
    ttl: str | None,
    unique: bool | None,
    as_json: bool,
) -> None:
    """Publish the message NAME.

    The oldest instance waiting for NAME with this key (or with no key) takes it; else the
    processes with a message start event NAME start; else the message is kept (--ttl) for
    an instance that comes to wait for it. At most one instance consumes a message.
    """
    variables = read_variables(assignments, variables_json)
    keep = None
    if ttl is not None:
        try:
            keep = parse_ttl(ttl, "--ttl")
        except SettingsError as exc:
            raise click.BadParameter(str(exc), param_hint="--ttl") from None
        if keep is None:
            raise click.BadParameter("give a duration such as PT1H, or PT0S", param_hint="--ttl")
    with client_for(database_url) as client:
        result = client.correlate(name, key, variables, ttl=keep, unique=unique, actor="cli")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "instance_ids": list(result.instance_ids),
                    "started": result.started,
                    "buffered_id": result.buffered_id,
                },
                indent=2,
            )
        )
        return
    shown = f"message {name!r}" + (f" with key {key!r}" if key is not None else "")
    if result.started:
        click.echo(f"{shown} started: {', '.join(result.instance_ids)}")
    elif result.instance_ids:
        click.echo(f"{shown} correlated with instance {result.instance_ids[0]}")
    elif result.buffered_id is not None:
        how_long = f" for {ttl}" if ttl is not None else ""
        click.echo(f"{shown}: no instance waits for it yet; kept as {result.buffered_id}{how_long}")
    else:
        click.echo(f"{shown}: no instance waits for it and no process starts with it; dropped")


@click.command("signal")
@click.argument("name")
@database_option
@click.option("--var", "assignments", multiple=True, help="A variable as name=value (JSON).")
@click.option("--variables", "variables_json", default=None, help="Variables as a JSON object.")
@click.option("--json", "as_json", is_flag=True, help="Print the instances reached as JSON.")
def signal_command(
    name: str,
    database_url: str | None,
    assignments: tuple[str, ...],
    variables_json: str | None,
    as_json: bool,
) -> None:
    """Broadcast the signal NAME to every instance waiting for it, and start the processes
    with a signal start event NAME."""
    variables = read_variables(assignments, variables_json)
    with client_for(database_url) as client:
        reached = client.signal(name, variables, actor="cli")
    if as_json:
        click.echo(json.dumps({"instance_ids": reached}, indent=2))
    elif reached:
        click.echo(f"signal {name!r} reached {len(reached)} instance(s): {', '.join(reached)}")
    else:
        click.echo(f"signal {name!r}: no instance waits for it and no process starts with it")
