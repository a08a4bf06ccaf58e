"""Which templates W603/W606 read: every directory the engines search, kept to the project's own."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import django
import pytest
from django.apps import apps
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.source.template_dirs import project_templates

MakeApp = Callable[[str], Path]

UNSAFE_PAGE = """\
{% extends "base.html" %}
{% block content %}
<h1>{{ product.name|safe }}</h1>
{% autoescape off %}{{ product.blurb }}{% endautoescape %}
<form method="post" action="{% url 'checkout' %}">
  <button>Buy</button>
</form>
{% endblock %}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def django_engine(dirs: Sequence[Path | str], *, app_dirs: bool = True, **options: Any) -> Any:
    return [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(d) for d in dirs],
            "APP_DIRS": app_dirs,
            "OPTIONS": options,
        }
    ]


def found(check_id: ids.CheckId, app_configs: list[Any] | None = None) -> list[GuardrailsMessage]:
    return [m for m in run_guardrail_checks(app_configs) if m.id == check_id.id]


def places(check_id: ids.CheckId, under: Path) -> list[tuple[str, int | None]]:
    return sorted(
        (os.path.relpath(m.file, under), m.line)
        for m in found(check_id)
        if m.file and m.file.startswith(str(under))
    )


def test_dirs_templates_are_judged_with_their_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "templates" / "shop" / "product.html", UNSAFE_PAGE)
    monkeypatch.chdir(tmp_path)
    with override_settings(TEMPLATES=django_engine([tmp_path / "templates"])):
        assert places(ids.W603, tmp_path) == [
            ("templates/shop/product.html", 3),
            ("templates/shop/product.html", 4),
        ]
        [form] = [m for m in found(ids.W606) if m.file and m.file.startswith(str(tmp_path))]
        assert form.line == 5
        assert str(form.obj) == "templates/shop/product.html:5 form"  # relative to the project
        messages = {m.msg for m in found(ids.W603) if str(m.file).startswith(str(tmp_path))}
        assert any("(|safe on {{ product.name }})" in msg for msg in messages)
        assert any("({% autoescape off %})" in msg for msg in messages)


def test_relative_dirs_are_taken_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "site" / "templates" / "page.html", "<p>{{ body|safe }}</p>\n")
    monkeypatch.chdir(tmp_path)
    with override_settings(TEMPLATES=django_engine(["site/templates"])):
        assert places(ids.W603, tmp_path) == [("site/templates/page.html", 1)]


def test_dirs_are_not_read_when_the_check_is_narrowed_to_an_app(tmp_path: Path) -> None:
    write(tmp_path / "templates" / "page.html", UNSAFE_PAGE)
    with override_settings(TEMPLATES=django_engine([tmp_path / "templates"])):
        assert len(places(ids.W603, tmp_path)) == 2
        narrowed = found(ids.W603, [apps.get_app_config("clean")])
        assert [m for m in narrowed if str(m.file).startswith(str(tmp_path))] == []


def test_installed_packages_and_virtualenvs_are_not_read(tmp_path: Path) -> None:
    admin_templates = Path(django.__file__).parent / "contrib" / "admin" / "templates"
    assert "|safe" in (admin_templates / "admin" / "includes" / "fieldset.html").read_text()
    environment = tmp_path / "venv"
    write(environment / "pyvenv.cfg", "home = /usr/bin\n")
    write(environment / "lib" / "pkg" / "templates" / "page.html", UNSAFE_PAGE)
    # A directory holding the whole project: its virtualenv and node_modules are skipped.
    write(tmp_path / "node_modules" / "widget" / "page.html", UNSAFE_PAGE)
    write(tmp_path / ".cache" / "page.html", UNSAFE_PAGE)
    write(tmp_path / "templates" / "page.html", "<p>{{ body|safe }}</p>\n")
    dirs = [admin_templates, environment / "lib" / "pkg" / "templates", tmp_path]
    with override_settings(TEMPLATES=django_engine(dirs)):
        w603 = found(ids.W603)
        assert not any("django/contrib/admin" in str(m.file) for m in w603)
        assert places(ids.W603, tmp_path) == [("templates/page.html", 1)]


def test_loaders_in_options_decide_the_directories(tmp_path: Path, make_app: MakeApp) -> None:
    listed = write(tmp_path / "listed" / "page.html", "<p>{{ body|safe }}</p>\n")
    models_py = make_app("")
    app_template = write(
        models_py.parent / "templates" / "app_page.html", "<p>{{ body|safe }}</p>\n"
    )
    cached = [
        (
            "django.template.loaders.cached.Loader",
            [("django.template.loaders.filesystem.Loader", [str(listed.parent)])],
        )
    ]
    with override_settings(TEMPLATES=django_engine([], app_dirs=False, loaders=cached)):
        files = {str(m.file) for m in found(ids.W603)}
        assert str(listed) in files
        assert str(app_template) not in files  # no engine searches the apps' templates/
    with override_settings(TEMPLATES=django_engine([], app_dirs=True)):
        files = {str(m.file) for m in found(ids.W603)}
        assert str(app_template) in files
        assert str(listed) not in files


def test_an_unusable_templates_setting_falls_back_to_the_apps(make_app: MakeApp) -> None:
    models_py = make_app("")
    template = write(models_py.parent / "templates" / "page.html", "<p>{{ body|safe }}</p>\n")
    broken = [{"BACKEND": "no.such.Backend", "DIRS": [], "APP_DIRS": True, "OPTIONS": {}}]
    with override_settings(TEMPLATES=broken):
        paths = [t.path for t in project_templates(apps.get_app_configs(), True)]
    assert str(template) in paths
    assert not any("site-packages" in path for path in paths)


def test_each_template_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / "templates" / "page.html", "<p>{{ body|safe }}</p>\n")
    twice = [tmp_path / "templates", tmp_path / "templates" / ".." / "templates"]
    with override_settings(TEMPLATES=django_engine(twice)):
        assert places(ids.W603, tmp_path) == [("templates/page.html", 1)]
