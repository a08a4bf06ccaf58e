from __future__ import annotations

import ast
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.test import override_settings

from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.views.served import ServedView, served_views, view_node
from django_guardrails.conf import get_config
from django_guardrails.project import own_app_configs
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]

VIEWS = """\
import functools

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.generic import DetailView, View
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet


def index(request):
    return HttpResponse("home")


@login_required
def account(request):
    return HttpResponse("me")


async def feed(request):
    return HttpResponse("feed")


def by_name(request, name):
    return HttpResponse(name)


class AuditMixin:
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def audit(self):
        return None


class NoteDetail(AuditMixin, DetailView):
    template_name = "note.html"

    def get_object(self, queryset=None):
        return None


class NoteExport(AuditMixin, View):
    def get(self, request):
        return HttpResponse("csv")


class Callable_:
    def __call__(self, request):
        return HttpResponse("called")


@api_view(["POST"])
def ping(request):
    return Response({})


class Stats(APIView):
    def get(self, request):
        return Response({})


class Tags(ViewSet):
    def list(self, request):
        return Response([])
"""

URLS = """\
import functools

from django.contrib import admin
from django.urls import include, path

from . import views

again = ([path("index/", views.index, name="index")], "again")

urlpatterns = [
    path("", views.index, name="index"),
    path("again/", include(again)),
    path("me/", views.account, name="account"),
    path("feed/", views.feed, name="feed"),
    path("alice/", functools.partial(views.by_name, name="alice"), name="alice"),
    path("notes/<int:pk>/", views.NoteDetail.as_view(), name="note"),
    path("notes/export/", views.NoteExport.as_view(), name="export"),
    path("called/", views.Callable_(), name="called"),
    path("lambda/", lambda request: None, name="lambda"),
    path("ping/", views.ping, name="ping"),
    path("stats/", views.Stats.as_view(), name="stats"),
    path("tags/", views.Tags.as_view({"get": "list"}), name="tags"),
    path("admin/", admin.site.urls),
]
"""


def scope(whole_project: bool = True, labels: list[str] | None = None) -> CheckScope:
    chosen = [apps.get_app_config(label) for label in labels] if labels else None
    return CheckScope(own_app_configs(chosen), whole_project, get_config(), SOURCE)


@pytest.fixture
def site(make_app: MakeApp) -> Iterator[Path]:
    package = make_app("").parent
    (package / "views.py").write_text(VIEWS)
    (package / "urls.py").write_text(URLS)
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        yield package


def summary(found: list[ServedView]) -> list[tuple[str, str | None, str, str]]:
    """(name in the module, class, route, first line of the node's source) per view."""
    return [
        (view.name.split(".", 2)[-1], view.view_class, view.route, _first_line(view))
        for view in found
    ]


def _first_line(view: ServedView) -> str:
    return Path(view.file).read_text().splitlines()[view.line - 1].strip()


def test_every_own_view_function_and_method_once(site: Path) -> None:
    found = served_views(scope())
    assert all(view.file == str(site / "views.py") for view in found)
    assert summary(found) == [
        ("index", None, "/", "def index(request):"),
        ("account", None, "/me/", "def account(request):"),
        ("feed", None, "/feed/", "async def feed(request):"),
        (
            "NoteDetail.get_object",
            "NoteDetail",
            "/notes/<int:pk>/",
            "def get_object(self, queryset=None):",
        ),
        (
            "AuditMixin.dispatch",
            "AuditMixin",
            "/notes/<int:pk>/",
            "def dispatch(self, request, *args, **kwargs):",
        ),
        ("AuditMixin.audit", "AuditMixin", "/notes/<int:pk>/", "def audit(self):"),
        ("NoteExport.get", "NoteExport", "/notes/export/", "def get(self, request):"),
        ("ping", None, "/ping/", "def ping(request):"),
        ("Stats.get", "Stats", "/stats/", "def get(self, request):"),
        ("Tags.list", "Tags", "/tags/", "def list(self, request):"),
    ]


def test_view_functions_are_the_def_nodes_of_the_module(site: Path) -> None:
    checked = scope()
    found = {view.name.split(".", 1)[1]: view for view in served_views(checked)}
    account = view_node(checked, found["views.account"])  # under @login_required
    ping = view_node(checked, found["views.ping"])  # DRF's @api_view builds a class around it
    assert account is not None and account.name == "account"
    assert ping is not None and ping.name == "ping"
    assert isinstance(view_node(checked, found["views.feed"]), ast.AsyncFunctionDef)
    assert found["views.index"].route == "/"  # its first mount; the second one is not repeated


def test_views_of_apps_out_of_scope_are_left_out(site: Path) -> None:
    assert served_views(scope(whole_project=False, labels=["clean"])) == []


def test_odd_callbacks_never_raise(make_app: MakeApp) -> None:
    package = make_app("").parent
    (package / "urls.py").write_text(
        textwrap.dedent(
            """\
            from django.urls import path

            class Weird:
                view_class = "not a class"
                __wrapped__ = None

                def __call__(self, request):
                    return None

            def made():
                def inner(request):
                    return None
                return inner

            urlpatterns = [path("w/", Weird()), path("m/", made()), path("b/", print)]
            """
        )
    )
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = served_views(scope())
    assert [view.name.split(".", 1)[1] for view in found] == ["urls.made.<locals>.inner"]
