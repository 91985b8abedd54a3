"""The `regista` command: a click group whose subcommands live in their own modules."""

from __future__ import annotations

import click

from regista import __version__
from regista.cli.decide import decide
from regista.cli.tck import tck


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="regista")
def main() -> None:
    """Regista: BPMN 2.0 processes and DMN decisions with FEEL."""


main.add_command(decide)
main.add_command(tck)


if __name__ == "__main__":
    main()
