"""Each finding is one log record with its fields in ``extra``, a finding id that every process
of every server computes alike, and, with ``LOG_INTERVAL``, logged once per interval per process
with how often it was seen since."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from pythonjsonlogger.json import JsonFormatter

from django_guardrails.query import report
from django_guardrails.query.types import finding_id, stable_path

pytestmark = pytest.mark.django_db

URLS = "tests.query.sampling_urls"
TEMPLATE = Path(__file__).resolve().parents[2] / "testproject/broken/templates/broken"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _urls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    call_command("seed_demo", verbosity=0)
    clock = Clock()
    monkeypatch.setattr(report, "_throttle", report._Throttle(clock=clock))
    with override_settings(ROOT_URLCONF=URLS):
        yield clock


def records(caplog: pytest.LogCaptureFixture, kind: str = "n_plus_one") -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "guardrails_kind", None) == kind]


def test_each_finding_is_one_record_with_its_fields(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        override_settings(GUARDRAILS={"MODE": "log"}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        client.get("/broken/invoices/")
    found = {r.guardrails_relation: r for r in records(caplog)}  # type: ignore[attr-defined]
    assert set(found) == {"broken.Invoice.customer", "broken.Invoice.line_items"}
    record = found["broken.Invoice.customer"]
    fields = {k: v for k, v in vars(record).items() if k.startswith("guardrails_")}
    line = record.guardrails_line  # type: ignore[attr-defined]
    place = f"broken/templates/broken/invoice_list.html:{line}"
    assert fields == {
        "guardrails_finding_id": finding_id("n_plus_one", place, "broken.Invoice.customer", ""),
        "guardrails_kind": "n_plus_one",
        "guardrails_place": place,
        "guardrails_relation": "broken.Invoice.customer",
        "guardrails_file": "broken/templates/broken/invoice_list.html",
        "guardrails_line": line,
        "guardrails_function": "invoice_list",
        "guardrails_template": place,
        "guardrails_count": 3,
        "guardrails_fingerprint": fields["guardrails_fingerprint"],
        "guardrails_fix": '.select_related("customer")',
        "guardrails_hint": fields["guardrails_hint"],
        "guardrails_package": None,
        "guardrails_method": "GET",
        "guardrails_path": "/broken/invoices/",
        "guardrails_route": "/broken/invoices/",
        "guardrails_unit": "GET /broken/invoices/",
        "guardrails_seen": 1,
    }
    assert fields["guardrails_fingerprint"].startswith("SELECT ")
    assert "select_related" in fields["guardrails_hint"]
    # The human message is kept.
    assert record.getMessage().startswith("GET /broken/invoices/: N+1 query: 3 similar queries")


def test_a_json_formatter_emits_the_fields(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        override_settings(GUARDRAILS={"MODE": "log"}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        client.get("/broken/invoices/")
    line = JsonFormatter("%(levelname)s %(message)s").format(records(caplog)[0])
    emitted = json.loads(line)
    assert emitted["guardrails_kind"] == "n_plus_one"
    assert emitted["guardrails_count"] == 3
    assert len(emitted["guardrails_finding_id"]) == 16
    assert emitted["message"].startswith("GET /broken/invoices/: N+1 query")


def test_the_same_finding_is_logged_once_per_interval_with_its_count(
    client: Client, caplog: pytest.LogCaptureFixture, _urls: Clock
) -> None:
    clock = _urls
    with (
        override_settings(GUARDRAILS={"MODE": "log", "LOG_INTERVAL": 300}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        for _ in range(3):
            client.get("/broken/invoices/")
            clock.now += 10
        assert len(records(caplog)) == 2  # the first request's two N+1s, then silence
        clock.now += 300
        caplog.clear()
        client.get("/broken/invoices/")
    again = records(caplog)
    assert len(again) == 2
    assert [r.guardrails_seen for r in again] == [3, 3]  # type: ignore[attr-defined]
    assert "(seen 3 times in the last 330 s)" in again[0].getMessage()


def test_without_debug_the_default_interval_is_five_minutes_and_under_debug_none() -> None:
    from django_guardrails.conf import get_config

    with override_settings(DEBUG=False, GUARDRAILS={}):
        assert get_config().effective_log_interval == 0  # a test run logs each finding
    with override_settings(DEBUG=True, GUARDRAILS={"LOG_INTERVAL": 60}):
        assert get_config().effective_log_interval == 60


def test_production_default_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    from django_guardrails import conf

    monkeypatch.setattr(conf, "in_test_run", lambda: False)
    with override_settings(DEBUG=False, GUARDRAILS={}):
        assert conf.get_config().effective_log_interval == 300
    with override_settings(DEBUG=True, GUARDRAILS={}):
        assert conf.get_config().effective_log_interval == 0


def test_the_throttle_keeps_a_bounded_number_of_ids() -> None:
    clock = Clock()
    throttle = report._Throttle(limit=3, clock=clock)
    for number in range(100):
        assert throttle.seen(f"id{number}", 300) == (1, 0.0)
    assert len(throttle._entries) == 3
    assert throttle.seen("id99", 300) is None  # kept: still throttled
    assert throttle.seen("id0", 300) == (1, 0.0)  # forgotten: logged afresh


def test_a_credential_in_the_path_is_never_logged(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    token = "c2h3k5-1a2b3c4d5e6f7a8b9c0d1e2f"
    with (
        override_settings(GUARDRAILS={"MODE": "log"}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        client.get(f"/reset/MQ/{token}/")
    [record] = records(caplog)
    assert record.guardrails_path == "/reset/…/…/"  # type: ignore[attr-defined]
    assert record.guardrails_route == "/reset/<uidb64>/<token>/"  # type: ignore[attr-defined]
    everything = record.getMessage() + repr(vars(record))
    assert token not in everything


def test_a_credential_in_the_path_is_never_in_a_hint(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    """The query budget's hint (as the slow request's and an unused eager load's) names the
    request: by its shown path, as the record's fields do."""
    token = "c2h3k5-1a2b3c4d5e6f7a8b9c0d1e2f"
    with (
        override_settings(GUARDRAILS={"MODE": "log", "QUERY_BUDGET": 1}),
        caplog.at_level(logging.WARNING, logger="django_guardrails"),
    ):
        client.get(f"/reset/MQ/{token}/")
    hints = [r.guardrails_hint for r in records(caplog, "query_budget")]  # type: ignore[attr-defined]
    [budget] = [hint for hint in hints if "over the budget of 1" in hint]
    assert budget.startswith("GET /reset/…/…/ ran ")
    assert "fix the N+1s and duplicates above" in budget  # the page has an N+1
    everything = "".join(r.getMessage() + repr(vars(r)) for r in records(caplog))
    assert token not in everything


def test_a_budget_without_repeats_does_not_send_the_reader_to_fix_them() -> None:
    from django.contrib.auth.models import Group, User

    from django_guardrails.testing import capture

    with override_settings(GUARDRAILS={"QUERY_BUDGET": 1}), capture() as report:
        list(User.objects.all())
        list(Group.objects.all())
    [budget] = [f for f in report.findings if f.kind == "query_budget"]
    assert "no query repeats: see which ones the page could do without" in budget.hint
    assert "N+1s and duplicates above" not in budget.hint


def test_the_finding_id_is_the_same_in_another_process_and_directory(tmp_path: Path) -> None:
    """Another hash seed, another working directory, the project deployed elsewhere: the same
    module path and line give the same place and id."""
    here = tmp_path / "release-1" / "shop"
    there = tmp_path / "release-2" / "shop"
    for folder in (here, there):
        folder.mkdir(parents=True)
        (folder / "views.py").write_text("x = 1\n")
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, sys.argv[1])
        from django_guardrails.query.types import finding_id, stable_path
        place = stable_path(sys.argv[1] + "/shop/views.py") + ":12"
        print(place, finding_id("n_plus_one", place, "shop.Order.customer", ""))
        """
    )
    outputs = []
    for root, seed in ((here.parent, "1"), (there.parent, "2")):
        result = subprocess.run(
            [sys.executable, "-c", code, str(root)],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.sep,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.append(result.stdout.split())
    place = "shop/views.py:12"
    assert outputs == [[place, finding_id("n_plus_one", place, "shop.Order.customer", "")]] * 2
    assert stable_path(str(TEMPLATE / "invoice_list.html")) == (
        "broken/templates/broken/invoice_list.html"
    )


def test_a_route_is_shown_from_the_root_and_a_regular_expression_as_written() -> None:
    assert report._route("orders/<int:pk>/") == "/orders/<int:pk>/"
    assert report._route(r"^((?:[\w\-]+/)*)$") == r"^((?:[\w\-]+/)*)$"


@pytest.mark.parametrize(
    ("path", "kwargs", "shown"),
    [
        ("/invite/hunter2hunter2/", {"activation_key": "hunter2hunter2"}, "/invite/…/"),
        ("/confirm/abc123/", {"confirmation_code": "abc123"}, "/confirm/…/"),
        ("/files/ab12/cd34/raw/", {"token": "ab12/cd34"}, "/files/…/raw/"),
        ("/orders/42/", {"pk": "42"}, "/orders/42/"),
        ("/f/a/b/raw/", {"token": "a/b"}, "/f/…/raw/"),
        # Wherever it stands whole, segment by segment: hiding a prefix that equals it is the
        # safe side; a part of a segment is never hidden.
        ("/media/img/s3/media/img/", {"key": "media/img"}, "/…/s3/…/"),
        ("/mydocs/v1x/", {"key": "docs/v1"}, "/mydocs/v1x/"),
        ("/countries/fr/", {"country_code": "fr"}, "/countries/fr/"),
        ("/confirm/zz9/", {"code": "zz9"}, "/confirm/…/"),
    ],
)
def test_a_url_parameter_named_for_a_credential_is_hidden(
    path: str, kwargs: dict[str, str], shown: str
) -> None:
    """A word of the parameter's name says it (``activation_key``), and a ``<path:token>``
    value that spans segments is hidden whole."""
    from django.test import RequestFactory
    from django.urls import ResolverMatch

    from django_guardrails.query.shown import shown_path

    request = RequestFactory().get(path)
    request.resolver_match = ResolverMatch(lambda request: None, (), kwargs)
    assert shown_path(request) == shown
