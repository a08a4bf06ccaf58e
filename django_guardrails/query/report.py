"""Findings -> a log line, a Python warning, or an exception at the culprit, by ``MODE``."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Sequence

from django_guardrails.conf import GuardrailsSettings
from django_guardrails.exceptions import NPlusOneError
from django_guardrails.query.capture import QuerySite, Unit
from django_guardrails.query.detect import allowed, is_n_plus_one, n_plus_one_finding
from django_guardrails.query.types import DUPLICATE, N_PLUS_ONE, Finding

logger = logging.getLogger("django_guardrails")


class GuardrailsWarning(UserWarning):
    """A query guard finding, shown as a Python warning (``MODE = "warn"``)."""


class NPlusOneWarning(GuardrailsWarning):
    pass


class DuplicateQueryWarning(GuardrailsWarning):
    pass


_CATEGORIES: dict[str, type[GuardrailsWarning]] = {
    N_PLUS_ONE: NPlusOneWarning,
    DUPLICATE: DuplicateQueryWarning,
}


def report(findings: Sequence[Finding], mode: str, unit: Unit) -> None:
    """Report each finding once, the way ``mode`` says."""
    if mode == "off":
        return
    show_third_party = unit.config.third_party == "show"
    for finding in findings:
        if mode == "raise" and finding.kind == N_PLUS_ONE and not finding.third_party:
            continue  # raised at the culprit already
        if finding.third_party and not show_third_party:
            continue  # counted, not described: nothing of the project's to change
        text = f"{unit.name}: {finding.describe()}"
        if mode == "warn":
            warnings.warn_explicit(
                text,
                _CATEGORIES.get(finding.kind, GuardrailsWarning),
                filename=finding.file or "<guardrails>",
                lineno=finding.line or 0,
            )
        else:
            logger.warning(text)


def raise_at_culprit(config: GuardrailsSettings) -> Callable[[Unit, QuerySite], None]:
    """An ``on_site`` callback that raises ``NPlusOneError`` where the threshold is crossed."""
    threshold = config.n_plus_one_threshold

    def check(unit: Unit, site: QuerySite) -> None:
        if site.raised or not is_n_plus_one(site, threshold):
            return
        site.raised = True
        finding = n_plus_one_finding(site)
        if not finding.third_party and not allowed(finding, config, unit.path):
            unit.halted = True
            unit.findings = (finding,)
            function = f" (in {finding.function})" if finding.function else ""
            raise NPlusOneError(
                f"{unit.name}: N+1 query at {finding.location}{function}: "
                f"{site.count} queries of the shape\n    {site.sql}\n{finding.hint}",
                [finding],
            )

    return check
