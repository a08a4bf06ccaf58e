"""DRF serializers of the broken app; each docstring names the rule it breaks."""

from __future__ import annotations

from rest_framework import serializers

from broken.models import Customer, Invoice, Refund


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    """Breaks W802: names what it hides, so every new Customer column is shown."""

    class Meta:
        model = Customer
        exclude = ["created_at"]


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    """Breaks W801; its customer and line_count cost a query per invoice unless loaded."""

    customer = CustomerSerializer(read_only=True)
    line_count = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = "__all__"

    def get_line_count(self, invoice: Invoice) -> int:
        """One COUNT query per invoice: an N+1 the run-time guard names."""
        return invoice.line_items.count()


class RefundSerializer(serializers.ModelSerializer[Refund]):
    """Breaks W803: depth nests every field of the refund's invoice."""

    class Meta:
        model = Refund
        fields = ["id", "amount", "invoice"]
        depth = 1
