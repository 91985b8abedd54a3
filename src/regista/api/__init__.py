"""Regista api layer: the REST server (see docs/architecture.md).

`create_app` builds the FastAPI application over a `Client`; `regista server` runs it on
uvicorn with an engine node in the same process.
"""

from regista.api.app import create_app
from regista.api.options import ServerOptions

__all__ = ["ServerOptions", "create_app"]
