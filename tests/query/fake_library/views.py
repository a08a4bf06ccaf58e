"""A library's generic view, as Wagtail's snippet index view sets ``model`` itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.generic import ListView

from broken.models import Customer


class LibraryIndexView(ListView):  # type: ignore[type-arg]
    model = Customer


def customer_twice(request: HttpRequest) -> HttpResponse:
    """Reads the same customer twice: a duplicate of the library's own making."""
    first = Customer.objects.filter(pk=1).first()
    again = Customer.objects.filter(pk=1).first()
    return HttpResponse(f"{first is None}{again is None}")
