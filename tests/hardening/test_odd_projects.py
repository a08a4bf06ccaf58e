"""Odd projects: the checks run clean (no guardrails.W002) and the guard counts per alias."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.testing import capture

MakeApp = Callable[[str], Path]


def crashes(**kwargs: object) -> list[str]:
    return [str(m.msg) for m in run_guardrail_checks(deploy=True, **kwargs) if m.id == ids.W002.id]  # type: ignore[arg-type]


def test_an_app_without_models_or_migrations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "bareapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    from django.conf import settings

    with override_settings(INSTALLED_APPS=[*settings.INSTALLED_APPS, "bareapp"]):
        assert crashes() == []


def test_swappable_proxy_abstract_and_unmanaged_models(make_app: MakeApp) -> None:
    make_app(
        """\
        from django.db import models


        class Base(models.Model):
            name = models.CharField(max_length=20)

            class Meta:
                abstract = True


        class Member(Base):
            class Meta:
                swappable = "GUARDRAILS_TEST_MEMBER_MODEL"

            def __str__(self) -> str:
                return self.name


        class VipMember(Member):
            class Meta:
                proxy = True


        class LegacyRow(models.Model):
            code = models.CharField(max_length=5, primary_key=True)
            payload = models.JSONField(null=True)

            class Meta:
                managed = False
                db_table = "legacy_rows"
        """
    )
    assert crashes() == []


URLCONF = """\
from django.http import HttpResponse
from django.urls import include, path, re_path


def view(request, **kwargs):
    return HttpResponse("ok")


inner = ([path("leaf/<slug:slug>/", view, name="leaf")], "inner")
middle = ([path("inner/", include(inner, namespace="inner"))], "middle")
generated = [path(f"page-{number}/", view, name=f"page-{number}") for number in range(5)]


def more_patterns():
    return [re_path(r"^archive/(?P<year>[0-9]{4})/$", view, name="archive")]


urlpatterns = [
    re_path(r"^articles/(?P<slug>[-\\w]+)/$", view, name="article"),
    re_path(r"^numbered/([0-9]+)/$", view),
    path("outer/", include(middle, namespace="outer")),
    path("generated/", include(generated)),
    *more_patterns(),
]
"""


def test_regex_nested_namespaced_and_generated_urlconfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "odd_urls.py").write_text(textwrap.dedent(URLCONF))
    monkeypatch.syspath_prepend(str(tmp_path))
    with override_settings(ROOT_URLCONF="odd_urls"):
        assert crashes() == []
    sys.modules.pop("odd_urls", None)


@pytest.fixture
def other_database() -> Iterator[str]:
    """A second database alias, another SQLite database, added for the test."""
    connections.settings["other"] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "TEST": {"NAME": ":memory:"},
    }
    try:
        yield "other"
    finally:
        if "other" in connections:
            connections["other"].close()
        del connections.settings["other"]


def test_several_databases_findings_per_alias(other_database: str, django_db_blocker: Any) -> None:
    with django_db_blocker.unblock(), capture() as report:
        for connection in (connections["default"], connections[other_database]):
            with connection.cursor() as cursor:
                for number in range(4):
                    cursor.execute("SELECT %s", [number])  # an N+1 on each alias
    assert sorted(f.alias for f in report.n_plus_ones) == ["default", other_database]
    assert {q.alias for q in report.queries} == {"default", other_database}
    assert crashes(databases=["default", other_database]) == []
