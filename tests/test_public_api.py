"""The declared public API: what ``django_guardrails`` names, and the only names docs point at."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import django_guardrails

ROOT = Path(__file__).resolve().parent.parent

# What a project names in its settings or imports besides ``django_guardrails.<name>``.
DOCUMENTED_ENTRY_POINTS = {
    "django_guardrails.apps",  # INSTALLED_APPS may name the AppConfig's module
    "django_guardrails.middleware.QueryGuardMiddleware",
    "django_guardrails.toolbar.GuardrailsPanel",
    "django_guardrails.testing",
    "django_guardrails.cache",
    "django_guardrails.cache.versioned_key",
}


def test_every_public_name_resolves_to_its_documented_object() -> None:
    from django_guardrails.exceptions import NPlusOneError, NPlusOneWarning
    from django_guardrails.query.api import watch
    from django_guardrails.query.types import Finding
    from django_guardrails.testing import capture

    for name in django_guardrails.__all__:
        assert getattr(django_guardrails, name) is not None, name
    assert django_guardrails.watch is watch
    assert django_guardrails.capture is capture
    assert django_guardrails.Finding is Finding
    assert django_guardrails.NPlusOneError is NPlusOneError
    assert issubclass(django_guardrails.NPlusOneWarning, django_guardrails.GuardrailsWarning)
    assert django_guardrails.NPlusOneWarning is NPlusOneWarning
    assert sorted(dir(django_guardrails)) == sorted(django_guardrails.__all__)
    assert set(django_guardrails._PUBLIC) == set(django_guardrails.__all__) - {"__version__"}


def test_importing_the_package_loads_none_of_it() -> None:
    code = (
        "import sys, django_guardrails; "
        "print(sorted(m for m in sys.modules if m.startswith('django_guardrails.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "['django_guardrails.version']"


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        django_guardrails.Unit  # noqa: B018
    except AttributeError as error:
        assert "Unit" in str(error)
    else:
        raise AssertionError("django_guardrails.Unit is not public")


def test_the_docs_point_only_at_public_names() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    named = re.compile(r"\bdjango_guardrails(?:\.[A-Za-z_]\w*)+")
    public = {f"django_guardrails.{name}" for name in django_guardrails.__all__}
    for page in pages:
        if page.name == "architecture.md":  # for contributors: it names the internals
            continue
        for line in page.read_text().splitlines():
            if "crashed with" in line:  # a quoted crash message names the check that crashed
                continue
            for found in named.findall(line):
                assert found in public | DOCUMENTED_ENTRY_POINTS, f"{page.name}: {found}"
