"""OpenTelemetry on the real SDK behind the real Django instrumentation: each finding is an event
on the request's span, the span carries the request's counts, the counter counts by kind and
place; over OTLP/HTTP to a receiver on loopback; nothing secret in any of it; and nothing at
all without an SDK or without OpenTelemetry."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from django_guardrails import middleware
from django_guardrails.query import tracing as otel
from tests.integrations.otel_sdk import finding_counts, instrumented, server_span
from tests.integrations.otlp_receiver import attributes, receiver
from tests.query.sampling_urls import SECRET_LITERAL, SECRET_PARAMETER

pytestmark = pytest.mark.django_db

URLS = "tests.query.sampling_urls"
ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = "broken/templates/broken/invoice_list.html"


@pytest.fixture(autouse=True)
def _urls() -> Iterator[None]:
    call_command("seed_demo", verbosity=0)
    with override_settings(ROOT_URLCONF=URLS, GUARDRAILS={"MODE": "log"}):
        yield


def events(span: Any) -> list[dict[str, Any]]:
    return [dict(e.attributes) for e in span.events if e.name == "guardrails.finding"]


def test_each_finding_is_an_event_on_the_request_span(client: Client) -> None:
    with instrumented() as exporter:
        assert client.get("/broken/invoices/").status_code == 200
    span = server_span(exporter)
    assert span.attributes is not None
    assert span.attributes["guardrails.n_plus_one"] == 2
    assert span.attributes["guardrails.queries"] >= 7  # type: ignore[operator]
    found = {
        e["guardrails.relation"]: e for e in events(span) if e["guardrails.kind"] == "n_plus_one"
    }
    assert set(found) == {"broken.Invoice.customer", "broken.Invoice.line_items"}
    event = found["broken.Invoice.customer"]
    line = event["code.lineno"]
    assert event == {
        "guardrails.kind": "n_plus_one",
        "guardrails.place": f"{TEMPLATE}:{line}",
        "guardrails.count": 3,
        "guardrails.finding_id": event["guardrails.finding_id"],
        "guardrails.fix": '.select_related("customer")',
        "guardrails.relation": "broken.Invoice.customer",
        "guardrails.template": f"{TEMPLATE}:{line}",
        "code.filepath": TEMPLATE,
        "code.lineno": line,
        "code.function": "invoice_list",
        "db.system": otel.db_system(connection.vendor),
        "db.query.text": event["db.query.text"],
    }
    assert event["db.query.text"].startswith("SELECT ")
    assert "?" in event["db.query.text"]
    counts = finding_counts()
    assert counts[("n_plus_one", f"{TEMPLATE}:{line}")] == 1


def test_the_event_and_the_log_record_share_the_finding_id(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with instrumented() as exporter, caplog.at_level(logging.WARNING, "django_guardrails"):
        client.get("/broken/invoices/")
    from_events = {e["guardrails.finding_id"] for e in events(server_span(exporter))}
    from_logs = {getattr(r, "guardrails_finding_id", None) for r in caplog.records}
    assert from_events and from_events == from_logs


def test_a_correct_page_gets_its_counts_and_no_event(client: Client) -> None:
    with instrumented() as exporter:
        client.get("/books/")
    span = server_span(exporter)
    assert span.attributes is not None
    assert span.attributes["guardrails.queries"] == 1
    assert span.attributes["guardrails.n_plus_one"] == 0
    assert events(span) == []
    assert finding_counts() == {}


def test_a_request_not_sampled_leaves_its_span_untouched(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(middleware, "_draw", lambda: 0.5)
    with (
        override_settings(GUARDRAILS={"MODE": "log", "SAMPLE_RATE": 0.01}),
        instrumented() as exporter,
    ):
        client.get("/broken/invoices/")
    span = server_span(exporter)
    assert span.attributes is not None
    assert not [name for name in span.attributes if name.startswith("guardrails.")]
    assert events(span) == []
    assert finding_counts() == {}


def test_no_parameter_literal_or_path_secret_reaches_an_attribute_event_or_field(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    token = "c2h3k5-1a2b3c4d5e6f7a8b9c0d1e2f"
    with instrumented() as exporter, caplog.at_level(logging.WARNING, "django_guardrails"):
        client.get("/secret/")
        client.get(f"/reset/MQ/{token}/")
    servers = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    secret_events = events(servers[0])
    assert [e["guardrails.kind"] for e in secret_events] == ["n_plus_one"]
    assert len(events(servers[1])) == 1
    # What guardrails adds to a span (the instrumentation's own URL attributes are its own).
    shipped = [
        ({k: v for k, v in (s.attributes or {}).items() if k.startswith("guardrails.")}, events(s))
        for s in servers
    ]
    logged = [(r.getMessage(), vars(r)) for r in caplog.records]
    assert len(logged) == 2
    ours = repr(shipped) + repr(logged) + repr(finding_counts())
    for secret in (SECRET_PARAMETER, SECRET_LITERAL, token):
        assert secret not in ours


def test_exported_over_otlp_http_to_a_receiver(client: Client) -> None:
    with receiver() as received:
        exporter = OTLPSpanExporter(endpoint=received.url("/v1/traces"))
        with instrumented(exporter):
            client.get("/broken/invoices/")
    [span] = [s for s in received.spans() if s.kind == s.SPAN_KIND_SERVER]
    assert attributes(span.attributes)["guardrails.n_plus_one"] == 2
    relations = {
        attributes(event.attributes)["guardrails.relation"]
        for event in span.events
        if event.name == "guardrails.finding"
    }
    assert relations == {"broken.Invoice.customer", "broken.Invoice.line_items"}


_NO_SDK = """
import django
from django.conf import settings

settings.configure(
    SECRET_KEY="x" * 50,
    DEBUG=True,
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django_guardrails.middleware.QueryGuardMiddleware"],
    GUARDRAILS={"MODE": "log"},
    LOGGING={"version": 1, "loggers": {"django_guardrails": {"level": "CRITICAL"}}},
)

from django.http import HttpResponse
from django.urls import path


def names(request):
    from django.contrib.auth.models import User
    # One query per user: an N+1.
    return HttpResponse(", ".join(str(u.groups.count()) for u in User.objects.all()))


urlpatterns = [path("", names)]
django.setup()

import json, sys
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client

if IMPORT_API:
    from opentelemetry import metrics, trace  # the API alone: no SDK, no provider set
call_command("migrate", verbosity=0, run_syncdb=True)
for n in range(4):
    User.objects.create(username=f"u{n}")
response = Client().get("/")
from django_guardrails import failures
print(json.dumps({
    "status": response.status_code,
    "n_plus_one": response["X-Guardrails-N-Plus-One"],
    "internal_error": sorted(failures.logged()),
    "imported": sorted({n for n in sys.modules if n.startswith("opentelemetry")})[:3],
}))
"""


@pytest.mark.parametrize("api", [True, False], ids=["API without an SDK", "not imported"])
def test_without_an_sdk_or_without_opentelemetry_nothing_happens(api: bool) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _NO_SDK.replace("IMPORT_API", str(api))],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.sep,
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["status"] == 200
    assert found["n_plus_one"] == "1"
    assert found["internal_error"] == []
    if not api:
        assert found["imported"] == []  # guardrails imported none of it


# -- the production-like settings, served for real, exporting over OTLP/HTTP --------------------

_SERVE = textwrap.dedent(
    """
    import sys
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from testproject.wsgi_traced import application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, application, handler_class=Quiet)
    print(server.server_address[1], flush=True)
    for _ in range(int(sys.argv[1])):
        server.handle_request()
    """
)


def test_the_production_like_settings_sample_and_ship_over_otlp(tmp_path: Path) -> None:
    """testproject.settings.production_sampled served by its WSGI entry point: the traced page
    (its header) and a page of a path rule are watched, the findings reach the receiver as span
    events and counts, and the log is JSON with the finding's fields."""
    project = ROOT / "testproject"
    with receiver() as received:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "OTEL_"))},
            "DJANGO_SETTINGS_MODULE": "testproject.settings.production_sampled",
            "DJANGO_SECRET_KEY": "production-like-test-" + "k" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "GUARDRAILS_SQLITE_PATH": str(tmp_path / "db.sqlite3"),
            "OTEL_EXPORTER_OTLP_ENDPOINT": received.url(),
            "OTEL_SERVICE_NAME": "testproject-e2e",
            "PYTHONPATH": str(project),
        }
        for command in (["migrate"], ["seed_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "--verbosity", "0"],
                cwd=project,
                env=env,
                check=True,
                capture_output=True,
                timeout=300,
            )
        pages = [
            ("/broken/invoices/", {"X-Guardrails-Sample": "1"}),  # traced: watched
            ("/books/", {"X-Guardrails-Sample": "0"}),  # never watched
        ]
        server = subprocess.Popen(
            [sys.executable, "-c", _SERVE, str(len(pages))],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            for page, headers in pages:
                request = Request(
                    f"http://127.0.0.1:{port}{page}",
                    headers={**headers, "X-Forwarded-Proto": "https"},
                )
                with urlopen(request, timeout=30) as response:
                    assert response.status == 200
            _, stderr = server.communicate(timeout=60)  # exits: the SDK flushes at exit
        finally:
            server.kill()
    assert server.returncode == 0, stderr
    spans = {s.name: s for s in received.spans() if s.kind == s.SPAN_KIND_SERVER}
    traced = next(s for name, s in spans.items() if "invoices" in name)
    books = next(s for name, s in spans.items() if "books" in name or name == "GET")
    assert attributes(traced.attributes)["guardrails.n_plus_one"] == 2
    assert "guardrails.queries" not in attributes(books.attributes)
    found = [attributes(e.attributes) for e in traced.events if e.name == "guardrails.finding"]
    relations = {f.get("guardrails.relation") for f in found}
    assert relations >= {"broken.Invoice.customer", "broken.Invoice.line_items"}, found
    counted = received.counter_points("guardrails.findings")
    assert sum(p["value"] for p in counted if p["guardrails.kind"] == "n_plus_one") == 2
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    n_plus_ones = [r for r in logged if r.get("guardrails_kind") == "n_plus_one"]
    assert len(n_plus_ones) == 2
    assert {r["guardrails_finding_id"] for r in n_plus_ones} == {
        f["guardrails.finding_id"] for f in found if f["guardrails.kind"] == "n_plus_one"
    }
