"""What every endpoint gets: the runtime it works on and who is calling.

`Services` (on `app.state.services`) holds the client of the database, the engine node of
this process (None on an API-only node) and the server options. `Principal` is the
authenticated caller with their roles and groups; `require(role, ...)` is the dependency
an endpoint declares to be reachable only with one of those roles (admin passes every
check).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from regista.api.options import ServerOptions
from regista.api.problems import ApiError
from regista.api.sessions import session_authorization
from regista.client import Client
from regista.runtime.node import Node

__all__ = [
    "ROLES",
    "Authenticator",
    "Principal",
    "Requirement",
    "Services",
    "caller",
    "require",
    "services",
]

#: The roles of the API: admin (everything), modeler (deploy), operator (instances,
#: incidents, jobs), worker (jobs and external tasks), user (the tasklist).
ROLES = ("admin", "modeler", "operator", "worker", "user")


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    username: str
    roles: frozenset[str]
    groups: frozenset[str] = field(default_factory=frozenset)
    display_name: str | None = None
    email: str | None = None

    def has(self, *roles: str) -> bool:
        """Whether the caller holds one of `roles` (an admin holds them all)."""
        return "admin" in self.roles or any(role in self.roles for role in roles)


class Authenticator(Protocol):
    """Turns the `Authorization` header into a caller; None when it names nobody known
    (or is missing)."""

    def authenticate(self, authorization: str | None) -> Principal | None: ...


_ANONYMOUS = Principal("anonymous", frozenset(ROLES))


class OpenDoor:
    """`--auth none`: every request is an administrator (a laptop only)."""

    def authenticate(self, authorization: str | None) -> Principal | None:
        return _ANONYMOUS

    def cached(self, authorization: str | None) -> Principal | None:
        """The same caller, at once (nothing to verify)."""
        return self.authenticate(authorization)


@dataclass(slots=True)
class Services:
    """The runtime the API works on (see the module docstring)."""

    client: Client
    options: ServerOptions
    authenticator: Authenticator
    node: Node | None = None


def services(request: Request) -> Services:
    """The services of the application serving `request`."""
    found: Services = request.app.state.services
    return found


def caller(request: Request) -> Principal:
    """The authenticated caller, or a 401 problem asking for credentials."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    header = session_authorization(request)
    principal = services(request).authenticator.authenticate(header)
    if principal is None:
        raise ApiError(
            401,
            "authentication is required: send HTTP Basic credentials or "
            "'Authorization: Bearer <API key>'"
            if header is None
            else "the credentials are not valid",
            headers={"WWW-Authenticate": 'Basic realm="regista", charset="UTF-8"'},
        )
    request.state.principal = principal
    return principal


def _known_caller(request: Request) -> Principal | None:
    """The caller when this request or the credentials' cache already knows it."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    # An authenticator that keeps no cache (a test's, say) has no `cached`: verify then.
    lookup = getattr(services(request).authenticator, "cached", None)
    principal: Principal | None = (
        lookup(session_authorization(request)) if lookup is not None else None
    )
    if principal is not None:
        request.state.principal = principal
    return principal


class Requirement:
    """The dependency `require` makes: the caller, who must hold one of `roles` (else 403).
    `roles` stays readable so that the permission matrix test can check each endpoint."""

    def __init__(self, *roles: str) -> None:
        self.roles = roles

    def known(self, request: Request) -> Principal | None:
        """The caller, when found without verifying anything (cached credentials) and
        holding one of the roles; None when `__call__` has more to do (verify, refuse).
        For the hot lane: the `Authorization` header is read straight from the scope."""
        authorization: str | None = None
        session = False
        for name, value in request.scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
            if name == b"cookie":
                session = True
        principal: Principal | None
        if authorization is None and session:
            try:  # a browser's session: its origin and CSRF checks
                principal = _known_caller(request)
            except ApiError:  # a session without its CSRF token: `__call__` refuses it
                return None
        else:
            lookup = getattr(services(request).authenticator, "cached", None)
            principal = lookup(authorization) if lookup is not None else None
        return principal if principal is not None and principal.has(*self.roles) else None

    async def __call__(self, request: Request) -> Principal:
        # A coroutine: a caller already verified is found without a thread hop; verifying
        # (argon2, the database) runs in a worker thread.
        principal = _known_caller(request)
        if principal is None:
            principal = await run_in_threadpool(caller, request)
        if not principal.has(*self.roles):
            raise ApiError(
                403,
                f"the user {principal.username!r} may not do this: it needs the role "
                f"{', '.join(self.roles)} (or admin)",
            )
        return principal


def require(*roles: str) -> Requirement:
    """A dependency: the caller, who must hold one of `roles` (else 403)."""
    return Requirement(*roles)
