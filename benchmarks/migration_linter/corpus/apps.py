"""The corpus app: one migration per case, shared by guardrails and django-migration-linter."""

from __future__ import annotations

from django.apps import AppConfig


class CorpusConfig(AppConfig):
    name = "corpus"
    default_auto_field = "django.db.models.BigAutoField"
