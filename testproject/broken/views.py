"""Views of the broken app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from broken.models import Invoice


def invoice_list(request: HttpRequest) -> HttpResponse:
    """List invoices; the template reads each one's customer and line items, one query per row."""
    invoices = Invoice.objects.order_by("number")
    return render(request, "broken/invoice_list.html", {"invoices": invoices})
