"""Celery (``django-guardrails[celery]``): the 7xx checks, W705's scan of the source, and the
run-time hooks (what a send carries; each task run a unit of work).

A feature package: the core never imports it. ``apps`` registers its checks when Celery is
installed, and ``instrumentation`` installs its run-time hooks once the project has imported
Celery. Nothing here imports Celery before the project does (``usage``).
"""

from __future__ import annotations

from django.core.checks import Tags

from django_guardrails.integrations.usage import celery_in_use, when_used

_CHECKS = "django_guardrails.integrations.celery.checks"

acks_late = when_used(_CHECKS, "check_acks_late", celery_in_use)
reject_on_worker_lost = when_used(_CHECKS, "check_reject_on_worker_lost", celery_in_use)
task_signatures = when_used(_CHECKS, "check_task_signatures", celery_in_use)
pickle = when_used(_CHECKS, "check_pickle", celery_in_use)
always_eager = when_used(_CHECKS, "check_always_eager", celery_in_use)
app_found = when_used(_CHECKS, "check_app_found", celery_in_use)


def register_checks() -> None:
    from django_guardrails.checks.framework.engine import register
    from django_guardrails.integrations.celery.atomic_sends import check_sends_in_atomic

    register(acks_late, Tags.compatibility)
    register(reject_on_worker_lost, Tags.compatibility)
    register(task_signatures, Tags.compatibility)
    register(pickle, Tags.security)
    register(always_eager, Tags.compatibility, deploy=True)
    register(app_found, Tags.compatibility)
    # A scan of the project's source: it needs no Celery app, only Celery installed.
    register(check_sends_in_atomic, Tags.compatibility)
