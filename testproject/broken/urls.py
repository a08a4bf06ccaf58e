"""URLs of the broken app."""

from __future__ import annotations

from django.urls import path

from broken import views

app_name = "broken"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/customers/", views.invoice_customers, name="invoice_customers"),
    path("invoices/all/", views.InvoiceArchive.as_view(), name="invoice_archive"),
    path("customers/", views.CustomerList.as_view(), name="customer_list"),
    path("webhooks/payment/", views.payment_webhook, name="payment_webhook"),
    path("banner/", views.banner, name="banner"),
    path("archive/", views.old_invoice_list, name="old_invoice_list"),
    path("invoices/<str:number>/", views.invoice_detail, name="invoice_detail"),
    # Break W301 and W303: no name, and the integer primary key in the URL.
    path("invoices/<int:pk>/pdf/", views.invoice_pdf),
]
