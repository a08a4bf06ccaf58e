"""Views of the multi-URLconf project: the project's own code, so the URL checks judge them."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views import View
from django.views.decorators.csrf import csrf_exempt


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


def docs_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("docs")


def article(request: HttpRequest, slug: str) -> HttpResponse:
    return HttpResponse(slug)


def old_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("gone", status=410)


def guide(request: HttpRequest, lang: str) -> HttpResponse:
    return HttpResponse(lang)


def topic(request: HttpRequest, lang: str, pk: int) -> HttpResponse:
    return HttpResponse(f"{lang} {pk}")


def sitemap(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<urlset/>")


@csrf_exempt
def hook(request: HttpRequest) -> HttpResponse:
    request.session.get("seen")  # acts for the browser's session: CSRF matters
    return HttpResponse(status=204)


def moved(request: HttpRequest) -> HttpResponse:
    return redirect("/hooks/")  # W304 when the docs URLconf is served


class PersonEndpoint(View):
    def get(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        return HttpResponse(str(pk))
