"""Django REST framework (``django-guardrails[drf]``): the 8xx checks and the run-time hook that
names the serializer field and view above an N+1.

A feature package: the core never imports it. ``apps`` registers its checks when DRF is
installed, and ``instrumentation`` installs its hook once the project has imported DRF. Nothing
here imports DRF before the project does (``usage``).
"""

from __future__ import annotations

from django.core.checks import Tags

from django_guardrails.integrations.usage import drf_in_use, when_used

_CHECKS = "django_guardrails.integrations.drf.checks"

serializer_fields = when_used(_CHECKS, "check_serializer_fields", drf_in_use)
list_view_loads = when_used(_CHECKS, "check_list_view_loads", drf_in_use)
default_permission = when_used(_CHECKS, "check_default_permission", drf_in_use)
session_csrf = when_used(_CHECKS, "check_session_csrf", drf_in_use)


def register_checks() -> None:
    from django_guardrails.checks.framework.engine import register

    register(serializer_fields, Tags.security)
    register(list_view_loads, Tags.urls)
    register(default_permission, Tags.security, deploy=True)
    register(session_csrf, Tags.security)
