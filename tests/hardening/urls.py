"""The hardening tests' URLconf."""

from __future__ import annotations

from django.urls import path

from tests.hardening import views

urlpatterns = [
    path("q/<int:count>/", views.queries, name="queries"),
    path("aq/<int:count>/", views.async_queries, name="async_queries"),
    path("slow/", views.slow, name="slow"),
    path("raises/", views.raises, name="raises"),
    path("database-error/", views.database_error, name="database_error"),
    path("streaming/", views.streaming, name="streaming"),
    path("secret/", views.secret_queries, name="secret_queries"),
]
