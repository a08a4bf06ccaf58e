from __future__ import annotations

import os
from importlib import metadata, resources
from pathlib import Path

import pytest

import django_guardrails


def test_py_typed_is_shipped() -> None:
    assert resources.files("django_guardrails").joinpath("py.typed").is_file()


def test_runtime_dependencies_are_django_and_sqlparse_only() -> None:
    requirements = metadata.requires("django-guardrails") or []
    runtime = sorted(
        r.split(">")[0].split("=")[0].strip() for r in requirements if "extra" not in r
    )
    assert runtime == ["django", "sqlparse"]
    assert django_guardrails.__version__ == metadata.version("django-guardrails")


@pytest.mark.skipif(not os.environ.get("GUARDRAILS_EXPECT_WHEEL"), reason="only under tox")
def test_the_installed_wheel_is_what_runs() -> None:
    source_tree = Path(__file__).resolve().parents[1] / "django_guardrails"
    assert Path(django_guardrails.__file__).resolve().parent != source_tree
