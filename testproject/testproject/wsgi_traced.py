"""WSGI entry point with OpenTelemetry: traces and metrics of each request, guardrails' findings
among them (``settings.production_sampled`` names it as ``WSGI_APPLICATION``, so ``runserver``
serves it too).

Where they go is read from the standard variables: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (e.g.
``http://collector:4318``) exports over OTLP/HTTP; without it spans print on the console.
``OTEL_SERVICE_NAME`` names the service.
"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application
from opentelemetry import metrics, trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
)


def configure_opentelemetry() -> None:
    """The SDK's providers, set once per process, and Django's instrumentation."""
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "testproject")})
    tracer_provider = TracerProvider(resource=resource)
    processor: SpanProcessor
    metric_exporter: MetricExporter
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
        metric_exporter = OTLPMetricExporter()
    else:
        processor = SimpleSpanProcessor(ConsoleSpanExporter())
        metric_exporter = ConsoleMetricExporter()
    tracer_provider.add_span_processor(processor)
    trace.set_tracer_provider(tracer_provider)
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=60_000)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    DjangoInstrumentor().instrument()  # before the handler below loads the middleware


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.production_sampled")
configure_opentelemetry()
application = get_wsgi_application()
