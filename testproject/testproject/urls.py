"""Root URLconf: the admin, the broken app and the clean app."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("broken/", include("broken.urls", namespace="broken")),
    path("books/", include("clean.urls", namespace="clean")),
    # Breaks W302 on purpose: the included module has no app_name and no namespace is given.
    path("legacy/", include("broken.legacy_urls")),
]
