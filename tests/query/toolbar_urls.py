"""A page whose own queries are one, and whose template context makes the debug toolbar query:
its template panel formats each context value, and ``Account.__str__`` reads ``self.user``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from shapes.models import Account


def accounts(request: HttpRequest) -> HttpResponse:
    return render(request, "shapes/accounts.html", {"accounts": list(Account.objects.all())})


async def accounts_async(request: HttpRequest) -> HttpResponse:
    listed = [account async for account in Account.objects.all()]
    return render(request, "shapes/accounts.html", {"accounts": listed})


urlpatterns = [
    path("accounts/", accounts),
    path("accounts/async/", accounts_async),
    path("__debug__/", include("debug_toolbar.urls")),
]
