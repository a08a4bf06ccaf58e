"""``GuardrailsPanel`` with the real django-debug-toolbar, through Django's test clients, in both
middleware orders and without guardrails' middleware: the panel names each finding's relation,
template line, the line that built the queryset and the fix; the nav subtitle counts them; a
page without problems shows none; parameters never appear."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponseBase
from django.test import AsyncClient, Client, override_settings
from django.test.utils import CaptureQueriesContext
from shapes.models import Account

pytestmark = pytest.mark.django_db

GUARD = "django_guardrails.middleware.QueryGuardMiddleware"
TOOLBAR = "debug_toolbar.middleware.DebugToolbarMiddleware"
ACCOUNTS = 5
PANEL = "django_guardrails.toolbar.GuardrailsPanel"
SECRET = "sk_live_51ToolbarPanelSecret000000000000"  # as in toolbar_panel_urls
TEMPLATE = "broken/templates/broken/invoice_list.html"


def middleware(order: str) -> list[str]:
    rest = [m for m in settings.MIDDLEWARE if m != GUARD]
    if order == "guard first":
        return [GUARD, TOOLBAR, *rest]
    if order == "toolbar first":
        return [TOOLBAR, GUARD, *rest]
    return [TOOLBAR, *rest]  # no guardrails middleware: the panel watches on its own


def line_of(needle: str) -> int:
    lines = (settings.BASE_DIR / "broken/templates/broken/invoice_list.html").read_text()
    return next(n for n, text in enumerate(lines.splitlines(), 1) if needle in text)


@pytest.fixture(params=["guard first", "toolbar first", "toolbar alone"])
def order(request: pytest.FixtureRequest) -> Iterator[str]:
    from debug_toolbar.settings import PANELS_DEFAULTS

    call_command("seed_demo", verbosity=0)
    for number in range(ACCOUNTS):
        Account.objects.create(user=User.objects.create(username=f"user{number}"))
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "debug_toolbar"],
        MIDDLEWARE=middleware(request.param),
        ROOT_URLCONF="tests.query.toolbar_panel_urls",
        DEBUG=True,
        INTERNAL_IPS=["127.0.0.1"],
        DEBUG_TOOLBAR_CONFIG={"IS_RUNNING_TESTS": False},
        # The defaults plus ours: the toolbar's URLs (built once, never invalidated) stay the
        # same for the other toolbar tests.
        DEBUG_TOOLBAR_PANELS=[*PANELS_DEFAULTS, PANEL],
        GUARDRAILS={"MODE": "log", "SLOW_MS": None},  # a loaded CI machine is no finding
    ):
        yield request.param


def panel(response: HttpResponseBase) -> tuple[str, str]:
    """The panel's nav subtitle (from the page's toolbar) and its content, fetched through the
    toolbar's render_panel view as its JavaScript does."""
    page = response.content.decode()  # type: ignore[attr-defined]
    found = re.search(r'data-request-id="(\w+)"', page)
    assert found is not None, "the toolbar was not inserted"
    button = re.search(r'<li id="djdt-GuardrailsPanel"[^>]*>(.*?)</li>', page, re.S)
    assert button is not None
    subtitle = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", button.group(1))).strip()
    rendered = Client().get(
        "/__debug__/render_panel/",
        {"request_id": found.group(1), "panel_id": "GuardrailsPanel"},
    )
    assert rendered.status_code == 200
    assert "X-Guardrails-Queries" not in rendered  # the toolbar's own request is not watched
    content: Any = rendered.json()["content"]
    return subtitle, content


def assert_names_the_n_plus_ones(content: str) -> None:
    assert "broken.Invoice.customer" in content
    assert "broken.Invoice.line_items" in content
    # Each at its template line, shown the way the toolbar's SQL panel shows a stack frame.
    for needle in ("invoice.customer.name", "invoice.line_items.count"):
        assert f'(<span class="djdt-lineno">{line_of(needle)}</span>)' in content
    assert '<span class="djdt-file">invoice_list.html</span>' in content
    assert ".select_related(&quot;customer&quot;)" in content
    assert "N+1 query" in content


def test_the_panel_names_the_views_n_plus_ones(order: str) -> None:
    response = Client().get("/broken/invoices/")
    assert response.status_code == 200
    subtitle, content = panel(response)
    assert subtitle == "Guardrails 2 N+1"
    assert_names_the_n_plus_ones(content)
    assert "broken/views.py:16" in content  # Invoice.objects.order_by(...) in invoice_list
    if order != "toolbar alone":
        assert response["X-Guardrails-N-Plus-One"] == "2"  # the request's unit still sees them


def test_the_panel_names_an_async_views_n_plus_ones(order: str) -> None:
    response = async_to_sync(AsyncClient().get)("/async/invoices/")
    assert response.status_code == 200
    subtitle, content = panel(response)
    assert subtitle == "Guardrails 2 N+1"
    assert_names_the_n_plus_ones(content)
    source = (Path(__file__).parent / "toolbar_panel_urls.py").read_text().splitlines()
    built = next(n for n, text in enumerate(source, 1) if "invoices = Invoice." in text)
    assert f"tests/query/toolbar_panel_urls.py:{built}" in content  # where invoices_async built it


def test_a_page_without_problems_shows_none(order: str) -> None:
    subtitle, content = panel(Client().get("/clean/"))
    assert subtitle == "Guardrails no problems"
    assert "No problems found." in content
    assert "N+1" not in content


def test_parameters_never_appear(order: str) -> None:
    response = async_to_sync(AsyncClient().get)("/async/secret/")
    subtitle, content = panel(response)
    assert subtitle == "Guardrails 1 N+1"
    assert "N+1 query" in content
    assert SECRET not in content
    assert "email = ?" in content  # the fingerprint's placeholder stands for the value


def test_the_toolbars_own_queries_are_not_counted(order: str) -> None:
    """After the view, the toolbar's template panel formats each Account (its __str__ reads the
    user): those queries are the toolbar's, in neither the panel's unit nor the request's."""
    with CaptureQueriesContext(connection) as everything:
        response = Client().get("/clean/")
    assert len(everything.captured_queries) > ACCOUNTS
    subtitle, content = panel(response)
    assert subtitle == "Guardrails no problems"
    assert "<p>1 query ran in the view.</p>" in content


def test_guardrails_imports_the_toolbar_only_for_the_panel() -> None:
    code = (
        "import sys, django_guardrails, django_guardrails.integrations.toolbar; "
        "print('debug_toolbar' in sys.modules)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ran.stdout.strip() == "False"
