"""DRF views of the broken app: their querysets do not load what the serializer renders."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics

from broken.models import Invoice
from broken.serializers import InvoiceSerializer


class InvoiceList(generics.ListAPIView[Invoice]):
    """Breaks W804: InvoiceSerializer renders each invoice's customer, never loaded up front."""

    queryset = Invoice.objects.order_by("number")
    serializer_class = InvoiceSerializer


class RecentInvoiceList(generics.ListAPIView[Invoice]):
    """get_queryset() is left to the run-time guard, which names InvoiceSerializer.customer."""

    serializer_class = InvoiceSerializer

    def get_queryset(self) -> QuerySet[Invoice]:
        recent: QuerySet[Invoice] = Invoice.objects.order_by("-created_at")
        return recent
