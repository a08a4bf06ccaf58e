"""Models whose managers and querysets write: the writes a receiver hides one call away."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def settle(self, order: Order) -> int:
        """Marks the order's invoices paid: a write, reached through the manager."""
        settled: int = self.filter(order=order).update(paid=True)
        return settled

    def outstanding(self) -> InvoiceQuerySet:
        """Reads only."""
        outstanding: InvoiceQuerySet = self.filter(paid=False)
        return outstanding


class InvoiceManager(models.Manager.from_queryset(InvoiceQuerySet)):  # type: ignore[misc]
    def open_for(self, order: Order) -> Invoice:
        """Opens an invoice for the order: a write of the manager's own."""
        invoice: Invoice = self.create(order=order, amount=order.total)
        return invoice


class OrderQuerySet(models.QuerySet["Order"]):
    def archive(self) -> None:
        """Archives every order of the queryset, one save each."""
        for order in self:
            order.archived = True
            order.save(update_fields=["archived"])

    def totals(self) -> dict[str, Any]:
        """Reads only."""
        return self.aggregate(total=models.Sum("total"))


class Order(models.Model):
    total = models.IntegerField(default=0)
    archived = models.BooleanField(default=False)

    objects = OrderQuerySet.as_manager()

    def __str__(self) -> str:
        return f"order {self.pk}"


class Invoice(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    amount = models.IntegerField(default=0)
    paid = models.BooleanField(default=False)

    objects = InvoiceManager()

    def __str__(self) -> str:
        return f"invoice {self.pk}"


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    amount = models.IntegerField(default=0)

    objects: ClassVar[models.Manager[Payment]] = models.Manager()

    def __str__(self) -> str:
        return f"payment {self.pk}"


class Notification(models.Model):
    text = models.CharField(max_length=200)

    objects: ClassVar[models.Manager[Notification]] = models.Manager()

    def __str__(self) -> str:
        return self.text


# Importing the receivers here connects them while this module is imported (I406).
from tests.signal_app import signals  # noqa: E402, F401
