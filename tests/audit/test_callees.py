"""Which project function a call in a receiver reaches, through the loaded modules."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.functional import SimpleLazyObject
from django.utils.text import slugify

from django_guardrails.audit import connections
from django_guardrails.audit.callees import resolve


@pytest.fixture
def services() -> Iterator[ModuleType]:
    """tests/signal_app installed (its first import watched, as the signal checks expect)."""
    connections.watch_connections()
    try:
        with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.signal_app"]):
            yield importlib.import_module("tests.signal_app.services")
    finally:
        connections.stop_watching()


def reached(chain: str, namespace: dict[str, object]) -> tuple[str, bool] | None:
    callee = resolve(chain.split("."), namespace)
    if callee is None:
        return None
    return getattr(callee.node, "name", "?"), callee.on_queryset


def test_functions_methods_and_manager_methods_of_the_project(services: ModuleType) -> None:
    models = importlib.import_module("tests.signal_app.models")
    tests_package = importlib.import_module("tests")
    namespace: dict[str, object] = {
        "services": services,
        "tests": tests_package,
        "charge": services.charge,
        "Invoice": models.Invoice,
        "Order": models.Order,
    }
    assert reached("charge", namespace) == ("charge", False)
    assert reached("services.charge", namespace) == ("charge", False)
    assert reached("tests.signal_app.services.charge", namespace) == ("charge", False)
    assert reached("services.Billing.refund", namespace) == ("refund", False)  # staticmethod
    assert reached("services.Billing.rebill", namespace) == ("rebill", False)  # classmethod
    # Manager.from_queryset(QS): the queryset's method, through the manager's copy of it.
    assert reached("Invoice.objects.settle", namespace) == ("settle", True)
    assert reached("Invoice.objects.all.filter.settle", namespace) == ("settle", True)
    assert reached("Invoice.objects.open_for", namespace) == ("open_for", True)
    # A queryset has no method of the manager's own.
    assert reached("Invoice.objects.filter.open_for", namespace) is None
    # QS.as_manager().
    assert reached("Order.objects.exclude.archive", namespace) == ("archive", True)


def test_what_is_not_the_projects_or_cannot_be_told_is_not_followed(
    services: ModuleType,
) -> None:
    set_up = []

    def factory() -> object:
        set_up.append(True)
        return services

    namespace: dict[str, object] = {
        "slugify": slugify,  # Django's
        "services": services,
        "lazy": SimpleLazyObject(factory),
    }
    assert reached("slugify", namespace) is None
    assert reached("services.cache.delete", namespace) is None  # an object, not a module
    assert reached("services.missing", namespace) is None
    assert reached("unknown.name", namespace) is None
    assert reached("lazy.charge", namespace) is None
    assert set_up == []  # the lazy object was never set up
