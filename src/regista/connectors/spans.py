"""OpenTelemetry spans of connector calls (`--trace`): one span `regista.connector` around
each call a connector makes for a job, with what an operator needs to find it and nothing
a secret could be in.

The attributes: `regista.connector.type` (the job type), `regista.element.id`,
`regista.instance.key`, `regista.job.key`, `regista.process.id`, and
`regista.connector.outcome` — `completed`, `bpmn_error`, `failed` (the job fails, to be
retried or to raise an incident) or `error` (the connector raised something else) — with
`regista.connector.error_code` (the failure's code: an HTTP status, TIMEOUT, ...; or the
BPMN error's code). An HTTP call adds `http.request.method` and
`http.response.status_code`. Never a URL, header, body or message: those are where
`{{secrets.X}}` values are resolved into.

The outcome is heard through `outcome.watching`, since every connector passes it through
`conclude`; the span is current while the connector runs, so an instrumented HTTP client's
own span is its child.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from regista.connectors.http import HTTP_JSON
from regista.connectors.outcome import Outcome, watching
from regista.runtime.workers import ActivatedJob, BpmnError, Handler, JobFailure, Workers

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer

__all__ = ["SPAN_NAME", "TracedConnector", "traced_connectors"]

SPAN_NAME = "regista.connector"
_HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def _status(response: Any) -> int | None:
    if isinstance(response, Mapping):
        status = response.get("status")
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    return None


class TracedConnector:
    """A connector whose every call is a span (see the module docstring)."""

    def __init__(self, job_type: str, handler: Handler, tracer: Tracer) -> None:
        self.job_type = job_type
        self.handler = handler
        self._tracer = tracer

    def _attributes(self, job: ActivatedJob) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "regista.connector.type": self.job_type,
            "regista.element.id": job.element_id,
            "regista.instance.key": job.instance_id,
            "regista.job.key": job.id,
        }
        if job.process_id:
            attributes["regista.process.id"] = job.process_id
        if self.job_type == HTTP_JSON:
            # only a method the connector knows: the input could hold anything
            method = str(job.variables.get("method") or "GET").upper()
            if method in _HTTP_METHODS:
                attributes["http.request.method"] = method
        return attributes

    def _heard(self, span: Span, outcome: Outcome) -> None:
        status = _status(outcome.response)
        if outcome.failed is not None:
            status = _status(outcome.failed.response)
            code = outcome.failed.code
            if status is None and code.isdigit():
                status = int(code)
            span.set_attribute("regista.connector.error_code", code)
        if status is not None and self.job_type == HTTP_JSON:
            span.set_attribute("http.response.status_code", status)

    def __call__(self, job: ActivatedJob) -> Mapping[str, Any] | None:
        from opentelemetry.trace import SpanKind, StatusCode

        with self._tracer.start_as_current_span(
            SPAN_NAME,
            kind=SpanKind.CLIENT,
            attributes=self._attributes(job),
            # the exception's text may carry what a secret resolved to: not recorded
            record_exception=False,
            set_status_on_exception=False,
        ) as span:
            try:
                with watching(lambda outcome: self._heard(span, outcome)):
                    result = self.handler(job)
            except BpmnError as exc:
                span.set_attribute("regista.connector.outcome", "bpmn_error")
                span.set_attribute("regista.connector.error_code", exc.code)
                raise
            except JobFailure:
                span.set_attribute("regista.connector.outcome", "failed")
                span.set_status(StatusCode.ERROR, "the job failed")
                raise
            except Exception as exc:
                span.set_attribute("regista.connector.outcome", "error")
                span.set_status(StatusCode.ERROR, type(exc).__name__)
                raise
            span.set_attribute("regista.connector.outcome", "completed")
            return result


def traced_connectors(workers: Workers, tracer: Tracer) -> Workers:
    """`workers` with each handler a `TracedConnector` made with `tracer`."""
    traced = Workers()
    for job_type in workers.types:
        handler = workers.handler(job_type)
        if handler is not None:
            traced.register(job_type, TracedConnector(job_type, handler, tracer))
    return traced
