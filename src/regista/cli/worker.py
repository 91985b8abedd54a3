"""`regista worker`: run `@worker` handlers against a Regista server over HTTP."""

from __future__ import annotations

import logging

import click

from regista.runtime.workers import WorkerLoadError, Workers, load_workers

__all__ = ["worker_command"]


@click.command("worker")
@click.argument("modules", nargs=-1, required=True)
@click.option(
    "--url", required=True, envvar="REGISTA_URL", help="The server, e.g. http://host:8080"
)
@click.option("--user", envvar="REGISTA_USER", help="User name (HTTP Basic).")
@click.option("--password", envvar="REGISTA_PASSWORD", help="Password (HTTP Basic).")
@click.option("--api-key", envvar="REGISTA_API_KEY", help="An API key (sent as a bearer token).")
@click.option("--name", help="The worker's name in the jobs' history (default: host:pid).")
@click.option("--concurrency", default=4, show_default=True, help="Jobs run at a time.")
@click.option(
    "--lease",
    default=60.0,
    show_default=True,
    help="Seconds a job is leased (extended while it runs).",
)
@click.option("--poll", default=30.0, show_default=True, help="Seconds a long poll waits for jobs.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
def worker_command(
    modules: tuple[str, ...],
    url: str,
    user: str | None,
    password: str | None,
    api_key: str | None,
    name: str | None,
    concurrency: int,
    lease: float,
    poll: float,
    log_level: str,
) -> None:
    """Run the @worker handlers of MODULES (dotted names or .py files) against the server
    at --url until SIGTERM: jobs of their types are activated, run and reported.

    \b
    regista worker --url http://localhost:8080 --user bot --password pw workers.py
    """
    from regista.worker import ExternalWorker, WorkerError

    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    if (user is None) != (password is None):
        raise click.BadParameter("give both --user and --password, or neither", param_hint="--user")
    workers = Workers()
    try:
        for spec in modules:
            workers.update(load_workers(spec))
    except WorkerLoadError as exc:
        raise click.ClickException(str(exc)) from None
    external = ExternalWorker(
        url,
        workers,
        auth=(user, password) if user is not None and password is not None else None,
        api_key=api_key,
        name=name,
        concurrency=concurrency,
        lease=lease,
        poll=poll,
    )
    click.echo(f"regista worker for {', '.join(workers.types)} on {url}", err=True)
    try:
        external.serve()
    except WorkerError as exc:
        raise click.ClickException(str(exc)) from None
