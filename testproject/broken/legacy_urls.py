"""Old URLs of the broken app, mounted without a namespace (W302) and reusing a name (W305)."""

from __future__ import annotations

from django.urls import path

from broken import views

urlpatterns = [
    path("invoices/", views.invoice_list, name="legacy_invoices"),
    path("banner/", views.banner, name="legacy_invoices"),
]
