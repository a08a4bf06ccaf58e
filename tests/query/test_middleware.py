from __future__ import annotations

import logging
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.core.management import call_command
from django.test import AsyncClient, Client, override_settings
from django.urls import reverse

from django_guardrails import failures
from django_guardrails.exceptions import NPlusOneError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def demo_data() -> None:
    call_command("seed_demo", verbosity=0)


def n_plus_one_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "N+1 query" in r.getMessage()]


@override_settings(DEBUG=True)
def test_an_n_plus_one_page_is_logged_and_counted_in_headers(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="django_guardrails"):
        response = client.get(reverse("broken:invoice_list"))
    assert response.status_code == 200
    queries = int(response["X-Guardrails-Queries"])
    assert queries >= 7  # the list, then customer and line-item count for each of 3 invoices
    assert response["X-Guardrails-N-Plus-One"] == "2"
    assert f'desc="{queries} queries"' in response["Server-Timing"]
    logs = n_plus_one_logs(caplog)
    assert len(logs) == 2
    assert any("Invoice.customer loaded once per row" in log for log in logs)
    assert all("broken/invoice_list.html:" in log for log in logs)


@override_settings(DEBUG=True)
def test_a_correct_page_has_no_findings(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="django_guardrails"):
        response = client.get(reverse("clean:book_list"))
    assert response["X-Guardrails-N-Plus-One"] == "0"
    assert response["X-Guardrails-Queries"] == "1"
    assert n_plus_one_logs(caplog) == []


def test_off_by_default_without_debug(client: Client) -> None:
    response = client.get(reverse("broken:invoice_list"))
    assert response.status_code == 200
    assert "X-Guardrails-Queries" not in response


@override_settings(DEBUG=True, GUARDRAILS={"MODE": "raise"})
def test_raise_mode_raises_at_the_culprit(client: Client) -> None:
    with pytest.raises(NPlusOneError) as raised:
        client.get(reverse("broken:invoice_list"))
    assert "broken/invoice_list.html:" in str(raised.value)
    # The first N+1 of the page's loop raises: each invoice's customer, at its template line.
    assert raised.value.findings[0].relation == "broken.Invoice.customer"
    assert f"broken/invoice_list.html:{customer_line()}" in str(raised.value)


@override_settings(DEBUG=True)
def test_an_internal_error_never_breaks_the_request(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken_detect(*args: object) -> list[object]:
        raise RuntimeError("a bug in guardrails")

    monkeypatch.setattr("django_guardrails.query.api.detect", broken_detect)
    failures.forget()
    with caplog.at_level(logging.ERROR, logger="django_guardrails"):
        response = client.get(reverse("clean:book_list"))
        again = client.get(reverse("clean:book_list"))
    assert response.status_code == again.status_code == 200
    assert b"<" in response.content
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1  # logged once, not per request
    assert "in detecting a unit's findings" in errors[0].getMessage()


@override_settings(DEBUG=True)
def test_each_request_starts_from_zero(client: Client) -> None:
    first = client.get(reverse("clean:book_list"))
    second = client.get(reverse("clean:book_list"))
    assert first["X-Guardrails-Queries"] == second["X-Guardrails-Queries"] == "1"


@override_settings(DEBUG=True)
def test_async_view_with_the_async_orm(async_client: AsyncClient) -> None:
    response = async_to_sync(async_client.get)(reverse("broken:invoice_customers"))
    assert response.status_code == 200
    assert len(response.json()["customers"]) == 3
    assert response["X-Guardrails-Queries"] == "4"
    assert response["X-Guardrails-N-Plus-One"] == "1"


@override_settings(DEBUG=True, GUARDRAILS={"MODE": "raise"})
def test_async_orm_work_is_named_at_the_awaiting_line(async_client: AsyncClient) -> None:
    import broken.views

    with pytest.raises(NPlusOneError) as raised:
        async_to_sync(async_client.get)(reverse("broken:invoice_customers"))
    [finding] = raised.value.findings
    assert finding.file == broken.views.__file__
    lines = Path(broken.views.__file__).read_text().splitlines()
    assert finding.line is not None
    assert "await Customer.objects.aget(" in lines[finding.line - 1]
    assert finding.function == "invoice_customers"


@override_settings(DEBUG=True, GUARDRAILS={"ALLOWLIST": [{"url": "/broken/*"}]})
def test_allowlist_by_url_path(client: Client) -> None:
    assert client.get(reverse("broken:invoice_list"))["X-Guardrails-N-Plus-One"] == "0"
    with override_settings(GUARDRAILS={"ALLOWLIST": [{"url": "/elsewhere/*"}]}):
        assert client.get(reverse("broken:invoice_list"))["X-Guardrails-N-Plus-One"] == "2"


def customer_line() -> int:
    """The invoice-list template line that reads each invoice's customer."""
    template = Path(__file__).parents[2] / "testproject/broken/templates/broken/invoice_list.html"
    lines = template.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if "invoice.customer.name" in line)


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=True, ROOT_URLCONF="tests.query.count_urls")
def test_the_query_count_is_djangos_own_count(client: Client) -> None:
    """X-Guardrails-Queries counts what CaptureQueriesContext counts: transaction control too
    (BEGIN, SAVEPOINT, RELEASE, COMMIT), which Django logs outside any cursor."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/write/")
    statements = [q["sql"] for q in captured.captured_queries]
    assert "COMMIT" in statements
    assert response["X-Guardrails-Queries"] == str(len(statements))
