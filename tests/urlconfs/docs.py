"""The URLconf of the docs host: routes of its own plus the documentation list it imports."""

from __future__ import annotations

from django.urls import include, path

from tests.urlconfs import views
from tests.urlconfs.docs_base import urlpatterns as docs_urlpatterns

urlpatterns = [
    path("", views.docs_home, name="home"),  # "home" again, in another URLconf: no W305
    path("sitemap.xml", views.sitemap),  # W301 of /sitemap.xml (docs)
    path("hooks/", views.hook, name="hook"),  # W604, reachable on the docs host only
    *docs_urlpatterns,
    path("", include("tests.urlconfs.legacy")),  # W302 of the docs host
]
