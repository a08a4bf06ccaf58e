"""Receivers that keep every rule: connected in ``ready()``, documented, and calling only code
that reads, invalidates caches or notifies."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from tests.signal_app import services
from tests.signal_app.models import Invoice, Order
from tests.signal_app.services import notify_customer


@receiver(post_save, sender=Order, dispatch_uid="signal_app.handlers.refresh")
def refresh(sender: type[Order], instance: Order, **kwargs: Any) -> None:
    """Forgets the cached totals of a saved order and tells its customer."""
    services.forget_totals(instance)
    services.describe(instance)
    notify_customer(instance)
    Order.objects.totals()
    Invoice.objects.outstanding()
