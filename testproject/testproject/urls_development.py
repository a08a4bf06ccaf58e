"""The project's URLs plus django-debug-toolbar's, for the development settings when the
toolbar is installed."""

from __future__ import annotations

from django.urls import include, path

from testproject.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("__debug__/", include("debug_toolbar.urls"))]
