from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.urls.checks import _integer_ids

BROKEN_URLS = Path(__file__).parents[2] / "testproject/broken/urls.py"
PDF_LINE = next(
    n
    for n, line in enumerate(BROKEN_URLS.read_text().splitlines(), 1)
    if "views.invoice_pdf" in line
)


def found(check_id: ids.CheckId) -> list[tuple[str, int | None, str]]:
    return sorted(
        (str(m.file).rsplit("testproject/", 1)[-1], m.line, m.msg)
        for m in run_guardrail_checks()
        if m.id == check_id.id
    )


def test_each_url_check_fires_on_the_broken_urls() -> None:
    assert found(ids.W301) == [
        ("broken/urls.py", PDF_LINE, "The URL pattern /broken/invoices/<int:pk>/pdf/ has no name.")
    ]
    assert found(ids.W303) == [
        (
            "broken/urls.py",
            PDF_LINE,
            "/broken/invoices/<int:pk>/pdf/ puts the internal integer ID <pk> in the URL.",
        )
    ]
    assert found(ids.W302) == [
        (
            "urls.py",
            15,
            "include() at /legacy/ mounts broken.legacy_urls without a namespace.",
        )
    ]
    [w302] = [m for m in run_guardrail_checks() if m.id == ids.W302.id and "legacy" in m.msg]
    assert w302.hint == (
        'Add app_name = "legacy" to broken.legacy_urls, or pass namespace= to include(), and '
        "reverse its names as 'legacy:<name>' in reverse() and {% url %}."
    )
    [(file, _, message)] = found(ids.W305)
    assert file == "broken/legacy_urls.py"
    assert "'legacy_invoices' points at 2 different views" in message


def test_the_clean_urls_and_the_admin_are_silent() -> None:
    for check_id in (ids.W301, ids.W302, ids.W303, ids.W305):
        assert not [f for f in found(check_id) if f[0].startswith(("clean/", "admin"))]


def test_integer_ids_are_told_from_other_integers() -> None:
    from django.http import HttpRequest, HttpResponse
    from django.urls import path, re_path

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    assert _integer_ids(path("b/<int:book_id>/", view)) == ["book_id"]
    assert _integer_ids(path("archive/<int:year>/<int:page>/", view)) == []
    assert _integer_ids(path("b/<slug:pk>/", view)) == []
    assert _integer_ids(re_path(r"^b/(?P<pk>\d+)/$", view)) == ["pk"]
    assert _integer_ids(re_path(r"^y/(?P<year>[0-9]+)/$", view)) == []


def test_a_project_without_urls_is_fine() -> None:
    with override_settings(ROOT_URLCONF=None):
        ids_found = {m.id for m in run_guardrail_checks()}
    assert ids.W002.id not in ids_found
