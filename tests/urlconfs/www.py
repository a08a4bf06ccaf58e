"""The root URLconf, also served as the host "www"."""

from __future__ import annotations

from django.urls import include, path, re_path

from tests.urlconfs import views
from tests.urlconfs.api import api_router

urlpatterns = [
    path("", views.home, name="home"),
    re_path(r"^articles/(?P<slug>[-\w]+)/$", views.article),  # W301 of /articles/<slug>/
    path("api/", api_router.urls),
    path("", include("tests.urlconfs.legacy")),  # W302 of the root
]
