"""2xx: models of the project's own apps."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.models.source import model_source

_LABEL_FIELDS = (models.CharField, models.TextField)  # SlugField, EmailField are CharFields


def defines_str(model: type[models.Model]) -> bool:
    """True when a class between ``model`` and ``models.Model`` defines ``__str__``.

    That covers a ``__str__`` inherited from an abstract base model or a mixin.
    """
    for klass in model.__mro__:
        if klass is models.Model:
            return False
        if "__str__" in vars(klass):
            return True
    return False


def _str_hint(model: type[models.Model]) -> str:
    text_fields = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, _LABEL_FIELDS) and not field.primary_key and not field.null
    ]
    body = f"return self.{text_fields[0]}" if text_fields else 'return f"{self.pk}"'
    return f"Add to {model.__name__}: def __str__(self) -> str: {body}"


def check_model_str(scope: CheckScope) -> Iterator[CheckMessage]:
    """W201: a concrete model whose ``__str__`` is still Django's default."""
    for app_config in scope.app_configs:
        for model in app_config.get_models():
            if model._meta.proxy or defines_str(model):
                continue
            file, facts = model_source(scope.source, model)
            yield ids.W201.message(
                f"Model {model._meta.label} has no __str__: it shows as "
                f'"{model.__name__} object (1)" in the admin, shell and logs.',
                hint=_str_hint(model),
                obj=model,
                file=file,
                line=facts["line"] if facts else None,
            )
