"""2xx beyond ``__str__``: save() overrides (I202, W206), legacy Meta options (W203), nullable
strings (W204). Models come from the app registry, their code from ``models.source``."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.models.source import ClassFacts, model_source

_STRING_FIELDS = (models.CharField, models.TextField)  # SlugField, EmailField... included
_LEGACY_OPTIONS = {
    "unique_together": "constraints = [models.UniqueConstraint(fields=[...], name=...)]",
    "index_together": "indexes = [models.Index(fields=[...], name=...)]",
}


ModelSource = tuple[type[models.Model], str | None, ClassFacts | None]


def _own_models(scope: CheckScope) -> Iterator[ModelSource]:
    for app_config in scope.app_configs:
        for model in app_config.get_models():
            if model._meta.proxy:
                continue
            file, facts = model_source(scope.source, model)
            yield model, file, facts


def check_save_overrides(scope: CheckScope) -> Iterator[CheckMessage]:
    """I202 for every model that overrides save(); W206 where the override breaks save()."""
    for model, file, facts in _own_models(scope):
        if "save" not in vars(model):
            continue
        save = facts["save"] if facts else None
        line = save[0] if save else (facts["line"] if facts else None)
        label = model._meta.label
        problem = save[1] if save else None
        if problem is not None:
            yield ids.W206.message(
                f"{label}.save() {problem}.",
                hint="Write it as def save(self, *args, **kwargs): ...; "
                "super().save(*args, **kwargs).",
                obj=model,
                file=file,
                line=line,
            )
        yield ids.I202.message(
            f"{label} overrides save(): business logic there runs on every save, bulk "
            "operations skip it.",
            hint=f"Keep save() for invariants of {model.__name__} itself; move business "
            "operations to a model method or a manager/service method called explicitly.",
            obj=model,
            file=file,
            line=line,
        )


def _meta_option_line(facts: ClassFacts | None, option: str) -> int | None:
    if facts is None:
        return None
    if facts["meta"] is None:
        return int(facts["line"])
    meta_line, options = facts["meta"]
    return int(options.get(option, meta_line))


def check_legacy_meta_options(scope: CheckScope) -> Iterator[CheckMessage]:
    """W203: ``unique_together``/``index_together`` where constraints/indexes belong."""
    for model, file, facts in _own_models(scope):
        for option, modern in _LEGACY_OPTIONS.items():
            if model._meta.original_attrs.get(option):
                yield ids.W203.message(
                    f"{model._meta.label} uses Meta.{option}, the legacy form.",
                    hint=f"Use the named, database-level form: {modern}.",
                    obj=model,
                    file=file,
                    line=_meta_option_line(facts, option),
                )


def _field_line(facts: ClassFacts | None, name: str) -> int | None:
    if facts is None:
        return None
    return int(facts["members"].get(name, facts["line"]))


def check_nullable_strings(scope: CheckScope) -> Iterator[CheckMessage]:
    """W204: ``null=True`` on a string field that is not unique: two kinds of empty."""
    for model, file, facts in _own_models(scope):
        for field in model._meta.local_fields:
            if isinstance(field, _STRING_FIELDS) and field.null and not field.unique:
                yield ids.W204.message(
                    f"{model._meta.label}.{field.name} is a string field with null=True: "
                    'empty is both NULL and "".',
                    hint=f'Drop null=True and use blank=True, default="" on {field.name}; '
                    "keep null=True only with unique=True (several empty rows).",
                    obj=field,
                    file=file,
                    line=_field_line(facts, field.name),
                )
