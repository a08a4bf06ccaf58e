"""Root URLconf: the admin, the broken app and the clean app, and their APIs."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("broken/", include("broken.urls", namespace="broken")),
    path("books/", include("clean.urls", namespace="clean")),
    # Breaks W302 on purpose: the included module has no app_name and no namespace is given.
    path("legacy/", include("broken.legacy_urls")),
]

# Django REST framework is an optional extra of guardrails: the APIs are served when installed.
if find_spec("rest_framework") is not None:
    urlpatterns += [
        path("api/broken/", include("broken.api_urls")),
        path("api/books/", include("clean.api_urls")),
    ]
