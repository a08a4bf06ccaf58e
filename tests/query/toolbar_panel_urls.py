"""Pages for the toolbar panel's tests: the broken app's invoice list (an N+1 in its template),
the same list rendered by an async view, an async N+1 whose queries carry a secret parameter,
and a page without problems."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from shapes.models import Account

from broken.models import Customer, Invoice

SECRET = "sk_live_51ToolbarPanelSecret000000000000"


def clean(request: HttpRequest) -> HttpResponse:
    """One query; the toolbar's template panel then formats each account, whose ``__str__``
    reads its user: queries of the toolbar, not of the view."""
    return render(request, "shapes/accounts.html", {"accounts": list(Account.objects.all())})


async def invoices_async(request: HttpRequest) -> HttpResponse:
    invoices = Invoice.objects.order_by("number")
    page: HttpResponse = await sync_to_async(render)(
        request, "broken/invoice_list.html", {"invoices": invoices}
    )
    return page


async def secret_lookups(request: HttpRequest) -> HttpResponse:
    names = []
    async for invoice in Invoice.objects.order_by("number"):
        customer = await Customer.objects.exclude(email=SECRET).aget(pk=invoice.customer_id)
        names.append(customer.name)
    return HttpResponse(f"<html><body>{len(names)}</body></html>")


urlpatterns = [
    path("broken/", include("broken.urls")),
    path("clean/", clean),
    path("async/invoices/", invoices_async),
    path("async/secret/", secret_lookups),
    path("__debug__/", include("debug_toolbar.urls")),
]
