"""The same hosts with django-hosts itself, its URLconf paths under a common prefix."""

from __future__ import annotations

# Not a dependency of guardrails, and untyped: its test skips when it is not installed.
from django_hosts import host, patterns  # type: ignore[import-untyped,import-not-found,unused-ignore]

host_patterns = patterns(
    "tests.urlconfs",
    host(r"www", "www", name="www"),
    host(r"docs", "docs", name="docs"),
)
