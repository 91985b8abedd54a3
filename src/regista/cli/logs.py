"""The log of a long-running command (`regista engine`, `regista server`): one format, and
database driver noise turned into one line per event.

psycopg and its pool log connection failures with several lines of server text, and an
exception from the database carries a traceback through the driver's internals; neither
helps an operator, who needs to know that the database did not answer and why. `OneLine`
keeps the first line of such a message and drops the traceback of a database error.
"""

from __future__ import annotations

import logging

from regista.store import StoreError

__all__ = ["OneLine", "setup_logging"]

_DRIVER_LOGGERS = ("psycopg",)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _is_database_error(exc: BaseException | None) -> bool:
    if exc is None:
        return False
    if isinstance(exc, StoreError):
        return True
    return type(exc).__module__.split(".")[0] in ("psycopg", "psycopg_pool", "sqlite3")


class OneLine(logging.Filter):
    """Database driver records and database errors become one line, without traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        from_driver = record.name.split(".")[0] in _DRIVER_LOGGERS
        exc = record.exc_info[1] if record.exc_info else None
        if not from_driver and not _is_database_error(exc):
            return True
        message = _first_line(record.getMessage())
        if exc is not None:
            message = f"{message}: {type(exc).__name__}: {_first_line(str(exc))}"
        record.msg, record.args = message, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def setup_logging(level: str) -> None:
    """Log to standard error at `level` ("debug", "info", ...), database noise one line."""
    logging.basicConfig(
        level=getattr(logging, level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, OneLine) for f in handler.filters):
            handler.addFilter(OneLine())
