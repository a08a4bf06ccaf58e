"""django-guardrails: a Django team's rules, enforced by the framework.

The public API is what this module names in ``__all__``; the settings (``GUARDRAILS``), the
middleware, the toolbar panel, the pytest plugin and the check IDs are documented in docs/.
Every other module is internal and may change in any release.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from django_guardrails.version import __version__

if TYPE_CHECKING:
    from django_guardrails.exceptions import (
        CacheKeyError,
        DuplicateQueryWarning,
        GuardrailsError,
        GuardrailsWarning,
        NPlusOneError,
        NPlusOneWarning,
        TaskArgumentError,
        TaskArgumentWarning,
    )
    from django_guardrails.query.api import allow_n_plus_one, watch
    from django_guardrails.query.types import Finding
    from django_guardrails.testing import (
        GuardrailsTestCaseMixin,
        QueryReport,
        assert_max_queries,
        assert_no_duplicate_queries,
        assert_no_n_plus_one,
        assert_no_repeated_writes,
        assert_query_snapshot,
        capture,
    )

# Each public name and the module it lives in, loaded on first use: importing the package
# (INSTALLED_APPS does) must stay cheap and touch neither settings nor the ORM.
_PUBLIC = {
    "watch": "django_guardrails.query.api",
    "allow_n_plus_one": "django_guardrails.query.api",
    "Finding": "django_guardrails.query.types",
    "capture": "django_guardrails.testing",
    "QueryReport": "django_guardrails.testing",
    "assert_no_n_plus_one": "django_guardrails.testing",
    "assert_max_queries": "django_guardrails.testing",
    "assert_no_duplicate_queries": "django_guardrails.testing",
    "assert_no_repeated_writes": "django_guardrails.testing",
    "assert_query_snapshot": "django_guardrails.testing",
    "GuardrailsTestCaseMixin": "django_guardrails.testing",
    "GuardrailsError": "django_guardrails.exceptions",
    "NPlusOneError": "django_guardrails.exceptions",
    "TaskArgumentError": "django_guardrails.exceptions",
    "CacheKeyError": "django_guardrails.exceptions",
    "GuardrailsWarning": "django_guardrails.exceptions",
    "NPlusOneWarning": "django_guardrails.exceptions",
    "DuplicateQueryWarning": "django_guardrails.exceptions",
    "TaskArgumentWarning": "django_guardrails.exceptions",
}

__all__ = [
    "__version__",
    "watch",
    "allow_n_plus_one",
    "Finding",
    "capture",
    "QueryReport",
    "assert_no_n_plus_one",
    "assert_max_queries",
    "assert_no_duplicate_queries",
    "assert_no_repeated_writes",
    "assert_query_snapshot",
    "GuardrailsTestCaseMixin",
    "GuardrailsError",
    "NPlusOneError",
    "TaskArgumentError",
    "CacheKeyError",
    "GuardrailsWarning",
    "NPlusOneWarning",
    "DuplicateQueryWarning",
    "TaskArgumentWarning",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'django_guardrails' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    if module == "django_guardrails.query.api":  # watch() may be used without the app
        from django_guardrails.instrumentation import ensure_armed

        ensure_armed()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
