"""Old pages, mounted without a namespace by both the root and the docs URLconf."""

from __future__ import annotations

from django.urls import path

from tests.urlconfs import views

urlpatterns = [
    path("old/", views.old_page),  # W301 of /old/, once
]
