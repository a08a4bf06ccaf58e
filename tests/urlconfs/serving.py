"""Serve the multi-URLconf project in a test, and read what the checks say about it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import override_settings

from django_guardrails.checks.framework.engine import run_guardrail_checks

HERE = Path(__file__).parent


def serving(**overrides: Any) -> override_settings:
    """The app installed and ``www`` as ROOT_URLCONF, plus ``overrides`` (hosts, tenants)."""
    overrides.setdefault("ROOT_URLCONF", "tests.urlconfs.www")
    return override_settings(
        INSTALLED_APPS=[*settings.INSTALLED_APPS, "tests.urlconfs"], **overrides
    )


def line_with(module: str, marker: str) -> int:
    """The line of ``tests/urlconfs/<module>.py`` that holds ``marker``, found once."""
    lines = (HERE / f"{module}.py").read_text().splitlines()
    [number] = [n for n, line in enumerate(lines, 1) if marker in line]
    return number


def findings(*codes: str) -> list[tuple[str, int | None, str]]:
    """(file name, line, message) of each finding with one of ``codes`` in this package."""
    return sorted(
        (Path(str(m.file)).name, m.line, m.msg)
        for m in run_guardrail_checks()
        if m.id in codes and str(m.file).startswith(str(HERE))
    )
