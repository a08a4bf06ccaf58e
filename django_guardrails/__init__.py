"""django-guardrails: a Django team's rules, enforced by the framework."""

from __future__ import annotations

__version__ = "0.1.0.dev0"

__all__ = ["__version__"]
