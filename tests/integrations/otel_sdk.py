"""The OpenTelemetry SDK as a project sets it up, once per test process: the global meter
provider (which guardrails' counter uses) reads into memory; each test's spans go to its own
in-memory exporter behind the real Django instrumentation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.test import override_settings
from opentelemetry import metrics
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

# Delta: each read holds what was counted since the one before.
READER = InMemoryMetricReader(preferred_temporality={Counter: AggregationTemporality.DELTA})
METER_PROVIDER = MeterProvider(metric_readers=[READER])
metrics.set_meter_provider(METER_PROVIDER)


@contextmanager
def instrumented(exporter: SpanExporter | None = None) -> Iterator[InMemorySpanExporter]:
    """Django instrumented as opentelemetry-instrumentation-django does it, its spans exported
    to memory (and to ``exporter`` too)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    READER.get_metrics_data()  # drop what earlier tests counted
    with override_settings(MIDDLEWARE=list(settings.MIDDLEWARE)):  # instrument() edits it
        DjangoInstrumentor().instrument(tracer_provider=provider, meter_provider=METER_PROVIDER)
        try:
            yield memory
        finally:
            DjangoInstrumentor().uninstrument()
            provider.shutdown()


def server_span(exporter: InMemorySpanExporter) -> ReadableSpan:
    [span] = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    return span


def finding_counts() -> dict[tuple[Any, Any], int]:
    """``guardrails.findings`` since the last read: (kind, place) -> count."""
    counts: dict[tuple[Any, Any], int] = {}
    data = READER.get_metrics_data()
    for resource in data.resource_metrics if data is not None else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != "guardrails.findings":
                    continue
                for point in metric.data.data_points:
                    attributes = point.attributes or {}
                    key = (attributes["guardrails.kind"], attributes["guardrails.place"])
                    counts[key] = counts.get(key, 0) + int(point.value)  # type: ignore[union-attr]
    return counts
