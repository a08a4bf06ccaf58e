"""DRF at run time: an N+1 a serializer renders names the serializer class and its field."""

from __future__ import annotations

import pytest

pytest.importorskip("rest_framework", reason="an optional extra: django-guardrails[drf]")

from decimal import Decimal

import pytest
from django.test import Client, override_settings

from broken.models import Customer, Invoice, LineItem
from clean.models import Author, Book, Publisher, Tag
from django_guardrails.exceptions import NPlusOneError
from django_guardrails.testing import capture

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoices() -> None:
    for n in range(1, 4):
        customer = Customer.objects.create(name=f"C{n}", email=f"c{n}@example.com")
        invoice = Invoice.objects.create(customer=customer, number=f"I{n}", total=Decimal(n))
        LineItem.objects.create(invoice=invoice, description="x")


def test_a_nested_serializer_and_a_method_field_are_named(invoices: None) -> None:
    with capture() as report:
        response = Client().get("/api/broken/invoices/recent/")
    assert response.status_code == 200
    by_serializer = {f.serializer: f for f in report.findings if f.kind == "n_plus_one"}
    assert set(by_serializer) == {
        "broken.serializers.InvoiceSerializer.customer",
        "broken.serializers.InvoiceSerializer.line_count",
    }
    customer = by_serializer["broken.serializers.InvoiceSerializer.customer"]
    assert customer.hint.startswith(
        "InvoiceSerializer.customer (a nested CustomerSerializer) loads Invoice.customer once "
        "per row at "
    )
    assert customer.hint.endswith(
        ': add .select_related("customer") in RecentInvoiceList.get_queryset().'
    )
    assert customer.file is not None and customer.file.endswith("broken/serializers.py")
    count = by_serializer["broken.serializers.InvoiceSerializer.line_count"]
    assert "InvoiceSerializer.line_count (a SerializerMethodField)" in count.hint
    assert 'Count("line_items")' in count.hint and "get_line_count()" in count.hint


@override_settings(GUARDRAILS={"MODE": "raise"})
def test_raise_mode_raises_naming_the_field(invoices: None) -> None:
    with pytest.raises(NPlusOneError, match="InvoiceSerializer"):
        Client().get("/api/broken/invoices/recent/")


def test_the_clean_api_has_no_n_plus_one() -> None:
    publisher = Publisher.objects.create(name="Ace")
    tag = Tag.objects.create(name="sf")
    for n in range(3):
        author = Author.objects.create(name=f"A{n}")
        book = Book.objects.create(title=f"T{n}", slug=f"t{n}", author=author, publisher=publisher)
        book.tags.add(tag)
    with capture() as report:
        response = Client().get("/api/books/")
    assert response.status_code == 200 and len(response.json()) == 3
    assert [f for f in report.findings if f.kind == "n_plus_one"] == []
