"""`regista server`: the REST API on uvicorn and an engine node in the same process."""

from __future__ import annotations

import ipaddress
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from regista.cli.alerts import alert_options
from regista.cli.demo import DemoMode, demo_options
from regista.cli.errors import failure
from regista.cli.handlers import load_secrets, node_workers, secrets_option
from regista.cli.logs import setup_logging
from regista.cli.options import database_option, limit_options, retired_trusted_option, settings_for
from regista.connectors.inbound import InboundConnectors
from regista.runtime.definitions import Resource
from regista.runtime.errors import RequestError
from regista.runtime.sources import DeploymentError
from regista.settings import SettingsError
from regista.store import StoreError

__all__ = ["server_command"]

if TYPE_CHECKING:
    from regista.api.identity import Directory
    from regista.client import Client

ADMIN_USER = "REGISTA_ADMIN_USER"
ADMIN_PASSWORD = "REGISTA_ADMIN_PASSWORD"


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def first_admin(directory: Directory) -> None:
    """Create the administrator named by the environment when the database has none; say
    what happened (the variables never change an existing user)."""
    username, password = os.environ.get(ADMIN_USER), os.environ.get(ADMIN_PASSWORD)
    if bool(username) != bool(password):
        raise click.UsageError(f"set both {ADMIN_USER} and {ADMIN_PASSWORD}, or neither")
    if not username or not password:
        if not any("admin" in u.roles for u in directory.users()):
            click.echo(
                f"no administrator yet: set {ADMIN_USER} and {ADMIN_PASSWORD}, or run "
                "`regista user add NAME --role admin`",
                err=True,
            )
        return
    outcome = directory.ensure_admin(username, password)
    if outcome == "created":
        click.echo(f"created the administrator {username!r} from {ADMIN_USER}", err=True)
    elif outcome == "taken":
        click.echo(
            f"{ADMIN_USER}: the user {username!r} exists and is not an administrator; "
            "left as it is (grant it with `regista user grant NAME admin`)",
            err=True,
        )


DEPLOYABLE = (".bpmn", ".dmn", ".form")


def deployable_files(paths: tuple[str, ...]) -> list[Path]:
    """The files `--deploy` names: each file, and the deployable files under each
    directory (recursively, in name order, so that a deployment is repeatable)."""
    found: list[Path] = []
    for named in paths:
        path = Path(named)
        if path.is_dir():
            found.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DEPLOYABLE)
            )
        else:
            found.append(path)
    return found


def deploy_at_start(client: Client, paths: tuple[str, ...]) -> None:
    """Deploy what `--deploy` names, in one deployment, and say what was deployed."""
    if not paths:
        return
    files = deployable_files(paths)
    if not files:
        raise click.UsageError(f"--deploy {' '.join(paths)}: no .bpmn, .dmn or .form file there")
    resources = [Resource(str(p), p.read_bytes()) for p in files]
    deployed = client.shell.deploy(resources, actor="regista server --deploy")
    for item in deployed:
        # "dmn:<namespace>", "decision:<id>", "form:<id>", or a process id (no colon)
        prefix, colon, rest = item.process_id.partition(":")
        kind, name = (prefix, rest) if colon else ("process", prefix)
        if kind == "dmn":
            continue  # the DMN model as a whole; its decisions are listed one by one
        what = "deployed" if item.created else "unchanged"
        click.echo(f"{what}: {kind} {name} version {item.version}", err=True)


@click.command("server")
@database_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, help="Port to listen on.")
@click.option(
    "--auth",
    type=click.Choice(["basic", "none"]),
    default="basic",
    show_default=True,
    help="basic: HTTP Basic and bearer API keys; none: everyone is admin (localhost only).",
)
@click.option("--no-engine", is_flag=True, help="Serve the API only (no job executor, timers).")
@click.option(
    "--trace",
    is_flag=True,
    help="Record OpenTelemetry spans of commands, jobs and connector calls with the "
    "process's tracer provider (e.g. under opentelemetry-instrument); needs regista[otel].",
)
@click.option(
    "--metrics-public",
    is_flag=True,
    help="Answer /metrics (Prometheus) without credentials; by default it needs the "
    "operator or admin role (with --auth none everyone has it).",
)
@click.option(
    "--worker",
    "worker_specs",
    multiple=True,
    help="Module (dotted name or .py file) with @worker handlers for the engine; repeatable.",
)
@click.option(
    "--deploy",
    "deploy_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=True, file_okay=True),
    help="A .bpmn, .dmn or .form file, or a directory of them (searched recursively), "
    "deployed at start (unchanged ones keep their version); repeatable.",
)
@secrets_option
@retired_trusted_option
@limit_options
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="An origin browsers may call the API from; repeatable (default: this machine).",
)
@demo_options
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def server_command(
    database_url: str | None,
    host: str,
    port: int,
    auth: str,
    no_engine: bool,
    metrics_public: bool,
    trace: bool,
    worker_specs: tuple[str, ...],
    deploy_paths: tuple[str, ...],
    secrets_file: str | None,
    cors_origins: tuple[str, ...],
    log_level: str,
    demo: bool,
    demo_rate: float,
    demo_seed: int | None,
    **limits: int | None,
) -> None:
    """Run the REST API (Camunda 8 v2 shape under /v2) and an engine node until SIGTERM.

    \b
    regista server                          # http://127.0.0.1:8080, SQLite regista.db
    regista server --auth none              # a laptop: no login, localhost only
    regista server --deploy examples --worker examples/order/workers.py
    regista server --no-engine --host 0.0.0.0 --database-url postgresql://...
    regista server --demo                   # four sector demos, kept busy by traffic
    """
    import uvicorn

    from regista.api import ServerOptions, create_app
    from regista.api.authenticator import StoredAuthenticator
    from regista.api.identity import Directory
    from regista.client import Client
    from regista.insight.metrics import Metrics
    from regista.insight.tracing import TracingUnavailable, traced
    from regista.runtime.node import Node, NodeOptions
    from regista.ui import mount_ui

    setup_logging(log_level)
    if auth == "none" and not is_loopback(host):
        raise click.BadParameter(
            f"--auth none lets anyone in as administrator, so the server only listens on "
            f"localhost with it; {host!r} is not (use --auth basic)",
            param_hint="--host",
        )
    secrets = load_secrets(secrets_file)
    workers = node_workers(worker_specs, secrets, trace=trace)
    # --demo (regista.cli.demo): each step below does nothing without it
    demo_mode = DemoMode(demo, rate=demo_rate, seed=demo_seed)
    demo_mode.check(engine=not no_engine)
    workers = demo_mode.workers(workers)
    settings = settings_for(database_url, **limits)
    options = ServerOptions(
        auth="none" if auth == "none" else "basic",
        cors_origins=cors_origins or None,
        metrics_public=metrics_public,
    )
    try:
        client = Client(settings)
    except (StoreError, SettingsError) as exc:
        raise failure(exc) from None
    try:
        demo_mode.deploy(client)
        deploy_at_start(client, deploy_paths)
    except (DeploymentError, StoreError) as exc:
        client.close()
        raise failure(exc) from None
    directory = Directory(client.store)
    authenticator = None
    if auth != "none":
        try:
            demo_mode.login(directory)  # before first_admin: it may create the demo user
            first_admin(directory)
        except (StoreError, RequestError) as exc:
            client.close()
            raise failure(exc) from None
        except click.ClickException:
            client.close()
            raise
        authenticator = StoredAuthenticator(directory)
    else:
        demo_mode.login(None)
    node = (
        None if no_engine else Node(client.shell, workers, node=NodeOptions(alerts=alert_options()))
    )
    node_metrics = Metrics(client.store, clock=client.shell.now)
    try:
        client.shell.observer = traced(node_metrics, trace)
    except TracingUnavailable as exc:
        client.close()
        raise click.UsageError(str(exc)) from None
    app = create_app(
        client,
        options,
        authenticator=authenticator,
        node=node,
        secrets=secrets,
        node_metrics=node_metrics,
        insight=None if settings.database_url.startswith("memory:") else settings,
    )
    mount_ui(app, client, options)
    # uvicorn stops on SIGTERM / SIGINT and then raises the signal again for the handler
    # that was there before it: ours only notes it, so the node below still hands back its
    # leases and the process exits normally.
    stopped: list[int] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, frame: stopped.append(number))
    inbound = (
        None if node is None else InboundConnectors(client.shell, secrets, node_name=node.node_id)
    )
    try:
        if node is not None:
            node.start()
        if inbound is not None:
            inbound.start()
        demo_mode.start(client)
        serving = "API only" if node is None else "API and engine"
        click.echo(f"regista server on http://{host}:{port} ({serving}, auth {auth})", err=True)
        click.echo(f"web UI: http://{host}:{port}/ui/", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
    except StoreError as exc:
        raise failure(exc) from None
    finally:
        demo_mode.stop()
        if inbound is not None:
            inbound.stop()
        if node is not None:
            node.stop()
        client.close()
