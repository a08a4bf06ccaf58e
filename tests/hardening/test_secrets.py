"""Secrets: no secret value in the query guard's logs, warnings, exceptions, headers, console
lines and test-suite reports.

The checks' own outputs (text, JSON, SARIF of ``manage.py guardrails check``) are held by
tests/checks/test_secrets.py. Here a view's SQL text and parameters both carry a fake live key.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from collections.abc import Iterator
from io import StringIO

import pytest
from django.test import Client, override_settings

from django_guardrails.exceptions import NPlusOneError
from django_guardrails.testing import capture
from tests.hardening.views import SECRET, secret_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hardening_urls() -> Iterator[None]:
    with override_settings(ROOT_URLCONF="tests.hardening.urls", DEBUG=True):
        yield


def assert_no_secret(text: str) -> None:
    assert SECRET not in text
    assert SECRET[8:] not in text  # not even its tail


def test_log_mode_lines_headers_and_console(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    console = StringIO()
    monkeypatch.setattr(sys, "stderr", console)  # where the console lines go
    monkeypatch.setattr("django_guardrails.middleware.is_dev_server", lambda: True)
    caplog.set_level(logging.DEBUG)
    with override_settings(GUARDRAILS={"MODE": "log"}):
        response = Client().get("/secret/")
    assert response.status_code == 200
    assert response["X-Guardrails-N-Plus-One"] == "1"
    assert "N+1" in console.getvalue()  # the console did report, and ...
    for text in (console.getvalue(), caplog.text, json.dumps(dict(response.headers))):
        assert_no_secret(text)  # ... neither it, the log nor a header carries the key


def test_warn_mode_warnings() -> None:
    with override_settings(GUARDRAILS={"MODE": "warn"}), warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        Client().get("/secret/")
    assert w, "warn mode warned"
    assert_no_secret("\n".join(str(warning.message) for warning in w))


def test_raise_mode_exception() -> None:
    client = Client(raise_request_exception=True)
    with override_settings(GUARDRAILS={"MODE": "raise"}), pytest.raises(NPlusOneError) as error:
        client.get("/secret/")
    assert "SELECT" in str(error.value)  # the numbered queries are in the message, as shapes
    assert_no_secret(str(error.value))
    assert_no_secret(repr(error.value.findings))


def test_test_suite_reports() -> None:
    with capture() as report:
        secret_queries(None)  # type: ignore[arg-type]
    assert report.n_plus_ones and report.duplicates
    for finding in report.findings:
        assert_no_secret(repr(finding) + finding.describe())
