"""Views of the broken app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from broken.models import Customer, Invoice


def invoice_list(request: HttpRequest) -> HttpResponse:
    """List invoices; the template reads each one's customer and line items, one query per row."""
    invoices = Invoice.objects.order_by("number")
    return render(request, "broken/invoice_list.html", {"invoices": invoices})


async def invoice_customers(request: HttpRequest) -> JsonResponse:
    """Each invoice's customer through the async ORM: one query per invoice."""
    names = []
    async for invoice in Invoice.objects.order_by("number"):
        customer = await Customer.objects.aget(pk=invoice.customer_id)
        names.append(customer.name)
    return JsonResponse({"customers": names})
