from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

MakeApp = Callable[[str], Path]

VIEWS = """\
    from django.http import HttpResponse, HttpResponseRedirect
    from django.shortcuts import redirect
    from django.views.generic import CreateView, RedirectView


    def listing(request):
        return HttpResponse("items")


    def detail(request, slug):
        return HttpResponse(slug)


    def page(request, url):
        return HttpResponse(url)
    """

URLS = """\
    from django.contrib import admin
    from django.urls import include, path

    from {label} import views

    items = ([
        path("", views.listing, name="listing"),
        path("<slug:slug>/", views.detail, name="detail"),
        path("<slug:slug>/raw/", views.detail),
    ], "items")

    urlpatterns = [
        path("admin/", admin.site.urls),
        path("items/", include(items)),
        path("<path:url>", views.page, name="page"),
    ]
    """


@pytest.fixture
def site(make_app: MakeApp) -> Iterator[Path]:
    """An app with namespaced item routes and a catch-all page route as ROOT_URLCONF."""
    package = make_app("").parent
    label = package.name
    (package / "views.py").write_text(textwrap.dedent(VIEWS))
    (package / "urls.py").write_text(textwrap.dedent(URLS).replace("{label}", label))
    (package / "templates").mkdir()
    with override_settings(ROOT_URLCONF=f"{label}.urls"):
        yield package


def w304(package: Path) -> list[GuardrailsMessage]:
    found = run_guardrail_checks([apps.get_app_config(package.name)])
    return [m for m in found if m.id == ids.W304.id]


def add_python(package: Path, source: str) -> Path:
    module = package / "more_views.py"
    module.write_text(textwrap.dedent(VIEWS) + textwrap.dedent(source))
    return module


def add_template(package: Path, text: str) -> Path:
    template = package / "templates" / "page.html"
    template.write_text(textwrap.dedent(text))
    return template


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_broken_app_fires_in_python_and_in_a_template() -> None:
    found = [m for m in run_guardrail_checks() if m.id == ids.W304.id]
    by_file = {Path(m.file or "").name: m for m in found}
    assert set(by_file) == {"views.py", "invoice_list.html"}
    assert by_file["views.py"].hint == (
        'Use redirect("broken:invoice_list"): the link follows the route when its path changes.'
    )
    assert "{% url 'broken:invoice_detail' number=invoice.number %}" in str(
        by_file["invoice_list.html"].hint
    )


def test_the_clean_app_is_silent() -> None:
    assert [
        m for m in run_guardrail_checks([apps.get_app_config("clean")]) if m.id == ids.W304.id
    ] == []


def test_python_redirects_and_url_attributes(site: Path) -> None:
    module = add_python(
        site,
        """

        def moved(request, item):
            return HttpResponseRedirect(f"/items/{item.slug}/")


        def back(request):
            return redirect("/items/?page=2")


        class ItemCreate(CreateView):
            success_url = "/items/"


        legacy = RedirectView.as_view(url="/items/")
        """,
    )
    found = {m.line: str(m.hint) for m in w304(site) if m.file == str(module)}
    assert found == {
        line_of(module, 'f"/items/'): 'Use HttpResponseRedirect(reverse("items:detail", '
        'kwargs={"slug": item.slug})): the link follows the route when its path changes.',
        line_of(module, 'redirect("/items/?page=2")'): 'Use redirect("items:listing"): the '
        "link follows the route when its path changes.",
        line_of(module, "success_url ="): 'Use reverse_lazy("items:listing"): the link '
        "follows the route when its path changes.",
        line_of(module, "as_view(url="): 'Use reverse_lazy("items:listing"): the link '
        "follows the route when its path changes.",
    }


def test_paths_that_are_not_named_own_routes_are_silent(site: Path) -> None:
    add_python(
        site,
        """

        def elsewhere(request, item):
            if item:
                return redirect("https://example.com/items/")
            if item is None:
                return redirect("/admin/")  # Django's admin, not the project's route
            if item == 1:
                return redirect("/items/dune/raw/")  # unnamed: W301's business
            if item == 2:
                return redirect("about/")  # relative
            return redirect("/about-us/")  # only the catch-all page route takes it
        """,
    )
    assert w304(site) == []


def test_template_links(site: Path) -> None:
    template = add_template(
        site,
        """\
        <a href="/items/">All</a>
        <a href="{% url 'items:listing' %}">All, done right</a>
        <form method="get" action='/items/{{ item.slug }}/'></form>
        <a href="/items/{% if x %}a{% endif %}/">built by a tag</a>
        <link href="/static/site.css"><a href="//cdn.example.com/items/">cdn</a>
        <a href="/about-us/">a CMS page</a>
        <a href="/items/?page=2#top">page 2</a>
        """,
    )
    found = {m.line: str(m.hint) for m in w304(site)}
    assert found == {
        line_of(template, '<a href="/items/">'): "Use {% url 'items:listing' %}: the link "
        "follows the route when its path changes.",
        line_of(template, "action="): "Use {% url 'items:detail' slug=item.slug %}: the link "
        "follows the route when its path changes.",
        line_of(template, "page 2"): "Use {% url 'items:listing' %}?page=2#top: the link "
        "follows the route when its path changes.",
    }


def test_an_inline_ignore_silences_it(site: Path) -> None:
    add_python(
        site,
        """

        def kept(request):
            return redirect("/items/")  # guardrails: ignore[W304] -- printed in a brochure
        """,
    )
    assert w304(site) == []


def test_a_regex_route_that_takes_any_two_words_is_a_catch_all(site: Path) -> None:
    """Like a docs site's ``^(?P<lang>[a-z-]+)/(?P<version>[\\w.-]+)/$``: any two-part path
    reaches it, so a path it takes is no sign of a hand-written link to it."""
    (site / "docs_urls.py").write_text(
        textwrap.dedent(
            f"""\
            from django.urls import re_path

            from {site.name} import views

            urlpatterns = [
                re_path(r"^(?P<lang>[a-z-]+)/(?P<version>[\\w.-]+)/$", views.page, name="doc"),
            ]
            """
        )
    )
    add_python(
        site,
        """

        def gone(request):
            return redirect("/foundation/donate/")
        """,
    )
    with override_settings(ROOT_URLCONF=f"{site.name}.docs_urls"):
        assert w304(site) == []
