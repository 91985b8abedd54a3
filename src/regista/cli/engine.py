"""`regista engine`: run an engine node — job executor, timer scheduler, worker pool."""

from __future__ import annotations

import datetime as dt

import click

from regista.cli.alerts import alert_options
from regista.cli.errors import failure
from regista.cli.handlers import load_secrets, node_workers, secrets_option
from regista.cli.logs import setup_logging
from regista.cli.options import database_option, limit_options, retired_trusted_option, settings_for
from regista.connectors.inbound import InboundConnectors
from regista.insight.metrics import Metrics
from regista.insight.tracing import TracingUnavailable, traced
from regista.runtime.executor import ExecutorOptions
from regista.runtime.metrics import NoObserver
from regista.runtime.node import Node, NodeOptions
from regista.runtime.options import RuntimeOptions
from regista.settings import SettingsError, parse_ttl
from regista.store import StoreError, open_store


@click.command("engine")
@database_option
@click.option(
    "--worker",
    "--workers",
    "worker_specs",
    multiple=True,
    help="Module (dotted name or .py file) with @worker handlers; repeatable.",
)
@secrets_option
@click.option("--concurrency", default=8, show_default=True, help="Jobs run at a time.")
@click.option("--lease", default=30.0, show_default=True, help="Job lease, in seconds.")
@click.option(
    "--job-timeout", default=300.0, show_default=True, help="Seconds before an attempt fails."
)
@click.option(
    "--retry-backoff", default=1.0, show_default=True, help="Seconds before the first retry."
)
@click.option("--poll-interval", default=0.5, show_default=True, help="Idle poll, in seconds.")
@click.option("--timer-lease", default=10.0, show_default=True, help="Timer lease, in seconds.")
@click.option("--grace", default=30.0, show_default=True, help="Seconds SIGTERM waits for jobs.")
@click.option(
    "--history-ttl",
    default=None,
    help="Remove instances that ended longer ago than this ISO 8601 duration, e.g. P30D "
    "(default: $REGISTA_HISTORY_TTL; off keeps them).",
)
@click.option(
    "--prune-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="At most this many expired instances removed a second (default: as fast as "
    "batches of about --prune-batch-ms go).",
)
@click.option(
    "--prune-batch-ms",
    type=click.FloatRange(min=1),
    default=25.0,
    show_default=True,
    help="Size each retention transaction to take about this long (it holds the SQLite "
    "writer meanwhile).",
)
@click.option("--node-id", default=None, help="Name of this node (default: host:pid:random).")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Serve Prometheus metrics over HTTP on this port (0: any free port, printed).",
)
@click.option(
    "--trace",
    is_flag=True,
    help="Record OpenTelemetry spans of commands, jobs and connector calls with the "
    "process's tracer provider (e.g. under opentelemetry-instrument); needs regista[otel].",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="Address the metrics port listens on (0.0.0.0 for a scraper on another host).",
)
@retired_trusted_option
@limit_options
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def engine_command(
    database_url: str | None,
    worker_specs: tuple[str, ...],
    secrets_file: str | None,
    concurrency: int,
    lease: float,
    job_timeout: float,
    retry_backoff: float,
    poll_interval: float,
    timer_lease: float,
    grace: float,
    history_ttl: str | None,
    prune_rate: float | None,
    prune_batch_ms: float,
    node_id: str | None,
    metrics_port: int | None,
    metrics_host: str,
    trace: bool,
    log_level: str,
    **limits: int | None,
) -> None:
    """Run an engine node until SIGTERM or Ctrl-C.

    Many nodes may share one PostgreSQL database; SQLite serves one node. On SIGTERM the
    node stops claiming work, lets running jobs finish (up to --grace seconds) and hands
    back the leases of the rest.
    """
    setup_logging(log_level)
    secrets = load_secrets(secrets_file)
    workers = node_workers(worker_specs, secrets, trace=trace)
    settings = settings_for(database_url, **limits)
    settings = settings.with_(pool_max_size=max(settings.pool_max_size, concurrency + 6))
    try:
        ttl = parse_ttl(history_ttl, "--history-ttl") if history_ttl else settings.history_ttl
    except SettingsError as exc:
        raise click.BadParameter(str(exc), param_hint="--history-ttl") from None
    try:
        store = open_store(settings)
    except (StoreError, SettingsError) as exc:
        raise failure(exc) from None
    node = Node(
        store,
        workers,
        node_id=node_id,
        options=RuntimeOptions.from_settings(
            settings, retry_backoff=dt.timedelta(seconds=retry_backoff)
        ),
        executor=ExecutorOptions(
            concurrency=concurrency, lease=lease, timeout=job_timeout, poll_interval=poll_interval
        ),
        node=NodeOptions(
            timer_lease=timer_lease,
            grace=grace,
            timer_poll=poll_interval,
            history_ttl=ttl,
            prune_rate=prune_rate,
            prune_batch_ms=prune_batch_ms,
            alerts=alert_options(),
        ),
    )
    kinds = ", ".join(workers.types) or "none"
    click.echo(f"regista engine {node.node_id}: workers for {kinds}", err=True)
    exporter = None
    metrics = Metrics(store, clock=node.shell.now) if metrics_port is not None else None
    try:
        if metrics is not None or trace:
            node.shell.observer = traced(metrics or NoObserver(), trace)
    except TracingUnavailable as exc:
        node.shell.close()
        store.close()
        raise click.UsageError(str(exc)) from None
    if metrics is not None and metrics_port is not None:  # both, for the type checker
        try:
            exporter = metrics.serve(metrics_port, metrics_host)
        except OSError as exc:
            node.shell.close()
            store.close()
            raise click.BadParameter(
                f"cannot listen on {metrics_host}:{metrics_port} ({exc.strerror or exc}); "
                "choose another port or host",
                param_hint="--metrics-port",
            ) from None
        click.echo(
            f"regista engine {node.node_id}: metrics on "
            f"http://{metrics_host}:{exporter.port}/metrics",
            err=True,
        )
    inbound = InboundConnectors(node.shell, secrets, node_name=node.node_id)
    inbound.start()
    try:
        released = node.serve()
    except StoreError as exc:
        raise failure(exc) from None
    finally:
        if exporter is not None:
            exporter.stop()
        inbound.stop()
        node.shell.close()
        store.close()
    click.echo(
        f"regista engine {node.node_id}: stopped ({released} lease(s) handed back)", err=True
    )


if __name__ == "__main__":
    engine_command()
