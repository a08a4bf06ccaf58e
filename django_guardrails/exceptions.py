"""The exceptions guardrails raises on purpose (``MODE = "raise"``, test assertions) and the
warnings it issues (``MODE = "warn"``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django_guardrails.query.types import Finding


class GuardrailsError(Exception):
    """Base class of every exception guardrails raises on purpose."""


class NPlusOneError(GuardrailsError):
    """An N+1 query pattern, raised at the line that loops."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class TaskArgumentError(GuardrailsError):
    """A model instance or queryset sent to a Celery task (``MODE = "raise"``)."""

    def __init__(self, message: str, findings: Sequence[Finding] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class CacheKeyError(GuardrailsError, ValueError):
    """``versioned_key()`` got an object it cannot make a key for: unsaved, or unversioned."""


class GuardrailsWarning(UserWarning):
    """A query guard finding, shown as a Python warning (``MODE = "warn"``)."""


class NPlusOneWarning(GuardrailsWarning):
    """An N+1 query pattern (``MODE = "warn"``)."""


class DuplicateQueryWarning(GuardrailsWarning):
    """The same query, with the same parameters, run twice or more (``MODE = "warn"``)."""


class TaskArgumentWarning(GuardrailsWarning):
    """A model instance or queryset sent to a Celery task (``MODE = "warn"``)."""
