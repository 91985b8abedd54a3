"""Helpers of the UI tests: an application with the UI mounted over the memory store, its
users (an administrator, an operator, a tasklist user), served over real HTTP, and a browser
-like client that signs in through the login form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
from argon2 import PasswordHasher
from fastapi import FastAPI

from regista.api import ServerOptions, create_app
from regista.api.authenticator import StoredAuthenticator
from regista.api.identity import Directory, Passwords
from regista.client import Client
from regista.runtime.shell import Clock
from regista.settings import Settings
from regista.store import open_store
from regista.store.memory import MemoryStore
from regista.ui import mount_ui
from serving import serve

USERS = {
    "root": ("s3cret-root", ["admin"]),
    "olga": ("s3cret-olga", ["operator"]),
    "ursula": ("s3cret-ursula", ["user"]),
    "mona": ("s3cret-mona", ["modeler"]),
}


@dataclass
class UiServed:
    app: FastAPI
    client: Client
    directory: Directory
    url: str

    def browser(self) -> httpx.Client:
        """A client that keeps cookies, as a browser does (not signed in)."""
        return httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)

    @contextmanager
    def signed_in(self, username: str) -> Iterator[httpx.Client]:
        """A browser signed in as `username` through the login form."""
        with self.browser() as browser:
            answer = browser.post(
                "/ui/login",
                data={"username": username, "password": USERS[username][0], "next": "/ui/"},
            )
            assert answer.status_code == 303, answer.text
            yield browser


def csrf_of(page: str) -> str:
    """The CSRF token a page carries in its `<meta name="csrf-token">`."""
    found = re.search(r'<meta name="csrf-token" content="([^"]*)">', page)
    assert found is not None, "the page has no CSRF token"
    return found.group(1)


@contextmanager
def ui_app(
    *, auth: str = "basic", database_url: str | None = None, clock: Clock | None = None
) -> Iterator[UiServed]:
    """The API and the UI over a memory store with `USERS`, served over real HTTP. With
    `database_url` (SQLite), over that database instead, which process intelligence
    (`/v2/insight`) reads too; `clock` replaces the system clock."""
    settings = None if database_url is None else Settings.from_env({}, database_url=database_url)
    store = MemoryStore() if settings is None else open_store(settings)
    with Client(store, clock=clock) as client:
        # argon2id with small costs: the same code path, a fraction of the time
        cheap = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        directory = Directory(store, passwords=cheap)
        for name, (password, roles) in USERS.items():
            directory.create_user(name, password, roles=roles)
        options = ServerOptions(auth="none" if auth == "none" else "basic")
        app = create_app(
            client,
            options,
            authenticator=None if auth == "none" else StoredAuthenticator(directory),
            insight=settings,
        )
        mount_ui(app, client, options)
        with serve(app) as url:
            yield UiServed(app, client, directory, url)
    store.close()
