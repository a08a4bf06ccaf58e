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


class CustomerListApi(APIView):
    def get(self, request: HttpRequest) -> Response:
        return Response(CustomerWithInvoices(customer_list(), many=True).data)


urlpatterns = [
    path("api/invoices/", InvoiceListApi.as_view()),
    path("api/customers/", CustomerListApi.as_view()),
]
