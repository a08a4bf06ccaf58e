"""The broken app's API (Django REST framework)."""

from __future__ import annotations

from django.urls import path

from broken import api

app_name = "broken_api"

urlpatterns = [
    path("invoices/", api.InvoiceList.as_view(), name="invoice_list"),
    path("invoices/recent/", api.RecentInvoiceList.as_view(), name="recent_invoices"),
]
