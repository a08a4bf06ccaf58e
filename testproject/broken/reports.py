"""Reports of the broken app that build SQL by string formatting (guardrails.W601)."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection

from broken.models import Invoice


def invoice_numbers_over(minimum: Decimal) -> list[str]:
    """Breaks W601: a value formatted into the SQL text instead of passed as a parameter."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM broken_invoice WHERE total > {minimum}")
        return [row[0] for row in cursor.fetchall()]


def invoices_numbered(number: str) -> list[Invoice]:
    """Breaks W601 through a variable: % formatting, then .raw()."""
    sql = "SELECT * FROM broken_invoice WHERE number = '%s'" % number  # noqa: UP031
    return list(Invoice.objects.raw(sql))
