from __future__ import annotations

import sys

import django
from django.apps import AppConfig
from django.core.checks import Tags

# On a Django guardrails does not support, nothing of it is set up: one check error says so
# (guardrails.E006), and requests go through untouched.
SUPPORTED = django.VERSION[:2] >= (5, 2)


if SUPPORTED:
    from django_guardrails.audit.connections import watch_connections

    # The one change made at import (see ``instrumentation``): from now until the first
    # request, every Signal.connect() is noted with where it was made, the receivers of the
    # apps loaded after this one and of every app's ready(), for the signal audit.
    watch_connections()


class GuardrailsConfig(AppConfig):
    name = "django_guardrails"
    verbose_name = "Django Guardrails"

    def ready(self) -> None:
        from django_guardrails.checks.engine import register

        if not SUPPORTED:
            from django_guardrails.checks.app import check_django_version

            register(check_django_version, Tags.compatibility)
            return
        # conf connects its setting_changed receiver when imported.
        from django_guardrails import conf  # noqa: F401
        from django_guardrails.checks import app, caching, signals
        from django_guardrails.checks.migrations import checks as migrations
        from django_guardrails.checks.models import checks as models
        from django_guardrails.checks.models import options as model_options
        from django_guardrails.checks.models import repeated_queries
        from django_guardrails.checks.security import checks as security
        from django_guardrails.checks.security import csrf, lookups, templates
        from django_guardrails.checks.settings import checks as settings
        from django_guardrails.checks.settings import secrets
        from django_guardrails.checks.settings import split as split_settings
        from django_guardrails.checks.urls import checks as urls
        from django_guardrails.checks.urls import hardcoded_paths

        register(app.check_setting, Tags.compatibility)
        register(app.check_baseline_file, Tags.compatibility)
        register(app.check_ignore_comments, Tags.compatibility)
        register(app.check_production_mode, Tags.compatibility, deploy=True)
        register(settings.check_debug_is_bool, Tags.security)
        register(settings.check_debug_exposed, Tags.security)
        register(settings.check_custom_user_model, Tags.security)
        register(secrets.check_settings_secrets, Tags.security)
        register(split_settings.check_settings_are_split, Tags.security)
        register(split_settings.check_production_is_not_development, Tags.security, deploy=True)
        register(models.check_model_str, Tags.models)
        register(model_options.check_save_overrides, Tags.models)
        register(model_options.check_legacy_meta_options, Tags.models)
        register(model_options.check_nullable_strings, Tags.models)
        register(repeated_queries.check_repeated_queries, Tags.models)
        register(security.check_sql_formatting, Tags.security)
        register(security.check_mark_safe, Tags.security)
        register(templates.check_template_autoescape, Tags.security, Tags.templates)
        register(templates.check_post_forms_have_tokens, Tags.security, Tags.templates)
        register(csrf.check_csrf_exempt_views, Tags.security, Tags.urls)
        register(urls.check_urls, Tags.urls)
        register(hardcoded_paths.check_hardcoded_paths, Tags.urls, Tags.templates)
        register(migrations.check_migrations, Tags.models)
        register(signals.check_signal_receivers, Tags.models)
        register(lookups.check_get_without_404, Tags.security)
        register(caching.check_shared_default_cache, Tags.caches, deploy=True)

        self._register_integrations()

        from django.core.signals import request_started

        from django_guardrails import instrumentation
        from django_guardrails.audit import connections

        # The first request ends the connection watch: serving pays nothing for it.
        request_started.connect(connections.stop_watching, dispatch_uid=connections.STOP_UID)
        # Nothing is patched here: the first unit of work installs what it needs.
        instrumentation.arm()

    def _register_integrations(self) -> None:
        """Celery's and DRF's checks, when each is installed, and their run-time hooks once the
        project imports it: a package merely installed is never imported (see
        ``checks.optional``)."""
        from django_guardrails.checks import optional
        from django_guardrails.checks.celery import sends as celery_sends
        from django_guardrails.checks.engine import register
        from django_guardrails.integrations import CELERY, DRF, installed
        from django_guardrails.query import tasks

        if installed(CELERY):
            register(optional.celery_acks_late, Tags.compatibility)
            register(optional.celery_reject_on_worker_lost, Tags.compatibility)
            register(optional.celery_task_signatures, Tags.compatibility)
            register(optional.celery_pickle, Tags.security)
            register(optional.celery_always_eager, Tags.compatibility, deploy=True)
            # A scan of the project's source: it needs no Celery app, only Celery installed.
            register(celery_sends.check_sends_in_atomic, Tags.compatibility)
            # Each task run is a unit of work: its entry point, connected when the worker (or
            # the project's package, as Celery's Django layout does) has imported Celery, else
            # by the first unit of work after the project imports it (``instrumentation``).
            if "celery.signals" in sys.modules:
                tasks.watch_runs()
        if installed(DRF):
            register(optional.drf_serializer_fields, Tags.security)
            register(optional.drf_list_view_loads, Tags.urls)
            register(optional.drf_default_permission, Tags.security, deploy=True)
