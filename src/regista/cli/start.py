"""`regista start`: start a process instance in the database."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click

from regista.cli.options import client_for, database_option, retired_trusted_option
from regista.cli.run import parse_assignment


def read_variables(assignments: tuple[str, ...], variables_json: str | None) -> dict[str, Any]:
    """Variables from `--variables '{...}'` and `--var name=value` options (the latter win)."""
    values: dict[str, Any] = {}
    if variables_json:
        try:
            data = json.loads(variables_json, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc.msg}", param_hint="--variables") from None
        if not isinstance(data, dict):
            raise click.BadParameter("give a JSON object", param_hint="--variables")
        values.update(data)
    for text in assignments:
        name, value = parse_assignment(text, "--var")
        values[name] = value
    return values


@click.command("start")
@click.argument("process_id")
@database_option
@click.option("--var", "assignments", multiple=True, help="A variable as name=value (JSON).")
@click.option("--variables", "variables_json", default=None, help="Variables as a JSON object.")
@click.option("--business-key", default=None, help="The business key of the instance.")
@click.option("--version", type=int, default=None, help="Start this version (default: latest).")
@click.option(
    "--idempotency-key",
    default=None,
    help="Starting again with the same key returns the instance already started.",
)
@retired_trusted_option
def start_command(
    process_id: str,
    database_url: str | None,
    assignments: tuple[str, ...],
    variables_json: str | None,
    business_key: str | None,
    version: int | None,
    idempotency_key: str | None,
) -> None:
    """Start an instance of PROCESS_ID and print its id.

    The instance runs until it waits (a user task, a job, a timer, a message); an engine
    node (`regista engine`) does the rest.
    """
    variables = read_variables(assignments, variables_json)
    with client_for(database_url) as client:
        instance_id = client.start(
            process_id,
            variables,
            business_key=business_key,
            version=version,
            idempotency_key=idempotency_key,
            actor="cli",
        )
        info = client.instance(instance_id)
    click.echo(instance_id)
    click.echo(
        f"{info.process_id} version {info.version}: {info.status}"
        + (f", waiting at {', '.join(info.active)}" if info.active else ""),
        err=True,
    )
