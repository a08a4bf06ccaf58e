from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import AppConfig, apps
from django.test import override_settings

from django_guardrails.project import is_own_app, is_under, library_roots, own_app_configs


def labels(app_configs: list[AppConfig]) -> list[str]:
    return [app_config.label for app_config in app_configs]


def test_the_projects_apps_are_own_and_libraries_are_not() -> None:
    assert is_own_app(apps.get_app_config("broken"))
    assert is_own_app(apps.get_app_config("clean"))
    for label in ("auth", "admin", "contenttypes", "sessions", "django_guardrails"):
        assert not is_own_app(apps.get_app_config(label)), label
    assert labels(own_app_configs()) == ["broken", "clean", "shapes"]


def test_is_under_matches_whole_path_components(tmp_path: os.PathLike[str]) -> None:
    root = os.path.realpath(tmp_path)
    assert is_under(os.path.join(root, "pkg"), [root])
    assert not is_under(root + "-other", [root])
    assert any(root_dir.endswith("site-packages") for root_dir in library_roots())


def test_apps_setting_overrides_detection() -> None:
    with override_settings(GUARDRAILS={"APPS": ["clean", "django.contrib.auth"]}):
        assert labels(own_app_configs()) == ["auth", "clean"]


def test_app_configs_argument_narrows_the_scope() -> None:
    assert labels(own_app_configs([apps.get_app_config("clean")])) == ["clean"]
    # Asking for a library app judges nothing.
    assert own_app_configs([apps.get_app_config("auth")]) == []


def test_an_app_installed_among_libraries_is_never_judged(
    make_app: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_guardrails import project as scope
    from django_guardrails.checks.framework.engine import run_guardrail_checks

    models_py = make_app("from django.db import models\n\nclass Bare(models.Model):\n    pass\n")
    assert any(m.file == str(models_py) for m in run_guardrail_checks())
    roots = (*library_roots(), os.path.realpath(models_py.parent.parent))
    monkeypatch.setattr(scope, "library_roots", lambda: roots)
    assert not any(m.file == str(models_py) for m in run_guardrail_checks())


def test_a_path_is_displayed_from_the_working_directory_of_the_moment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django_guardrails.project import display_path

    source = tmp_path / "shop" / "views.py"
    source.parent.mkdir()
    (tmp_path / "elsewhere").mkdir()
    expected = {
        tmp_path: os.path.join("shop", "views.py"),
        source.parent: "views.py",
        tmp_path / "elsewhere": str(source),  # not under it: absolute
    }
    for _ in range(2):  # the second time from what was remembered, per directory
        for directory, shown in expected.items():
            monkeypatch.chdir(directory)
            assert display_path(str(source)) == shown
