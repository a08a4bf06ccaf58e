"""2xx beyond ``__str__``: save() overrides (I202, W206), legacy Meta options (W203), nullable
strings (W204). Models come from the app registry, their code from ``models.source``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from django.core.checks import CheckMessage
from django.db import models
from django.db.models.options import normalize_together

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.models.inheritance import (
    abstract_models,
    declares,
    dotted_name,
    in_a_library,
    inherited_meta,
    meta_owner,
)
from django_guardrails.checks.models.source import ModelFacts, model_source

_STRING_FIELDS = (models.CharField, models.TextField)  # SlugField, EmailField... included
# index_together left Django in 5.1: on the versions guardrails supports a Meta setting it
# raises TypeError, so unique_together is the one legacy option a model can still have.
_OPTION = "unique_together"


ModelSource = tuple[type[models.Model], str | None, ModelFacts | None]


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


def _meta_option_line(facts: ModelFacts | None, option: str) -> int | None:
    if facts is None:
        return None
    if facts["meta"] is None:
        return int(facts["line"])
    meta_line, options = facts["meta"]
    return int(options.get(option, meta_line))


_SHARED_NAME = "%(app_label)s_%(class)s"  # Django fills it in per model inheriting the Meta


def _constraints(together: Any, prefix: str) -> str:
    """``models.UniqueConstraint(fields=["a", "b"], name="<prefix>_a_b_uniq")``, one per set."""
    return ", ".join(
        'models.UniqueConstraint(fields=[{}], name="{}_{}_uniq")'.format(
            ", ".join(f'"{field}"' for field in fields), prefix, "_".join(fields)
        )
        for fields in normalize_together(together)
    )


def _listed(labels: list[str], most: int = 3) -> str:
    shown = ", ".join(labels[:most])
    return f"{shown} and {len(labels) - most} more" if len(labels) > most else shown


def _abstract_in(cls: type, app_labels: set[str]) -> TypeGuard[type[models.Model]]:
    """``cls`` is an abstract model of one of the apps ``app_labels``."""
    return (
        issubclass(cls, models.Model) and cls._meta.abstract and cls._meta.app_label in app_labels
    )


def check_legacy_meta_options(scope: CheckScope) -> Iterator[CheckMessage]:
    """W203: ``Meta.unique_together`` where ``Meta.constraints`` belongs.

    Reported where it is written: on a model's own ``Meta``; once on an abstract base of the
    judged apps, naming the models inheriting it; on the model when it inherits it from other
    project code. Never when a library's class declares it: the project cannot change that.
    """
    app_labels = {app_config.label for app_config in scope.app_configs}
    inheriting: dict[type[models.Model], list[str]] = {}
    for model, file, facts in _own_models(scope):
        value = model._meta.original_attrs.get(_OPTION)
        if not value:
            continue
        label = model._meta.label
        meta = inherited_meta(model, _OPTION, facts)
        if meta is None:
            yield ids.W203.message(
                f"{label} uses Meta.{_OPTION}, the legacy form.",
                hint="Use the named, database-level form: constraints = "
                f"[{_constraints(value, model._meta.model_name or label)}].",
                obj=model,
                file=file,
                line=_meta_option_line(facts, _OPTION),
            )
            continue
        base = meta_owner(model, meta)
        if in_a_library(base):
            continue  # Wagtail's TranslatableMixin.Meta and the like: not the project's to change
        if _abstract_in(base, app_labels):
            inheriting.setdefault(base, []).append(label)
            continue
        yield ids.W203.message(
            f"{label} uses Meta.{_OPTION}, the legacy form, inherited from {dotted_name(base)}.",
            hint=f"Replace it in {dotted_name(base)} with constraints = "
            f"[{_constraints(value, _SHARED_NAME)}].",
            obj=model,
            file=file,
            line=_meta_option_line(facts, _OPTION),
        )
    for abstract in abstract_models(app_labels):
        if declares(abstract, _OPTION):
            inheriting.setdefault(abstract, [])
    for base, labels in sorted(inheriting.items(), key=lambda item: dotted_name(item[0])):
        file, facts = model_source(scope.source, base)
        users = f", inherited by {_listed(sorted(labels))}" if labels else ""
        constraints = _constraints(base._meta.original_attrs[_OPTION], _SHARED_NAME)
        yield ids.W203.message(
            f"Abstract model {base._meta.label} uses Meta.{_OPTION}, the legacy form{users}.",
            hint=f"Replace it in {base.__name__}.Meta with constraints = [{constraints}]: "
            "each model inheriting it gets its own named constraint.",
            obj=base,
            file=file,
            line=_meta_option_line(facts, _OPTION),
        )


def _field_line(facts: ModelFacts | None, name: str) -> int | None:
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
