"""I311: a function view that writes out one of Django's generic views by hand, and nothing more.

The pattern is read off the view's source (``crud_shapes``, kept between runs as a fact by
``view_facts``); the names it uses (the model, the form class) are then looked up in the view's
live module, so that a ``Book`` is known to be a model and a ``BookForm`` a model form of it
before a generic view is suggested with them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from django.core.checks import CheckMessage
from django.db import models
from django.forms.models import BaseModelForm

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.checks.views.crud_reads import Shape
from django_guardrails.checks.views.served import ServedView, served_views
from django_guardrails.checks.views.view_facts import CRUD_SHAPES, shape_of

_GENERIC = {
    "detail": ("DetailView", "_detail"),
    "list": ("ListView", "_list"),
    "create": ("CreateView", "_form"),
    "update": ("UpdateView", "_form"),
    "delete": ("DeleteView", "_confirm_delete"),
}


def _resolve(module: Any, dotted: str | None) -> Any:
    """What ``dotted`` names in the live ``module``; None when it names nothing there."""
    value = module
    for part in (dotted or "").split("."):
        try:
            value = getattr(value, part, None) if part else None
        except Exception:  # a module __getattr__ or a descriptor of the project's that raises
            return None
        if value is None:
            return None
    return value


def _concrete(found: Any) -> type[models.Model] | None:
    """A model class a generic view can serve: not abstract (no manager), not swapped out."""
    if not (isinstance(found, type) and issubclass(found, models.Model)):
        return None
    meta = found._meta
    return None if meta.abstract or meta.swapped else found


def _model(module: Any, dotted: str | None) -> type[models.Model] | None:
    return _concrete(_resolve(module, dotted))


def _form_model(module: Any, dotted: str | None) -> type[models.Model] | None:
    """The model of a ``ModelForm`` class; None for a plain form, whose ``save()`` a
    ``CreateView`` would not call as the view does."""
    form = _resolve(module, dotted)
    if not (isinstance(form, type) and issubclass(form, BaseModelForm)):
        return None
    return _concrete(getattr(getattr(form, "_meta", None), "model", None))


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _attributes(shape: Shape, model: type[models.Model]) -> list[str] | None:
    """The generic view's attributes, with the values the function uses; None when one of
    them has no attribute to hold it."""
    meta = model._meta
    found: list[str] = []
    default_manager = getattr(model._default_manager, "name", None) == "objects"
    if shape.queryset is not None or not default_manager:
        found.append(f"queryset = {shape.queryset or f'{shape.model}.objects.all()'}")
    elif shape.kind != "create":
        found.append(f"model = {shape.model}")
    if shape.form is not None:
        found.append(f"form_class = {shape.form}")
    if shape.ordering:
        found.append(f"ordering = {list(shape.ordering)!r}".replace("'", '"'))
    if shape.paginate_by is not None:
        found.append(f"paginate_by = {shape.paginate_by}")
    if shape.page_kwarg not in (None, "page"):
        found.append(f"page_kwarg = {_quoted(shape.page_kwarg or '')}")
    suffix = _GENERIC[shape.kind][1]
    if shape.template != f"{meta.app_label}/{meta.model_name}{suffix}.html":
        found.append(f"template_name = {_quoted(shape.template)}")
    defaults = {"object", meta.model_name}
    if shape.kind == "list":
        defaults = {"object_list", f"{meta.model_name}_list"}
    if shape.object_key is not None and shape.object_key not in defaults:
        found.append(f"context_object_name = {_quoted(shape.object_key)}")
    if shape.lookup_field == "pk":
        if shape.url_kwarg != "pk":
            found.append(f"pk_url_kwarg = {_quoted(shape.url_kwarg or '')}")
    elif shape.lookup_field is not None:
        if shape.url_kwarg == "pk":
            return None  # get_object() would filter on the primary key first
        if shape.lookup_field != "slug":
            found.append(f"slug_field = {_quoted(shape.lookup_field)}")
        if shape.url_kwarg != "slug":
            found.append(f"slug_url_kwarg = {_quoted(shape.url_kwarg or '')}")
    if shape.success_url is not None:
        url = _quoted(shape.success_url)
        found.append(f"success_url = {f'reverse_lazy({url})' if shape.success_is_name else url}")
    if shape.success_message is not None:
        found.append(f"success_message = {_quoted(shape.success_message)}")
    return found


_DOES = {
    "detail": "looks one {model} up by {kwarg} and renders it",
    "list": "paginates {model} rows by {size} and renders a page",
    "create": "binds {form} on POST, saves it, redirects, and renders it unbound on GET",
    "update": "binds {form} to one {model} on POST, saves it and redirects, else renders it",
    "delete": "deletes one {model} on POST and redirects, and renders a confirmation on GET",
}


def _message(view: ServedView, shape: Shape, model: type[models.Model]) -> CheckMessage | None:
    attributes = _attributes(shape, model)
    if attributes is None:
        return None
    generic = _GENERIC[shape.kind][0]
    mixins = list(shape.mixins)
    if shape.success_message is not None:
        mixins.append("SuccessMessageMixin")
    bases = ", ".join([*mixins, generic])
    name = view.name.rsplit(".", 1)[-1]
    does = _DOES[shape.kind].format(
        model=model.__name__, kwarg=shape.url_kwarg, size=shape.paginate_by, form=shape.form
    )
    hint = f"Replace it with class {model.__name__}{generic}({bases}): {'; '.join(attributes)}."
    if shape.owner is not None:
        rows = shape.queryset or f"{shape.model}.objects"
        hint += f" Its get_queryset() returns {rows}.filter({shape.owner}=self.request.user)."
    if shape.decorators:
        # The first is the outermost, as stacked decorators read from the top.
        decorators = ", ".join(shape.decorators)
        if len(shape.decorators) > 1:
            decorators = f"[{decorators}]"
        hint += f' Decorate it with @method_decorator({decorators}, name="dispatch").'
    if shape.kind == "list":
        # get_page() and the older try/except show the nearest page for a number out of
        # range, where ListView answers 404.
        hint += (
            " To keep showing the nearest page for a page number out of range (ListView "
            "answers 404), give it def paginate_queryset(self, queryset, page_size): "
            "paginator = self.get_paginator(queryset, page_size); "
            "page = paginator.get_page(self.request.GET.get(self.page_kwarg)); "
            "return paginator, page, page.object_list, page.has_other_pages()."
        )
    if shape.page_key not in (None, "page_obj"):
        hint += f' Its template then reads the page as "page_obj", not "{shape.page_key}".'
    return ids.I311.message(
        f"{name}() {does}: that is {'an' if generic[0] in 'AEIOU' else 'a'} {generic}, "
        "written out by hand.",
        hint=hint,
        obj=SourceLocation(view.file, shape.line, f"{name}()"),
        file=view.file,
        line=shape.line,
    )


def _finding(scope: CheckScope, view: ServedView) -> CheckMessage | None:
    entry = (scope.source.facts(view.file, CRUD_SHAPES) or {}).get(view.qualname)
    if entry is None or entry["wrappers"] is None:
        return None
    shape = shape_of(entry["shape"])
    if entry["wrappers"]:
        # The last rebinding is the outermost wrapper.
        shape = replace(shape, decorators=(*reversed(entry["wrappers"]), *shape.decorators))
    module = sys.modules.get(view.name.rsplit(".", 1)[0])
    if module is None:
        return None
    model = _model(module, shape.model)
    if shape.form is not None:
        form_model = _form_model(module, shape.form)
        if form_model is None or (shape.model is not None and form_model is not model):
            return None
        model = form_model
    return _message(view, shape, model) if model is not None else None


def check_hand_written_crud(scope: CheckScope) -> Iterator[CheckMessage]:
    """I311: a function view reachable from the URLconf that is a generic view by hand."""
    for view in served_views(scope):
        if view.view_class is None and "<locals>" not in view.name:
            finding = _finding(scope, view)
            if finding is not None:
                yield finding
