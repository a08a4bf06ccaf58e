"""The same page with an N+1 of its own: its template shows each account's name."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.urls import include, path
from shapes.models import Account

_PAGE = Template("<html><body>{% for a in accounts %}{{ a }} {% endfor %}</body></html>")


def accounts(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_PAGE.render(Context({"accounts": Account.objects.all()})))


urlpatterns = [
    path("accounts/", accounts),
    path("__debug__/", include("debug_toolbar.urls")),
]
