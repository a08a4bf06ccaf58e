"""A generic DetailView whose template counts each of the author's books' reviews."""

from __future__ import annotations

from django.urls import path
from django.views.generic import DetailView

from clean.models import Author


class AuthorDetail(DetailView):  # type: ignore[type-arg]
    model = Author
    slug_field = "name"
    slug_url_kwarg = "name"
    template_name = "shapes/author_detail.html"


urlpatterns = [path("authors/<str:name>/", AuthorDetail.as_view())]
