"""HTML helpers of the broken app (guardrails.W602)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from broken.models import Customer


def customer_badge(customer: Customer) -> SafeString:
    """Breaks W602: the customer's name goes into HTML unescaped."""
    return mark_safe(f"<span class='badge'>{customer.name}</span>")
