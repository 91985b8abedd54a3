"""Helpers of the identity API tests: an application over the memory store whose
authenticator checks stored users (with a cheap argon2 so that tests stay quick), and HTTP
Basic headers."""

from __future__ import annotations

import base64
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
from regista.store.memory import MemoryStore
from serving import serve

ADMIN = ("root", "s3cret")


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def cheap_passwords() -> Passwords:
    """argon2id with small costs: the same code path, a fraction of the time."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@dataclass
class Served:
    app: FastAPI
    directory: Directory
    http: httpx.Client
    admin: dict[str, str]


@contextmanager
def identity_app() -> Iterator[Served]:
    """An application with the administrator `ADMIN`, served over real HTTP."""
    store = MemoryStore()
    with Client(store) as client:
        directory = Directory(store, passwords=cheap_passwords())
        directory.create_user(*ADMIN, roles=["admin"])
        app = create_app(client, ServerOptions(), authenticator=StoredAuthenticator(directory))
        with serve(app) as url, httpx.Client(base_url=url, timeout=60) as http:
            yield Served(app, directory, http, basic(*ADMIN))
    store.close()
