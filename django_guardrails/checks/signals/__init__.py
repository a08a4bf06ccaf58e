"""4xx: the project's signal receivers, from the inventory and their source."""

from __future__ import annotations

from django_guardrails.checks.signals.checks import check_signal_receivers

__all__ = ["check_signal_receivers"]
