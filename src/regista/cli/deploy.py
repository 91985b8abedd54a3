"""`regista deploy`: store BPMN and DMN models as new versions in the database."""

from __future__ import annotations

import json

import click

from regista.cli.options import client_for, database_option


@click.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@database_option
@click.option(
    "--trusted",
    is_flag=True,
    help="Check Python scripts as trusted (the engine node must be started with --trusted).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
def deploy_command(
    files: tuple[str, ...], database_url: str | None, trusted: bool, as_json: bool
) -> None:
    """Deploy .bpmn and .dmn files (or directories of them).

    The same file deployed again keeps its version; a changed one becomes the next version.
    Running instances keep the version they started with.
    """
    with client_for(database_url, trusted=trusted) as client:
        deployed = client.deploy(*files)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "process_id": d.process_id,
                        "version": d.version,
                        "definition_id": d.definition_id,
                        "created": d.created,
                        "resource": d.resource_name,
                    }
                    for d in deployed
                ],
                indent=2,
            )
        )
        return
    for d in deployed:
        what = "new version" if d.created else "unchanged"
        click.echo(f"{d.process_id}: version {d.version} ({what})")
