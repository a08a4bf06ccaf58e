from __future__ import annotations

from importlib import metadata, resources

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
