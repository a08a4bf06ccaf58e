"""django-guardrails: a Django team's rules, enforced by the framework."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_guardrails.query.api import allow_n_plus_one, watch

__version__ = "0.1.0.dev0"

__all__ = ["__version__", "allow_n_plus_one", "watch"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: importing the package (INSTALLED_APPS does) must stay cheap and
    # touch neither settings nor the ORM.
    if name in ("watch", "allow_n_plus_one"):
        from django_guardrails.query import api

        return getattr(api, name)
    raise AttributeError(f"module 'django_guardrails' has no attribute {name!r}")
