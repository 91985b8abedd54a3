"""OpenTelemetry spans of commands and jobs (`insight/tracing.py`), caught with the SDK's
in-memory exporter, beside the Prometheus metrics through `Observers`."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from regista.bpmn import ProcessBuilder
from regista.insight.metrics import Metrics
from regista.insight.tracing import Spans, traced
from regista.runtime.local import LocalRuntime
from regista.runtime.metrics import Observers


def test_commands_and_jobs_become_spans_beside_the_metrics() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with LocalRuntime() as runtime:
        metrics = Metrics(runtime.store, clock=runtime.now)
        runtime.shell.observer = Observers(metrics, Spans(provider.get_tracer("test")))
        runtime.deploy(ProcessBuilder("order").start("s").service_task("pay", type="pay").end())
        instance_id = runtime.start("order")
        runtime.complete_job(runtime.jobs(instance_id)[0].id)
        text = metrics.exposition().decode()
    spans = exporter.get_finished_spans()
    names = [span.name for span in spans]
    assert {"regista.deploy", "regista.start", "regista.report_job", "regista.job"} <= set(names)
    job = next(span for span in spans if span.name == "regista.job")
    assert job.attributes == {"regista.job.type": "pay", "regista.job.outcome": "completed"}
    start = next(span for span in spans if span.name == "regista.start")
    assert start.attributes == {"regista.command": "start"}
    assert start.start_time is not None and start.end_time is not None
    assert start.start_time <= start.end_time
    # the metrics heard the same work
    assert 'regista_instances_completed_total{process="order"} 1.0' in text


def test_without_trace_the_observer_is_left_alone() -> None:
    metrics = Metrics()
    assert traced(metrics, False) is metrics
    both = traced(metrics, True)
    assert isinstance(both, Observers) and both.observers[0] is metrics
