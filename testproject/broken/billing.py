"""Billing operations of the broken app; each breaks a Celery rule on purpose."""

from __future__ import annotations

from django.db import transaction

from broken.models import AuditEntry, Invoice
from broken.tasks import send_invoice


def mark_sent(number: str) -> Invoice:
    """Breaks W705, and passes the Invoice itself (a run-time finding): the worker may run
    before the audit row is committed, and gets a stale copy of the invoice."""
    with transaction.atomic():
        invoice: Invoice = Invoice.objects.select_for_update().get(number=number)
        AuditEntry.objects.create(action=f"sent {invoice.number}")
        send_invoice.delay(invoice)
    return invoice
