"""DRF at run time: an N+1 a serializer renders names the serializer class and its field."""

from __future__ import annotations

import pytest

pytest.importorskip("rest_framework", reason="an optional extra: django-guardrails[drf]")

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from broken.models import Customer, Invoice, LineItem
from broken.serializers import InvoiceSerializer
from clean.models import Author, Book, Publisher, Tag
from django_guardrails.exceptions import NPlusOneError
from django_guardrails.testing import QueryReport, capture

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


@override_settings(ROOT_URLCONF="tests.urlconfs.drf_selector")
def test_a_view_without_a_queryset_is_told_where_its_rows_were_listed(invoices: None) -> None:
    """A plain APIView has no ``queryset`` to add the eager load to: the hint names the line
    that built the rows it serializes (a selector), and the code added there works."""
    from tests.urlconfs import drf_selector

    with capture() as report:
        assert Client().get("/api/invoices/").status_code == 200
    [customer] = [
        f
        for f in report.n_plus_ones
        if f.serializer == "broken.serializers.InvoiceSerializer.customer"
    ]
    selector = Path(drf_selector.__file__).read_text().splitlines()
    [line] = [n for n, text in enumerate(selector, 1) if text.endswith("# built: selector")]
    assert "InvoiceListApi.queryset" not in customer.hint
    assert customer.fix == '.select_related("customer")'
    assert customer.built_at is not None and customer.built_at.endswith(f"drf_selector.py:{line}")
    assert customer.hint.endswith(
        f"in tests/urlconfs/drf_selector.py:{line} "
        '(listed: QuerySet[Invoice] = Invoice.objects.order_by("number")) add '
        '.select_related("customer").'
    )
    fixed_rows = eval(f"invoices{customer.fix}", {"invoices": drf_selector.invoice_list()})
    with capture() as fixed:
        assert len(InvoiceSerializer(fixed_rows, many=True).data) == 3
    # One query for the invoices with their customers; the line counts are the other N+1.
    assert fixed.count == 1 + 3
    assert [f.serializer for f in fixed.n_plus_ones] == [
        "broken.serializers.InvoiceSerializer.line_count"
    ]


FIRST_REQUEST = """
import sys
from decimal import Decimal
from django.core.management import call_command
call_command("migrate", verbosity=0, skip_checks=True)
from broken.models import Customer, Invoice
for n in range(1, 4):
    customer = Customer.objects.create(name=f"C{n}", email=f"c{n}@example.com")
    Invoice.objects.create(customer=customer, number=f"I{n}", total=Decimal(n))
before = "rest_framework.views" in sys.modules
from django.test import Client
from django_guardrails.testing import capture
with capture() as report:
    Client().get("/api/broken/invoices/recent/")
print(json.dumps({"imported before": before, "hints": [f.hint for f in report.n_plus_ones]}))
"""


def test_the_first_request_that_imports_drf_names_the_view(tmp_path: Path) -> None:
    """A server's first request imports the URLconf, and with it DRF's views, inside the
    request's unit of work: the N+1 it renders still names the view whose queryset to fix."""
    from tests.test_instrumentation import _run

    found = _run(FIRST_REQUEST, tmp_path, None)
    assert found["imported before"] is False
    assert any(
        hint.endswith('add .select_related("customer") in RecentInvoiceList.get_queryset().')
        for hint in found["hints"]
    ), found["hints"]


def rendered_with(code: str, serializer: Any) -> tuple[Any, QueryReport]:
    """The selector's customers with the hint's ``code`` applied, rendered by ``serializer``,
    and the queries that took."""
    from django.db.models import Count, Prefetch

    from tests.urlconfs import drf_selector

    namespace = {"Prefetch": Prefetch, "Count": Count, "Invoice": Invoice}
    rows = eval(f"customers{code}", {**namespace, "customers": drf_selector.customer_list()})
    with capture() as fixed:
        data = serializer(rows, many=True).data
    return data, fixed


@override_settings(ROOT_URLCONF="tests.urlconfs.drf_selector")
def test_a_count_per_row_of_a_nested_list_annotates_the_inner_rows(invoices: None) -> None:
    """Each customer's invoices, each counting its line items: annotating the customers would
    count all their lines at once. The Prefetch of the invoices annotates each invoice, and
    the hint names the serializer the view was given."""

    from tests.urlconfs import drf_selector

    for customer in Customer.objects.all():  # a second invoice each: an inner list of two
        invoice = Invoice.objects.create(customer=customer, number=f"J{customer.pk}", total=1)
        LineItem.objects.create(invoice=invoice, description="y")
    with capture() as report:
        assert Client().get("/api/customers/").status_code == 200
    [count] = [
        f for f in report.n_plus_ones if f.serializer and f.serializer.endswith(".line_count")
    ]
    code = (
        '.prefetch_related(Prefetch("invoices", queryset=Invoice.objects.annotate('
        'line_items_count=Count("line_items"))))'
    )
    assert f"add {code} in the queryset CustomerListApi gives CustomerWithInvoices" in count.hint
    assert "and read .line_items_count on each Invoice in get_line_count()" in count.hint

    class Counted(InvoiceSerializer):
        def get_line_count(self, invoice: Invoice) -> int:
            return invoice.line_items_count  # type: ignore[attr-defined,no-any-return]

    class Customers(drf_selector.CustomerWithInvoices):
        invoices = Counted(many=True, read_only=True)

    data, fixed = rendered_with(code, Customers)
    assert [invoice["line_count"] for row in data for invoice in row["invoices"]] == [1] * 6
    assert not [f for f in fixed.n_plus_ones if f.serializer and "line_count" in f.serializer]


@override_settings(ROOT_URLCONF="tests.urlconfs.drf_selector")
def test_a_count_a_hop_away_per_row_of_a_nested_list_is_annotated_on_the_inner_rows(
    invoices: None,
) -> None:
    """``invoice.customer.invoices.count()`` per invoice of each customer: the lookup runs
    from the inner rows (``customer__invoices``), inside the Prefetch of the inner list."""

    from tests.urlconfs import drf_selector

    with capture() as report:
        before = Client().get("/api/customers/siblings/").json()
    [count] = [f for f in report.n_plus_ones if f.serializer and f.serializer.endswith("siblings")]
    code = (
        '.prefetch_related(Prefetch("invoices", queryset=Invoice.objects.annotate('
        'invoices_count=Count("customer__invoices"))))'
    )
    assert f"add {code} in the queryset CustomerSiblingsApi gives CustomerWithSiblings" in (
        count.hint
    )

    class Counted(drf_selector.InvoiceWithSiblings):
        def get_siblings(self, invoice: Invoice) -> int:
            return invoice.invoices_count  # type: ignore[attr-defined,no-any-return]

    class Customers(drf_selector.CustomerWithSiblings):
        invoices = Counted(many=True, read_only=True)

    after, fixed = rendered_with(code, Customers)

    def by_id(rows: Any) -> list[dict[str, Any]]:  # invoices have no ordering of their own
        return [
            {**row, "invoices": sorted((dict(i) for i in row["invoices"]), key=lambda i: i["id"])}
            for row in rows
        ]

    assert by_id(after) == by_id(before)
    assert fixed.count == 2 and fixed.n_plus_ones == []
