"""The workers an engine node runs: Regista's connectors, then the user's `@worker`
modules (which win for the same job type), with the `--secrets-file` connectors read
`{{secrets.NAME}}` from."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import click

from regista.connectors import SecretError, Secrets, standard_connectors
from regista.insight.tracing import TracingUnavailable, configured_tracer
from regista.runtime.workers import WorkerLoadError, Workers, load_workers

__all__ = ["SECRETS_FILE", "load_secrets", "node_workers", "secrets_option"]

SECRETS_FILE = "REGISTA_SECRETS_FILE"

F = TypeVar("F", bound=Callable[..., Any])


def secrets_option(fn: F) -> F:
    """The `--secrets-file` option."""
    return click.option(
        "--secrets-file",
        default=None,
        type=click.Path(dir_okay=False),
        help="NAME=value lines connectors read {{secrets.NAME}} from (default: "
        f"${SECRETS_FILE}; REGISTA_SECRET_<NAME> environment variables are read too).",
    )(fn)


def load_secrets(secrets_file: str | None) -> Secrets:
    """The secrets of the environment and of the secrets file; a file that cannot be read
    is a one-line CLI error."""
    try:
        return Secrets.load(os.environ, secrets_file or os.environ.get(SECRETS_FILE))
    except SecretError as exc:
        raise click.ClickException(str(exc)) from None


def node_workers(
    specs: Iterable[str], secrets: Secrets | str | None, *, trace: bool = False
) -> Workers:
    """The connectors and the workers of the modules `specs` names (`secrets`, or the
    secrets file to read them from), each connector call a span with `trace`; a module
    that cannot be loaded is a one-line CLI error."""
    if not isinstance(secrets, Secrets):
        secrets = load_secrets(secrets)
    tracer = None
    if trace:
        try:
            tracer = configured_tracer()
        except TracingUnavailable as exc:
            raise click.UsageError(str(exc)) from None
    workers = standard_connectors(secrets, tracer=tracer)
    try:
        for spec in specs:
            workers.update(load_workers(spec))
    except WorkerLoadError as exc:
        raise click.ClickException(str(exc)) from None
    return workers
