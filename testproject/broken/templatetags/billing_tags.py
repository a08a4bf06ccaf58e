"""Template tags of the broken app."""

from __future__ import annotations

from typing import Any

from django import template

from broken.models import Invoice

register = template.Library()


@register.inclusion_tag("broken/latest_items.html")
def latest_items(invoice: Invoice) -> dict[str, Any]:
    """The invoice's two newest line items: a query per invoice when used in a loop."""
    return {"items": invoice.line_items.order_by("-id")[:2]}
