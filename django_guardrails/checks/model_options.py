"""2xx beyond ``__str__``: save() overrides (I202, W206), legacy Meta options (W203), nullable
strings (W204). Models come from the app registry, their code from the source index."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.source.index import Definition

_STRING_FIELDS = (models.CharField, models.TextField)  # SlugField, EmailField... included
_LEGACY_OPTIONS = {
    "unique_together": "constraints = [models.UniqueConstraint(fields=[...], name=...)]",
    "index_together": "indexes = [models.Index(fields=[...], name=...)]",
}


ModelSource = tuple[type[models.Model], str | None, Definition | None]


def _own_models(scope: CheckScope) -> Iterator[ModelSource]:
    for app_config in scope.app_configs:
        for model in app_config.get_models():
            if model._meta.proxy:
                continue
            found = scope.source.find_class(model)
            file, definition = found if found else (None, None)
            yield model, file, definition


def _member(body: list[ast.stmt], name: str) -> ast.stmt | None:
    """The ``def``/``class`` named ``name``, or the assignment to it, in a class body."""
    for statement in body:
        if isinstance(statement, ast.FunctionDef | ast.ClassDef) and statement.name == name:
            return statement
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in statement.targets
        ):
            return statement
    return None


def _method(definition: Definition | None, name: str) -> ast.FunctionDef | None:
    found = _member(definition.node.body, name) if definition else None
    return found if isinstance(found, ast.FunctionDef) else None


def _super_saves(save: ast.FunctionDef) -> list[ast.Call]:
    """``super().save(...)``, ``super(X, self).save(...)`` or ``Base.save(self, ...)`` calls."""
    calls = []
    for node in ast.walk(save):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "save"
        ):
            owner = node.func.value
            is_super = isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super"
            is_base = (
                isinstance(owner, ast.Name | ast.Attribute)
                and bool(node.args)
                and (isinstance(node.args[0], ast.Name) and node.args[0].id == "self")
            )
            if is_super or is_base:
                calls.append(node)
    return calls


def _save_problem(save: ast.FunctionDef) -> str | None:
    calls = _super_saves(save)
    if not calls:
        return "never calls super().save(), so the row is not saved"
    kwargs = save.args.kwarg.arg if save.args.kwarg else None
    if kwargs is None:
        return "takes no **kwargs, so update_fields, using and force_insert are refused"
    passes = any(
        any(k.arg is None and getattr(k.value, "id", None) == kwargs for k in call.keywords)
        for call in calls
    )
    if not passes:
        return f"drops **{kwargs} when it calls super().save(), losing update_fields and using"
    return None


def check_save_overrides(scope: CheckScope) -> Iterator[CheckMessage]:
    """I202 for every model that overrides save(); W206 where the override breaks save()."""
    for model, file, definition in _own_models(scope):
        if "save" not in vars(model):
            continue
        save = _method(definition, "save")
        line = save.lineno if save is not None else (definition.line if definition else None)
        label = model._meta.label
        problem = _save_problem(save) if save is not None else None
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


def _meta_option_line(definition: Definition | None, option: str) -> int | None:
    if definition is None:
        return None
    meta = _member(definition.node.body, "Meta")
    if not isinstance(meta, ast.ClassDef):
        return definition.line
    assignment = _member(meta.body, option)
    return assignment.lineno if assignment is not None else meta.lineno


def check_legacy_meta_options(scope: CheckScope) -> Iterator[CheckMessage]:
    """W203: ``unique_together``/``index_together`` where constraints/indexes belong."""
    for model, file, definition in _own_models(scope):
        for option, modern in _LEGACY_OPTIONS.items():
            if model._meta.original_attrs.get(option):
                yield ids.W203.message(
                    f"{model._meta.label} uses Meta.{option}, the legacy form.",
                    hint=f"Use the named, database-level form: {modern}.",
                    obj=model,
                    file=file,
                    line=_meta_option_line(definition, option),
                )


def _field_line(definition: Definition | None, name: str) -> int | None:
    if definition is None:
        return None
    assignment = _member(definition.node.body, name)
    return assignment.lineno if assignment is not None else definition.line


def check_nullable_strings(scope: CheckScope) -> Iterator[CheckMessage]:
    """W204: ``null=True`` on a string field that is not unique: two kinds of empty."""
    for model, file, definition in _own_models(scope):
        for field in model._meta.local_fields:
            if isinstance(field, _STRING_FIELDS) and field.null and not field.unique:
                yield ids.W204.message(
                    f"{model._meta.label}.{field.name} is a string field with null=True: "
                    'empty is both NULL and "".',
                    hint=f'Drop null=True and use blank=True, default="" on {field.name}; '
                    "keep null=True only with unique=True (several empty rows).",
                    obj=field,
                    file=file,
                    line=_field_line(definition, field.name),
                )
