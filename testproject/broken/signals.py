"""Signal receivers that break guardrails' rules on purpose; each says which one.

Imported by ``BrokenConfig.ready()``, the right place to connect receivers; ``models.py``
connects one more itself, at import (I406).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import send_mail
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from broken.models import Invoice, Refund

logger = logging.getLogger(__name__)

# Sent when an invoice is paid; a signal of the project's own.
invoice_paid = Signal()


@receiver(post_save, sender=Invoice)
def touch_customer(sender: type[Invoice], instance: Invoice, **kwargs: Any) -> None:
    instance.customer.save(update_fields=["created_at"])  # W401 (no why) and W405 (a write)


@receiver(post_save)
def log_every_save(sender: type, **kwargs: Any) -> None:
    """Logs each save of every model in the project: W402, connected without sender."""
    logger.debug("saved a %s", sender.__name__)


@receiver(invoice_paid)
def email_receipt(sender: object, invoice: Invoice, **kwargs: Any) -> None:
    """Mails the receipt, hidden behind a signal: W405, business logic in a receiver."""
    send_mail("Your receipt", f"Invoice {invoice.number}", None, [invoice.customer.email])


class ReceiptPrinter:
    """Prints a receipt when an invoice is paid."""

    def print_receipt(self, **kwargs: Any) -> None:
        """Would print a receipt, but its object is gone at once: W403."""
        logger.info("printing a receipt")


# Documented, and connected weakly: nothing keeps the printer alive, so this never runs (W403).
invoice_paid.connect(ReceiptPrinter().print_receipt)


def refunded(sender: type[Refund], instance: Refund, **kwargs: Any) -> None:
    """Keeps the refund log in step with refunds."""
    logger.info("refund %s deleted", instance.pk)


# Connected twice, under two keys: it runs twice per deleted refund (W404).
post_delete.connect(refunded, sender=Refund)
post_delete.connect(refunded, sender=Refund, dispatch_uid="broken.refunded")


class InvoiceMailer:
    """Mails an invoice's customer when it is paid."""

    def __init__(self) -> None:
        # Each mailer connects one more strong receiver, without dispatch_uid: W404.
        invoice_paid.connect(self.on_paid, weak=False)

    def on_paid(self, sender: object, invoice: Invoice, **kwargs: Any) -> None:
        """Logs the payment; the mailing itself is the caller's."""
        logger.info("invoice %s paid", invoice.number)
