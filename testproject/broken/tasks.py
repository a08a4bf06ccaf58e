"""Celery tasks of the broken app: each breaks a 7xx rule on purpose."""

from __future__ import annotations

from celery import shared_task
from django.db.models import QuerySet

from broken.models import Invoice


@shared_task
def send_invoice(invoice: Invoice) -> str:
    """Breaks W703: takes the Invoice itself, which is stale by the time a worker runs."""
    return f"{invoice.number} to {invoice.customer.email}"


@shared_task(serializer="pickle")
def archive_invoices(invoices: QuerySet[Invoice]) -> int:
    """Breaks W703 (a queryset argument) and W704 (sent with pickle, so nothing refuses it)."""
    return len(list(invoices))


@shared_task
def report_totals() -> list[str]:
    """Each invoice's customer, one query per invoice: an N+1 inside a task."""
    return [
        f"{invoice.customer.name}: {invoice.total}"
        for invoice in Invoice.objects.order_by("number")
    ]
