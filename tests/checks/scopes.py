"""Check scopes built by tests, as the engine builds them for a run: a test says what differs
(the databases' vendors, say) instead of patching what a check reads."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.apps import apps

from django_guardrails.checks.framework.engine import GuardrailCheck, judge, scope_of
from django_guardrails.checks.framework.messages import GuardrailsMessage

POSTGRESQL = frozenset({"postgresql"})
SQLITE = frozenset({"sqlite"})


def judged(check: GuardrailCheck, *labels: str, **fields: Any) -> list[GuardrailsMessage]:
    """``check``'s findings on the apps ``labels``, the scope's ``fields`` replaced, through the
    engine (inline ignores and the baseline applied)."""
    scope = replace(scope_of([apps.get_app_config(label) for label in labels]), **fields)
    return [m for m in judge(check, scope) if isinstance(m, GuardrailsMessage)]
