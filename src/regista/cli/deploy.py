"""`regista deploy`: store BPMN and DMN models as new versions in the database."""

from __future__ import annotations

import getpass
import json
import os

import click

from regista.cli.options import client_for, database_option
from regista.runtime.trust import TRUST_KEY_ENV


def _deployer() -> str | None:
    """Who deploys from this command line: the operating system's user name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user name in a bare container
        return None


@click.command("deploy")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@database_option
@click.option(
    "--trusted",
    is_flag=True,
    help=f"Deploy the processes as trusted: their Python scripts and expressions run, on any "
    f"node, with restricted builtins. Needs the database's trusted-deploy key in "
    f"${TRUST_KEY_ENV} (made by `regista db trust-key`).",
)
@click.option(
    "--full-builtins",
    is_flag=True,
    help="With --trusted: give the Python of these processes every builtin (imports, files).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON.")
def deploy_command(
    files: tuple[str, ...],
    database_url: str | None,
    trusted: bool,
    full_builtins: bool,
    as_json: bool,
) -> None:
    """Deploy .bpmn and .dmn files (or directories of them).

    The same file deployed again keeps its version; a changed one (or one deployed with
    another trust) becomes the next version. Running instances keep the version they
    started with. Each version records who deployed it, when, and whether it is trusted.
    """
    if full_builtins and not trusted:
        raise click.BadParameter("--full-builtins needs --trusted", param_hint="--full-builtins")
    with client_for(database_url) as client:
        deployed = client.deploy(
            *files,
            trusted=trusted,
            full_builtins=full_builtins,
            trust_key=os.environ.get(TRUST_KEY_ENV) or None,
            deployed_by=_deployer(),
        )
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
                        "trust": d.trust,
                    }
                    for d in deployed
                ],
                indent=2,
            )
        )
        return
    for d in deployed:
        what = "new version" if d.created else "unchanged"
        trust = "" if d.trust == "untrusted" else f", {d.trust}"
        click.echo(f"{d.process_id}: version {d.version} ({what}{trust})")
