"""Receivers that break the signal rules; imported by ``models.py``, so connected at its import."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import Signal, receiver

from tests.signal_app import services
from tests.signal_app.models import Invoice, Order, Payment
from tests.signal_app.services import charge

# Sent when an order is placed.
order_placed = Signal()


@receiver(post_save, sender=Order)
def settle_invoices(sender: type[Order], instance: Order, **kwargs: Any) -> None:
    """Settles the invoices through a queryset method the manager copies (from_queryset)."""
    Invoice.objects.settle(instance)


@receiver(order_placed)
def open_invoice(sender: object, order: Order, **kwargs: Any) -> None:
    """Opens an invoice through a method of the custom manager itself."""
    Invoice.objects.open_for(order)


@receiver(order_placed)
def take_payment(sender: object, order: Order, **kwargs: Any) -> None:
    """Takes the payment through a function of the services module."""
    services.describe(order)
    services.charge(order)


@receiver(post_delete, sender=Invoice)
def charge_again(sender: type[Invoice], instance: Invoice, **kwargs: Any) -> None:
    """Charges through a function imported by name."""
    charge(instance.order)


@receiver(pre_delete, sender=Invoice)
def archive_orders(sender: type[Invoice], instance: Invoice, **kwargs: Any) -> None:
    """Archives through a chained method of an ``as_manager()`` queryset."""
    Order.objects.filter(invoice=instance).archive()


@receiver(post_save, sender=Order)
@receiver(post_save, sender=Invoice)
def stacked(sender: type[Any], **kwargs: Any) -> None:
    pass


@receiver([pre_save, pre_delete], sender=Order)
def listed(sender: type[Any], **kwargs: Any) -> None:
    pass


@receiver([post_save, post_delete])
def unfiltered(sender: type[Any], **kwargs: Any) -> None:
    """Listens to every model's saves and deletes, on purpose of this test."""


class Ledger:
    """Books each placed order."""

    def on_placed(self, sender: object, order: Order, **kwargs: Any) -> None:
        """Books the order through a method of its own object."""
        self.book(order)

    def book(self, order: Order) -> None:
        Payment.objects.create(order=order, amount=order.total)


# The ledger lives as long as the process: a module-level object.
ledger = Ledger()
order_placed.connect(ledger.on_placed)
