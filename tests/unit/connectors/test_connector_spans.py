"""Connector calls as OpenTelemetry spans (`connectors/spans.py`), caught with the SDK's
in-memory exporter: the attributes of each outcome, the span current while the call goes
out, and no secret anywhere in what is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from regista.connectors import HTTP_JSON, HttpConnector, Secrets, standard_connectors
from regista.connectors.spans import SPAN_NAME, TracedConnector, traced_connectors
from regista.runtime.workers import ActivatedJob, BpmnError, JobFailure, Workers

SECRET = "s3cr3t-t0ken-value"
PATH_SECRET = "hidden-path-part"
SECRETS = Secrets({"TOKEN": SECRET, "PART": PATH_SECRET})


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracer(exporter: InMemorySpanExporter) -> trace.Tracer:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test")


@pytest.fixture
def seen() -> list[trace.SpanContext]:
    """The span context current when each request went out."""
    return []


@pytest.fixture
def http(seen: list[trace.SpanContext]) -> Iterator[httpx.Client]:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(trace.get_current_span().get_span_context())
        if request.url.path.startswith("/down"):
            raise httpx.ConnectError("refused", request=request)
        if request.url.path.startswith("/missing"):
            return httpx.Response(404, json={"detail": f"no {request.url.path}"})
        return httpx.Response(201, json={"token": request.headers.get("authorization")})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        yield client


def _job(path: str, headers: dict[str, str] | None = None) -> ActivatedJob:
    return ActivatedJob(
        id="job-1",
        type=HTTP_JSON,
        instance_id="2251799813685249",
        element_id="call_api",
        element_instance_id="ei-1",
        variables={
            "method": "post",
            "url": f"https://api.example.test{path}/{{{{secrets.PART}}}}?key={{{{secrets.TOKEN}}}}",
            "authentication": {"type": "bearer", "token": "{{secrets.TOKEN}}"},
            "body": {"password": "{{secrets.TOKEN}}"},
        },
        headers=headers or {},
        process_id="orders",
    )


def _only(exporter: InMemorySpanExporter) -> ReadableSpan:
    (span,) = exporter.get_finished_spans()
    assert span.name == SPAN_NAME
    # nothing recorded holds a secret's value: attributes, events, status
    text = span.to_json()
    assert SECRET not in text and PATH_SECRET not in text
    return span


def _connector(tracer: trace.Tracer, http: httpx.Client) -> TracedConnector:
    return TracedConnector(HTTP_JSON, HttpConnector(SECRETS, http), tracer)


BASE = {
    "regista.connector.type": HTTP_JSON,
    "regista.element.id": "call_api",
    "regista.instance.key": "2251799813685249",
    "regista.job.key": "job-1",
    "regista.process.id": "orders",
    "http.request.method": "POST",
}


def test_a_call_that_succeeds(
    tracer: trace.Tracer,
    http: httpx.Client,
    exporter: InMemorySpanExporter,
    seen: list[trace.SpanContext],
) -> None:
    result = _connector(tracer, http)(_job("/ok", {"resultVariable": "answer"}))
    assert result is not None and result["answer"]["status"] == 201
    span = _only(exporter)
    assert dict(span.attributes or {}) == {
        **BASE,
        "http.response.status_code": 201,
        "regista.connector.outcome": "completed",
    }
    assert span.kind == trace.SpanKind.CLIENT
    assert span.status.status_code == StatusCode.UNSET
    # the connector's span was current as the request went out: a client span is its child
    assert [c.span_id for c in seen] == [span.context.span_id]


def test_a_status_that_fails_the_job(
    tracer: trace.Tracer, http: httpx.Client, exporter: InMemorySpanExporter
) -> None:
    with pytest.raises(JobFailure):
        _connector(tracer, http)(_job("/missing"))
    span = _only(exporter)
    assert dict(span.attributes or {}) == {
        **BASE,
        "http.response.status_code": 404,
        "regista.connector.error_code": "404",
        "regista.connector.outcome": "failed",
    }
    assert span.status.status_code == StatusCode.ERROR
    assert span.events == ()  # the failure's message is not recorded


def test_a_status_mapped_to_a_bpmn_error(
    tracer: trace.Tracer, http: httpx.Client, exporter: InMemorySpanExporter
) -> None:
    # two arguments, as Camunda's docs write it: the variables are optional
    expression = '=if error.code = "404" then bpmnError("NOT_FOUND", "gone") else null'
    mapping = {"errorExpression": expression}
    with pytest.raises(BpmnError):
        _connector(tracer, http)(_job("/missing", mapping))
    attributes = dict(_only(exporter).attributes or {})
    assert attributes["regista.connector.outcome"] == "bpmn_error"
    assert attributes["regista.connector.error_code"] == "NOT_FOUND"
    assert attributes["http.response.status_code"] == 404


def test_a_refused_connection(
    tracer: trace.Tracer, http: httpx.Client, exporter: InMemorySpanExporter
) -> None:
    with pytest.raises(JobFailure):
        _connector(tracer, http)(_job("/down"))
    attributes = dict(_only(exporter).attributes or {})
    assert attributes["regista.connector.error_code"] == "CONNECTION_ERROR"
    assert attributes["regista.connector.outcome"] == "failed"
    assert "http.response.status_code" not in attributes


def test_an_unexpected_exception_is_named_by_its_type_only(
    tracer: trace.Tracer, exporter: InMemorySpanExporter
) -> None:
    def broken(job: ActivatedJob) -> dict[str, Any]:
        raise ValueError(f"could not use {SECRET}")

    with pytest.raises(ValueError, match="could not use"):
        TracedConnector("io.example:broken:1", broken, tracer)(_job("/ok"))
    span = _only(exporter)
    attributes = dict(span.attributes or {})
    assert attributes["regista.connector.outcome"] == "error"
    assert "http.request.method" not in attributes  # not an HTTP connector
    assert (span.status.status_code, span.status.description) == (StatusCode.ERROR, "ValueError")


def test_the_standard_connectors_are_traced_only_with_a_tracer(tracer: trace.Tracer) -> None:
    plain = standard_connectors(SECRETS)
    assert isinstance(plain.handler(HTTP_JSON), HttpConnector)
    traced = standard_connectors(SECRETS, tracer=tracer)
    assert traced.types == plain.types
    assert all(isinstance(traced.handler(t), TracedConnector) for t in traced.types)
    mine = Workers({"a": lambda job: {}})
    assert json.dumps(traced_connectors(mine, tracer).types) == '["a"]'
