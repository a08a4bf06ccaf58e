"""Billing models that break guardrails' rules on purpose; each docstring names the rule."""

from __future__ import annotations

from django.db import models
from django.db.models.signals import pre_save
from django.dispatch import receiver


class TimestampedModel(models.Model):
    """Abstract without __str__: not flagged, as W201 judges concrete models only."""

    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Customer(TimestampedModel):  # noqa: DJ008
    """Breaks W201: no __str__, so it shows as "Customer object (1)"."""

    name = models.CharField(max_length=200)
    email = models.EmailField(unique=True)


class Invoice(models.Model):  # noqa: DJ008
    """Breaks W201: no __str__, so it shows as "Invoice object (1)"."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(max_length=20, unique=True)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Added by migration 0005 without CONCURRENTLY: I506 when the project runs PostgreSQL.
        indexes = [models.Index(fields=["created_at"], name="broken_invoice_created")]


class LineItem(models.Model):  # noqa: DJ008
    """Breaks W201: no __str__, so it shows as "LineItem object (1)"."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="line_items")
    description = models.CharField(max_length=120)  # shortened by migration 0005 (W502)
    quantity = models.PositiveIntegerField(default=1)


class PaidInvoice(Invoice):  # noqa: DJ008
    """Proxy of Invoice without __str__: not flagged, W201 reports Invoice itself."""

    class Meta:
        proxy = True


# guardrails: ignore[W201] -- append-only audit rows, never shown in the admin
class AuditEntry(models.Model):  # noqa: DJ008
    """Breaks W201 knowingly; the inline ignore above silences it, with a reason."""

    action = models.CharField(max_length=50)
    created_at = models.DateTimeField(auto_now_add=True)


# guardrails: ignore[W21] -- a mistyped ID: W003 reports the comment and W201 still fires
class Refund(models.Model):  # noqa: DJ008
    """Breaks W201; its ignore comment names no real check, so it silences nothing."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="refunds")
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    reason = models.CharField(max_length=200, default="")  # added by migration 0004 (W502)


class Shipment(models.Model):
    """Breaks W206 and I202 (save), W203 (unique_together) and W204 (a nullable string)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=50)
    tracking_code = models.CharField(max_length=50, null=True, blank=True)  # noqa: DJ001

    class Meta:
        unique_together = [("invoice", "carrier")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_code or ''}".strip()

    def save(self, *args: object, **kwargs: object) -> None:
        self.carrier = self.carrier.upper()
        super().save()


@receiver(pre_save, sender=Customer)
def normalise_email(sender: type[Customer], instance: Customer, **kwargs: object) -> None:
    """Lower-cases e-mail addresses. Breaks I406: connected when models.py is imported."""
    instance.email = instance.email.lower()
