"""``MODE = "raise"`` where it is safe: under DEBUG and in test runs, never in production."""

from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from django_guardrails import conf
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.exceptions import NPlusOneError
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_data() -> None:
    call_command("seed_demo", verbosity=0)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process as production runs it: DEBUG off (the test settings' own) and no test run."""
    monkeypatch.setattr(conf, "in_test_run", lambda: False)


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_with_debug_off_raise_logs_and_the_page_is_served(
    production: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_guardrails"):
        response = Client(raise_request_exception=False).get(reverse("broken:invoice_list"))
    assert response.status_code == 200
    logged = [r.getMessage() for r in caplog.records if "N+1 query" in r.getMessage()]
    assert len(logged) == 2


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_with_debug_off_an_explicit_raise_in_code_logs_too(production: None) -> None:
    from django_guardrails import watch

    with watch("nightly", mode="raise") as unit:
        Client().get(reverse("broken:invoice_list"))
    assert unit.mode == "log"


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_in_a_test_run_raise_raises_with_debug_off(client: Client) -> None:
    assert conf.in_test_run()  # pytest-django set up the test environment
    with pytest.raises(NPlusOneError):
        client.get(reverse("broken:invoice_list"))


@override_settings(DEBUG=True, GUARDRAILS={"MODE": "raise"})
def test_the_debug_page_shows_the_finding_and_adds_no_queries() -> None:
    response = Client(raise_request_exception=False).get(reverse("broken:invoice_list"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Error in formatting" not in page
    assert "NPlusOneError" in page
    assert "N+1 query at testproject/broken/templates/broken/invoice_list.html:" in page
    assert "Invoice.customer loaded once per row: in testproject/broken/views.py:" in page
    assert "(in None)" not in page and "outside project code" not in page
    # The view's queries up to the raise: the list, the first row's customer and line-item
    # count, then the second row's customer, which makes it an N+1 (1 + 2 + 1). The debug
    # page's own queries (it shows the frames' querysets), which a unit around the request
    # sees, are not counted.
    assert response["X-Guardrails-Queries"] == "4"
    with capture() as report:
        Client(raise_request_exception=False).get(reverse("broken:invoice_list"))
    assert report.count > 4


def test_check_deploy_warns_about_raise_or_warn_with_debug_off() -> None:
    for mode in ("raise", "warn"):
        with override_settings(GUARDRAILS={"MODE": mode}):
            [warning] = [m for m in run_guardrail_checks(deploy=True) if m.id == ids.W007.id]
        assert f'"MODE"] is "{mode}" in deploy settings' in warning.msg
    with override_settings(GUARDRAILS={"MODE": "raise"}):
        assert ids.W007.id not in {m.id for m in run_guardrail_checks()}  # deploy only
    for quiet in ("log", None):
        with override_settings(GUARDRAILS={"MODE": quiet}):
            assert ids.W007.id not in {m.id for m in run_guardrail_checks(deploy=True)}
    with override_settings(DEBUG=True, GUARDRAILS={"MODE": "raise"}):
        assert ids.W007.id not in {m.id for m in run_guardrail_checks(deploy=True)}
