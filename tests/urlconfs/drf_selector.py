"""A DRF API in the selector style: a plain APIView serializes what a selector function lists,
so the view has no ``queryset`` and no ``get_queryset()`` of its own."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from broken.models import Customer, Invoice
from broken.serializers import InvoiceSerializer


def invoice_list() -> QuerySet[Invoice]:
    """The selector: where the listed invoices' queryset is built."""
    listed: QuerySet[Invoice] = Invoice.objects.order_by("number")  # built: selector
    return listed


class InvoiceListApi(APIView):
    def get(self, request: HttpRequest) -> Response:
        return Response(InvoiceSerializer(invoice_list(), many=True).data)


def customer_list() -> QuerySet[Customer]:
    listed: QuerySet[Customer] = Customer.objects.order_by("name")
    return listed


class CustomerWithInvoices(serializers.ModelSerializer[Customer]):
    """Each customer's invoices, each with its line count: a count per inner row."""

    invoices = InvoiceSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "invoices"]


class InvoiceWithSiblings(serializers.ModelSerializer[Invoice]):
    """Counts the other invoices of its own customer: a count one hop away, per inner row."""

    siblings = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = ["id", "number", "siblings"]

    def get_siblings(self, invoice: Invoice) -> int:
        return invoice.customer.invoices.count()


class CustomerWithSiblings(serializers.ModelSerializer[Customer]):
    invoices = InvoiceWithSiblings(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = ["id", "name", "invoices"]


class CustomerSiblingsApi(APIView):
    def get(self, request: HttpRequest) -> Response:
        return Response(CustomerWithSiblings(customer_list(), many=True).data)


class CustomerListApi(APIView):
    def get(self, request: HttpRequest) -> Response:
        return Response(CustomerWithInvoices(customer_list(), many=True).data)


urlpatterns = [
    path("api/invoices/", InvoiceListApi.as_view()),
    path("api/customers/", CustomerListApi.as_view()),
    path("api/customers/siblings/", CustomerSiblingsApi.as_view()),
]
