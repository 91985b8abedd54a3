"""OpenTelemetry spans of the runtime's work, when the process configures a tracer.

`Spans` is a runtime `Observer` (`regista.runtime.metrics`): each unit of work becomes a span
`regista.<kind>` (start, report_job, complete_user_task, fire_timer, ...), and each job a
worker reported becomes a span `regista.job` from the job's creation to the report, with its
type and outcome. They are recorded when the shell reports the commit, with the start and
end times measured then, so a command's span is a child of whatever span is current on the
thread that ran it (an instrumented HTTP request, say). Only the OpenTelemetry API is
needed (the `otel` extra); where spans go is the process's tracer provider
(`opentelemetry-instrument`, or the SDK set up by the application); without one they cost
a no-op call. Connector calls are spans too (`regista.connectors.spans`), made with the
same tracer when the node's workers are built with `--trace`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from regista.runtime.metrics import NoObserver, Observer, Observers

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

__all__ = ["Spans", "TracingUnavailable", "configured_spans", "configured_tracer", "traced"]


class TracingUnavailable(Exception):
    """The OpenTelemetry API is not installed."""


class Spans(NoObserver):
    """Spans of commands and jobs (see the module docstring) made with `tracer`."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def _span(self, name: str, seconds: float, attributes: dict[str, str]) -> None:
        end = time.time_ns()
        span = self._tracer.start_span(
            name, start_time=end - int(seconds * 1e9), attributes=attributes
        )
        span.end(end_time=end)

    def command(self, kind: str, seconds: float) -> None:
        self._span(f"regista.{kind}", seconds, {"regista.command": kind})

    def job_done(self, job_type: str, outcome: str, seconds: float) -> None:
        self._span(
            "regista.job", seconds, {"regista.job.type": job_type, "regista.job.outcome": outcome}
        )


def configured_tracer() -> Tracer:
    """The tracer of the process's tracer provider (commands, jobs and the connectors'
    calls are spans of it); `TracingUnavailable` when the OpenTelemetry API is not
    installed."""
    try:
        from opentelemetry import trace
    except ImportError:
        raise TracingUnavailable(
            "tracing needs the OpenTelemetry API: pip install 'regista[otel]'"
        ) from None
    from regista.version import __version__

    return trace.get_tracer("regista", __version__)


def configured_spans() -> Spans:
    """Spans made with `configured_tracer`."""
    return Spans(configured_tracer())


def traced(observer: Observer, trace: bool) -> Observer:
    """`observer`, and with `trace` the configured spans beside it (`regista server
    --trace`, `regista engine --trace`)."""
    return Observers(observer, configured_spans()) if trace else observer
