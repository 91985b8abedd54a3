"""The `regista` command: a click group whose subcommands live in their own modules."""

from __future__ import annotations

import click

from regista.cli.alerts import alerts
from regista.cli.audit import audit
from regista.cli.comparing import compare_command
from regista.cli.database import db
from regista.cli.decide import decide
from regista.cli.deploy import deploy_command
from regista.cli.engine import engine_command
from regista.cli.eventlogs import eventlog
from regista.cli.export import export_command
from regista.cli.identity import apikey, group, user
from regista.cli.incidents import incidents
from regista.cli.insight import insight
from regista.cli.instances import instances
from regista.cli.messages import correlate_command, signal_command
from regista.cli.mining import discover_command, fitness_command
from regista.cli.run import run_command
from regista.cli.scenario import scenario_command
from regista.cli.server import server_command
from regista.cli.simulate import simulate_command
from regista.cli.sla import sla
from regista.cli.start import start_command
from regista.cli.tasks import tasks
from regista.cli.tck import tck
from regista.cli.validate import validate_command
from regista.cli.worker import worker_command
from regista.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="regista")
def main() -> None:
    """Regista: BPMN 2.0 processes and DMN decisions with FEEL."""


main.add_command(decide)
main.add_command(tck)
main.add_command(run_command)
main.add_command(validate_command)
main.add_command(export_command)
main.add_command(scenario_command)
main.add_command(db)
main.add_command(engine_command)
main.add_command(deploy_command)
main.add_command(start_command)
main.add_command(instances)
main.add_command(incidents)
main.add_command(sla)
main.add_command(alerts)
main.add_command(audit)
main.add_command(correlate_command)
main.add_command(signal_command)
main.add_command(tasks)
main.add_command(server_command)
main.add_command(user)
main.add_command(group)
main.add_command(apikey)
main.add_command(worker_command)
main.add_command(insight)
insight.add_command(discover_command)
insight.add_command(fitness_command)
insight.add_command(compare_command)
main.add_command(eventlog)
main.add_command(simulate_command)


if __name__ == "__main__":
    main()
