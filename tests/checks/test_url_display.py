"""Routes are shown as written: regexes without their syntax, pieces joined without // ."""

from __future__ import annotations

import pytest
from django.urls.resolvers import LocalePrefixPattern, RegexPattern, RoutePattern
from django.utils import translation

from django_guardrails.source.route_display import regex_text, route_text


@pytest.mark.parametrize(
    ("regex", "shown"),
    [
        (r"^persons/$", "persons/"),
        (r"^persons/(?P<pk>[^/.]+)/$", "persons/<pk>/"),  # DRF's router
        (r"^persons/(?P<pk>\d+)\.(?P<format>[a-z0-9]+)/?$", "persons/<pk>.<format>/"),
        (r"^persons/", "persons/"),  # Wagtail's API router
        (r"^archive/(?P<year>[0-9]{4})/\Z", "archive/<year>/"),
        (r"^(?P<lang>[a-z-]+)/(?P<part>_a|_b)/(?P<path>.*)$", "<lang>/<part>/<path>"),
        (r"^images/([^/]*)/(\d*)/[^/]*$", "images/<var>/<var>/*"),
        (r"^[a-z-]+/team/$", "*/team/"),
        (r"^blog/(?:page-(?P<page>\d+)/)?$", "blog/[page-<page>/]"),
        (r"^(?:en|fr)/about/$", "(en|fr)/about/"),
        (r"^(?i)about(?=/)/$", "about/"),
        (r"^files/(?P<name>[^)]+)\.txt$", "files/<name>.txt"),
        (r"^broken/(unclosed", "broken/<var>"),
        ("^x\\", "x\\"),
    ],
)
def test_regex_text(regex: str, shown: str) -> None:
    assert regex_text(regex) == shown


def test_route_text_joins_the_pieces_as_written() -> None:
    api, persons = RoutePattern("api/v2/"), RegexPattern(r"^persons/")
    assert route_text([api, persons, RoutePattern("<int:pk>/")]) == "/api/v2/persons/<int:pk>/"
    assert route_text([RegexPattern(r"^api/"), RegexPattern(r"^/items/$")]) == "/api/items/"
    assert route_text([RoutePattern("shop"), RoutePattern("cart/")]) == "/shopcart/"
    assert route_text([RoutePattern(""), RoutePattern("")]) == "/"
    with translation.override("en"):
        assert route_text([LocalePrefixPattern(), RoutePattern("about/")]) == "/en/about/"
