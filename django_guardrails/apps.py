from __future__ import annotations

import sys

from django.apps import AppConfig
from django.core.checks import Tags

from django_guardrails.version import SUPPORTED

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
        from django_guardrails.checks.framework.engine import register

        if not SUPPORTED:
            from django_guardrails.checks.app import check_django_version

            register(check_django_version, Tags.compatibility)
            return
        # conf connects its setting_changed receiver when imported.
        from django_guardrails import conf  # noqa: F401
        from django_guardrails.checks import app, caching, signals
        from django_guardrails.checks.framework.reloads import mark_reloader
        from django_guardrails.checks.migrations import checks as migrations
        from django_guardrails.checks.models import checks as models
        from django_guardrails.checks.models import options as model_options
        from django_guardrails.checks.models import repeated_queries
        from django_guardrails.checks.security import checks as security
        from django_guardrails.checks.security import csrf, lookups, templates
        from django_guardrails.checks.settings import checks as settings
        from django_guardrails.checks.settings import dev_tools, secrets
        from django_guardrails.checks.settings import split as split_settings
        from django_guardrails.checks.urls import checks as urls
        from django_guardrails.checks.urls import hardcoded_paths
        from django_guardrails.checks.views import crud as view_crud
        from django_guardrails.checks.views import logic as view_logic

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
        register(dev_tools.check_no_development_tools, Tags.security, deploy=True)
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
        register(view_logic.check_view_logic, Tags.urls)
        register(view_crud.check_hand_written_crud, Tags.urls)
        register(migrations.check_migrations, Tags.models)
        register(signals.check_signal_receivers, Tags.models)
        register(lookups.check_get_without_404, Tags.security)
        register(caching.check_shared_default_cache, Tags.caches, deploy=True)
        mark_reloader()  # runserver's reloader, before it starts the child that checks

        self._register_integrations()

        from django.core.signals import request_started

        from django_guardrails import instrumentation
        from django_guardrails.audit import connections

        # The first request ends the connection watch: serving pays nothing for it.
        request_started.connect(connections.stop_watching, dispatch_uid=connections.STOP_UID)
        # Nothing is patched here: the first unit of work installs what it needs.
        instrumentation.arm()

    def _register_integrations(self) -> None:
        """Celery's and DRF's checks, when each is installed: a package merely installed is
        never imported (``integrations.usage``). Their run-time hooks are installed by the
        first unit of work after the project imports the package (``instrumentation``)."""
        from django_guardrails.integrations import CELERY, DRF, installed

        if installed(CELERY):
            from django_guardrails.integrations import celery

            celery.register_checks()
            # Each task run is a unit of work: its entry point, connected now when the worker
            # (or the project's package, as Celery's Django layout does) has imported Celery.
            if "celery.signals" in sys.modules:
                from django_guardrails.integrations.celery.runtime import watch_runs

                watch_runs()
        if installed(DRF):
            from django_guardrails.integrations import drf

            drf.register_checks()
