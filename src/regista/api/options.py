"""How a server runs: authentication, CORS, request limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["AuthMode", "ServerOptions"]

AuthMode = Literal["basic", "none"]

#: Origins a browser may call the API from by default: pages served on this machine (the
#: Camunda Modeler calls Camunda 7 endpoints from its renderer).
LOCAL_ORIGINS = r"^(https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?|file://.*|null)$"


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """`auth` "basic" checks HTTP Basic credentials and bearer API keys; "none" lets
    every request in as an administrator (a laptop; the server refuses to bind to anything
    but localhost then). `cors_origins` lists the origins browsers may call from (None:
    any origin on this machine). A request body over `max_body_bytes` is refused with 413;
    long polls wait at most `max_long_poll` seconds."""

    auth: AuthMode = "basic"
    cors_origins: tuple[str, ...] | None = None
    max_body_bytes: int = 16 * 1024 * 1024
    max_long_poll: float = 60.0
    gateway_version: str = "8.8.0"
    cors_regex: str = field(default=LOCAL_ORIGINS)
    metrics_public: bool = False
    """Whether `/metrics` answers without credentials (else operators and admins only)."""
    hot_lane: bool = True
    """Whether starts, job activations and completions take the hot lane (`api/lane.py`);
    off, FastAPI's router answers them as every other request (the tests compare both)."""
