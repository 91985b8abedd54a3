"""`regista server --demo`: the four sector demos deployed from the installed package,
their simulated workers in the engine, a login to try them with, and the traffic that
keeps them moving (`regista.demos`). Off unless `--demo`."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from regista.runtime.workers import Workers

if TYPE_CHECKING:
    from regista.api.identity import Directory
    from regista.client import Client
    from regista.demos.traffic import Traffic

__all__ = ["DEMO_USER", "DemoMode", "demo_options"]

#: The administrator `--demo` creates when the database has none.
DEMO_USER = "demo"

F = TypeVar("F", bound=Callable[..., Any])


def demo_options(fn: F) -> F:
    """The `--demo`, `--demo-rate` and `--demo-seed` options."""
    fn = click.option(
        "--demo-seed",
        type=int,
        default=None,
        help="Seed of the demo traffic: the same seed starts the same instances "
        "(default: a new one each start, printed).",
    )(fn)
    fn = click.option(
        "--demo-rate",
        type=click.FloatRange(min=0, min_open=True),
        default=6.0,
        show_default=True,
        help="Demo instances started per minute.",
    )(fn)
    return click.option(
        "--demo",
        is_flag=True,
        help="Deploy the four sector demos (banking, fashion, manufacturing, utilities) with "
        "their simulated workers, and run traffic that starts instances, completes tasks and "
        "sends messages.",
    )(fn)


class DemoMode:
    """What `--demo` adds to a server, step by step; every step does nothing when the
    demo is off, so the server calls each unconditionally."""

    def __init__(self, enabled: bool, *, rate: float = 6.0, seed: int | None = None) -> None:
        self.enabled = enabled
        self.rate = rate
        # a new seed each start unless given: a restart on the same database draws new keys
        self.seed = secrets.randbelow(1_000_000) if seed is None else seed
        self.traffic: Traffic | None = None

    def check(self, *, engine: bool) -> None:
        """Refuse `--demo` on a server without an engine (nobody would run its workers)."""
        if self.enabled and not engine:
            raise click.UsageError(
                "--demo needs the engine, which runs the demos' workers and timers; "
                "drop --no-engine"
            )

    def workers(self, workers: Workers) -> Workers:
        """The demos' simulated workers plus `workers` (which win on the same job type)."""
        if not self.enabled:
            return workers
        from regista.demos.catalog import demo_workers

        combined = demo_workers()
        combined.update(workers)
        return combined

    def deploy(self, client: Client) -> None:
        """Deploy every demo's models and forms in one deployment and say what."""
        if not self.enabled:
            return
        from regista.demos.catalog import DEMOS, demo_resources

        deployed = client.shell.deploy(demo_resources(), actor="regista server --demo")
        for item in deployed:
            kind, _, name = item.process_id.partition(":")
            if kind == "dmn":
                continue  # the DMN model as a whole; its decisions are listed one by one
            if not name:
                kind, name = "process", kind
            what = "deployed" if item.created else "unchanged"
            click.echo(f"demo {what}: {kind} {name} version {item.version}", err=True)
        for demo in DEMOS:
            click.echo(f"demo: {demo.title} ({demo.process_id})", err=True)

    def login(self, directory: Directory | None) -> None:
        """Say how to log in: `--auth none` needs nothing; else, when the database has no
        administrator, create `demo` with a random password and print it once."""
        if not self.enabled:
            return
        if directory is None:
            click.echo("demo login: none needed (--auth none)", err=True)
            return
        if os.environ.get("REGISTA_ADMIN_USER"):
            user = os.environ["REGISTA_ADMIN_USER"]
            click.echo(f"demo login: user {user!r}, password $REGISTA_ADMIN_PASSWORD", err=True)
            return
        password = secrets.token_urlsafe(12)
        outcome = directory.ensure_admin(DEMO_USER, password)
        if outcome == "created":
            click.echo(f"demo login: user {DEMO_USER!r}, password {password!r}", err=True)
        else:
            click.echo(
                "demo login: an administrator exists in this database; log in as them (the "
                "demo user's password is printed only when it is created)",
                err=True,
            )

    def start(self, client: Client) -> None:
        """Start the traffic thread."""
        if not self.enabled:
            return
        from regista.demos.traffic import Traffic

        self.traffic = Traffic(client, seed=self.seed, rate=self.rate)
        self.traffic.start()
        click.echo(f"demo traffic: {self.rate:g} instances a minute, seed {self.seed}", err=True)

    def stop(self) -> None:
        """Stop the traffic thread (before the node and the client close)."""
        if self.traffic is not None:
            self.traffic.stop()
            self.traffic = None
