"""The app's service functions: some write, some only read or notify."""

from __future__ import annotations

from django.core.cache import cache

from tests.signal_app.models import Notification, Order, Payment


def charge(order: Order) -> Payment:
    """Takes the payment for an order: a write."""
    payment: Payment = Payment.objects.create(order=order, amount=order.total)
    return payment


def describe(order: Order) -> str:
    """Reads only."""
    return f"{order} for {order.total}"


def forget_totals(order: Order) -> None:
    """Cache invalidation, what receivers are for."""
    cache.delete(f"totals:{order.pk}")


def notify_customer(order: Order) -> None:
    """A notification record: accepted in a receiver, by its name."""
    Notification.objects.create(text=describe(order))


class Billing:
    """Static and class methods, called through the class."""

    @staticmethod
    def refund(order: Order) -> None:
        Payment.objects.filter(order=order).delete()

    @classmethod
    def rebill(cls, order: Order) -> None:
        cls.refund(order)
