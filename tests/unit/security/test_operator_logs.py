"""What an operator's log shows: every incident at warning level with its instance and
element; database driver noise as one line without a traceback."""

from __future__ import annotations

import io
import logging
import sys

import psycopg
import pytest

from regista.bpmn import ProcessBuilder
from regista.cli.logs import OneLine
from regista.runtime.local import LocalRuntime
from regista.store import StoreUnavailable


def test_the_engine_logs_each_incident_with_instance_and_element(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="regista.runtime")
    with LocalRuntime() as rt:
        rt.deploy(
            ProcessBuilder("p").start("s").script_task("py", script="1", format="python").end("e")
        )
        instance = rt.start("p", {})
    (record,) = [r for r in caplog.records if "incident" in r.getMessage()]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert f"in instance {instance} at py:" in message
    assert "runs only in models deployed as trusted" in message


def _formatted(record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(OneLine())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.handle(record)
    return stream.getvalue()


def _record(name: str, message: str, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.WARNING, __file__, 1, message, None, exc_info)


def test_driver_messages_are_one_line() -> None:
    noisy = "error connecting in 'pool-1': connection failed: refused\n\tIs the server running?"
    out = _formatted(_record("psycopg.pool", noisy))
    assert out == "WARNING psycopg.pool: error connecting in 'pool-1': connection failed: refused\n"


@pytest.mark.parametrize(
    "exc",
    [
        psycopg.OperationalError("server closed the connection unexpectedly\n\tThis probably"),
        StoreUnavailable("the database does not answer"),
    ],
)
def test_a_database_error_loses_its_traceback(exc: BaseException) -> None:
    out = _formatted(_record("regista.runtime", "timer t1 could not fire", exc))
    assert out.count("\n") == 1 and "Traceback" not in out
    assert f"timer t1 could not fire: {type(exc).__name__}: " in out


def test_other_errors_keep_their_traceback() -> None:
    out = _formatted(_record("regista.runtime", "job failed", ValueError("a bug")))
    assert "Traceback" in out and "ValueError: a bug" in out
