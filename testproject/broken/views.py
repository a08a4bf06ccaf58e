"""Views of the broken app."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import ListView

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


@csrf_exempt
@require_POST
def payment_webhook(request: HttpRequest) -> HttpResponse:
    """Breaks W604: CSRF is off on a view that acts for the browser's session."""
    request.session["last_payment"] = request.POST.get("amount", "")
    return HttpResponse(status=204)


def banner(request: HttpRequest) -> HttpResponse:
    """Renders a template that turns escaping off (W603) on a request value."""
    message = request.GET.get("message", "Welcome")
    return render(request, "broken/banner.html", {"message": message})


def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Breaks I605: an unknown number raises Invoice.DoesNotExist, a 500."""
    invoice = Invoice.objects.get(number=number)
    return HttpResponse(f"{invoice.number}: {invoice.total}")


def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Addressed by the internal integer ID (W303), through an unnamed pattern (W301)."""
    invoice = get_object_or_404(Invoice, pk=pk)
    return HttpResponse(f"PDF of {invoice.number}", content_type="text/plain")


def old_invoice_list(request: HttpRequest) -> HttpResponse:
    """Breaks W304: the path of the invoice_list route written out instead of its name."""
    return redirect("/broken/invoices/")


class InvoiceArchive(ListView):  # type: ignore[type-arg]
    """Every invoice, through a generic view: its template reads each invoice's customer and,
    through an inclusion tag, its newest line items, one query per row each."""

    model = Invoice
    ordering = ["number"]
    template_name = "broken/invoice_archive.html"
    paginate_by = 50


class CustomerList(ListView):  # type: ignore[type-arg]
    """Customers and how many invoices each has, counted one query per customer."""

    queryset = Customer.objects.order_by("name")
    template_name = "broken/customer_list.html"
