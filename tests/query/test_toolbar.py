"""With django-debug-toolbar installed, its panels' queries are never the view's, in either
middleware order, sync or async (the real toolbar, through Django's test clients)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import AsyncClient, Client, override_settings
from django.test.utils import CaptureQueriesContext
from shapes.models import Account

pytestmark = pytest.mark.django_db

GUARD = "django_guardrails.middleware.QueryGuardMiddleware"
TOOLBAR = "debug_toolbar.middleware.DebugToolbarMiddleware"
ROWS = 5


def middleware(order: str) -> list[str]:
    rest = [m for m in settings.MIDDLEWARE if m != GUARD]
    return [GUARD, TOOLBAR, *rest] if order == "guard first" else [TOOLBAR, GUARD, *rest]


@pytest.fixture(params=["guard first", "toolbar first"])
def order(request: pytest.FixtureRequest) -> Iterator[str]:
    for number in range(ROWS):
        Account.objects.create(user=User.objects.create(username=f"user{number}"))
    with override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "debug_toolbar"],
        MIDDLEWARE=middleware(request.param),
        ROOT_URLCONF="tests.query.toolbar_urls",
        DEBUG=True,
        INTERNAL_IPS=["127.0.0.1"],
        DEBUG_TOOLBAR_CONFIG={"IS_RUNNING_TESTS": False},
        GUARDRAILS={"MODE": "log"},
    ):
        yield request.param


def test_the_toolbars_queries_are_not_the_views(order: str) -> None:
    with CaptureQueriesContext(connection) as everything:
        response = Client().get("/accounts/")
    assert response.status_code == 200
    assert b"djDebug" in response.content  # the toolbar ran, and rendered itself
    # The toolbar's template panel formatted each Account, whose __str__ loaded its user.
    assert len(everything.captured_queries) > ROWS
    assert response["X-Guardrails-Queries"] == "1"
    assert response["X-Guardrails-N-Plus-One"] == "0"


def test_the_toolbars_queries_are_not_the_views_async(order: str) -> None:
    response = async_to_sync(AsyncClient().get)("/accounts/async/")
    assert response.status_code == 200
    assert response["X-Guardrails-Queries"] == "1"
    assert response["X-Guardrails-N-Plus-One"] == "0"


def test_the_view_is_still_watched_under_the_toolbar(order: str) -> None:
    with override_settings(ROOT_URLCONF="tests.query.toolbar_n_plus_one_urls"):
        response = Client().get("/accounts/")
    assert b"djDebug" in response.content
    assert response["X-Guardrails-N-Plus-One"] == "1"
    assert response["X-Guardrails-Queries"] == str(1 + ROWS)  # the list, then each user
