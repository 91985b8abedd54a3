"""`regista audit verify`: check the hash chains of the audit trail."""

from __future__ import annotations

import sys

import click

from regista.cli.options import client_for, database_option


@click.group("audit")
def audit() -> None:
    """The audit trail: every history event is chained to the previous one by SHA-256."""


@audit.command("verify")
@database_option
@click.option("--instance", "instance_id", default=None, help="Check one instance only.")
def verify(database_url: str | None, instance_id: str | None) -> None:
    """Check every history chain; exit 1 naming the first broken link."""
    with client_for(database_url) as client:
        broken = client.verify_audit(instance_id)
    if broken is None:
        what = f"instance {instance_id}" if instance_id else "every instance"
        click.echo(f"audit trail verified: the history of {what} is intact")
        return
    click.echo(f"audit trail BROKEN: {broken}", err=True)
    sys.exit(1)
