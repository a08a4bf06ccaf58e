"""Each URL finding points at the call that writes its route: the path()/include() call that fits
the entry, the module a URLconf imported its list from, a router's register call."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from tests.urlconfs.serving import findings, line_with, serving

MakeApp = Callable[[str], Path]
W301_W303 = (ids.W301.id, ids.W303.id)


def test_an_include_is_placed_at_its_own_line_not_at_a_view_of_the_same_route() -> None:
    """www.py has path("", views.home) first and path("", include(...)) last."""
    with serving():
        [w302] = findings(ids.W302.id)
    assert w302[:2] == ("www.py", line_with("www", "W302"))
    assert line_with("www", "W302") != line_with("www", 'path("", views.home')


def test_a_route_a_router_builds_is_placed_at_its_registration() -> None:
    with serving():
        [message] = [m for m in run_guardrail_checks() if m.id == ids.W303.id]
    assert (Path(str(message.file)).name, message.line) == ("api.py", line_with("api", "W303"))
    assert message.msg == "/api/persons/<int:pk>/ puts the internal integer ID <pk> in the URL."
    assert message.hint == (
        "The router builds this route for PersonEndpoint: look rows up there by a slug or UUID "
        "field instead (DRF: lookup_field): integer IDs leak row counts and invite guessing."
    )


def test_drf_router_routes_are_placed_at_router_register() -> None:
    pytest.importorskip("rest_framework")
    with serving(ROOT_URLCONF="tests.urlconfs.drf_api"):
        found = findings(ids.W301.id, ids.W303.id)
    line = line_with("drf_api", "W303")
    assert found == [
        ("drf_api.py", line, "/api/people/<pk>.<format>/ puts the internal integer ID <pk> in "
         "the URL."),
        ("drf_api.py", line, "/api/people/<pk>/ puts the internal integer ID <pk> in the URL."),
    ]  # fmt: skip


URLS = """\
    from django.urls import include, path

    from {label} import views
    from {label}.builder import endpoint

    items = ([path("<int:pk>/", views.two, name="item")], "items")

    urlpatterns = [
        path("<int:pk>/", views.one, name="first"),
        path("<int:pk>/", views.two),  # second
        path("items/", include(items)),  # items
        path("built/", endpoint(views.one)),  # built
    ]
    """

BUILDER = """\
    from django.urls import path


    def endpoint(view):
        return [path("<int:pk>/", view, name="detail")], "built", "built"
    """

VIEWS = """\
    from django.http import HttpResponse


    def one(request, pk):
        return HttpResponse(pk)


    def two(request, pk):
        return HttpResponse(pk)
    """


def test_same_route_text_told_apart_by_name_and_generated_routes_by_their_mount(
    make_app: MakeApp,
) -> None:
    package = make_app("").parent
    (package / "views.py").write_text(textwrap.dedent(VIEWS))
    (package / "builder.py").write_text(textwrap.dedent(BUILDER))
    urls = package / "urls.py"
    urls.write_text(textwrap.dedent(URLS).replace("{label}", package.name))
    lines = urls.read_text().splitlines()

    def line(marker: str) -> int:
        return next(n for n, text in enumerate(lines, 1) if marker in text)

    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = sorted((m.line, m.msg) for m in run_guardrail_checks() if m.id in W301_W303)
    integer_id = "puts the internal integer ID <pk> in the URL."
    assert found == sorted(
        [
            (line("# second"), "The URL pattern /<int:pk>/ has no name."),
            (line('name="first"'), f"/<int:pk>/ {integer_id}"),
            (line("# second"), f"/<int:pk>/ {integer_id}"),
            (line("# built"), f"/built/<int:pk>/ {integer_id}"),
            (line("items = "), f"/items/<int:pk>/ {integer_id}"),
        ]
    )


DYNAMIC_URLS = """\
    from django.urls import include, path

    from {label} import views

    prefix = "shop/"

    urlpatterns = [
        path(prefix, include("{label}.parts")),  # mounted
        path(f"{prefix}login/", views.one),  # login
        path(prefix + "about/", views.two, name="about"),  # about
    ]
    """


def test_a_route_written_from_a_variable_is_placed_by_what_it_routes_to(
    make_app: MakeApp,
) -> None:
    """path(prefix, include(...)) and path(f"{prefix}login/", view): no literal route text to
    compare, so the call is found by its include target, view or name."""
    package = make_app("").parent
    (package / "views.py").write_text(textwrap.dedent(VIEWS))
    (package / "parts.py").write_text(
        "from django.urls import path\n\nfrom . import views\n\n"
        'urlpatterns = [path("<slug:code>/", views.two, name="part")]\n'
    )
    urls = package / "urls.py"
    urls.write_text(textwrap.dedent(DYNAMIC_URLS).replace("{label}", package.name))
    lines = urls.read_text().splitlines()

    def line(marker: str) -> int:
        return next(n for n, text in enumerate(lines, 1) if marker in text)

    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = sorted(
            (m.line or 0, m.msg)
            for m in run_guardrail_checks()
            if m.id in (ids.W301.id, ids.W302.id) and str(m.file).endswith("urls.py")
        )
    assert found == [
        (
            line("# mounted"),
            f"include() at /shop/ mounts {package.name}.parts without a namespace.",
        ),
        (line("# login"), "The URL pattern /shop/login/ has no name."),
    ]
