"""The optional integrations: Celery (``django-guardrails[celery]``), Django REST framework
(``[drf]``) and django-debug-toolbar. Each is imported only where it is used, and only once
``installed()`` says so: a project without them imports none of this and pays nothing for it."""

from __future__ import annotations

import importlib.util

CELERY = "celery"
DRF = "rest_framework"
TOOLBAR = "debug_toolbar"


def installed(name: str) -> bool:
    """Whether module ``name`` can be imported, asked without importing it (for ``a.b``, only
    its package ``a`` is imported)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a finder that refuses it; a module without a spec
        return False
