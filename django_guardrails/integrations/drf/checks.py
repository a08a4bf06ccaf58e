"""8xx: Django REST framework, the project's serializers and API views. Registered only when
DRF is installed (``django-guardrails[drf]``); nothing here is imported otherwise. W808, the
default permission, lives in ``drf.permissions`` and is registered through this module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.apps import AppConfig, apps
from django.core.checks import CheckMessage
from django.urls import URLPattern
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.serializers import ALL_FIELDS, ModelSerializer

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.integrations.drf.classes import subclasses
from django_guardrails.integrations.drf.csrf import (
    check_session_csrf as check_session_csrf,  # W805, registered from here
)
from django_guardrails.integrations.drf.fields import Load, missing_loads, required_loads
from django_guardrails.integrations.drf.permissions import (
    check_default_permission as check_default_permission,  # W808, registered from here
)
from django_guardrails.integrations.usage import import_serializer_modules
from django_guardrails.source.class_facts import class_facts
from django_guardrails.source.index import SourceIndex
from django_guardrails.source.urlconf import walk


def _owner(cls: type, app_configs: list[AppConfig]) -> AppConfig | None:
    if "<locals>" in cls.__qualname__:
        return None  # made by a function at run time (DRF's own NestedSerializer is)
    app_config = apps.get_containing_app_config(cls.__module__)
    wanted = {a.name for a in app_configs}
    return app_config if app_config is not None and app_config.name in wanted else None


def own_serializers(app_configs: list[AppConfig]) -> list[type[ModelSerializer[Any]]]:
    import_serializer_modules(app_configs)
    found = [cls for cls in subclasses(ModelSerializer) if _owner(cls, app_configs)]
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def _meta_line(source: SourceIndex, cls: type, option: str) -> tuple[str | None, int | None]:
    """(file, line) of ``option`` in the class's own ``Meta``, else of the class."""
    file, facts = class_facts(source, cls)
    if facts is None:
        return file, None
    meta = facts["meta"]
    if meta is not None and option in meta["members"]:
        return file, int(meta["members"][option])
    return file, int(facts["line"])


def _label(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _field_names(cls: type[ModelSerializer[Any]]) -> str | None:
    """``"id", "number"``: the fields the serializer has today, to list them explicitly."""
    try:
        names = list(cls().fields)
    except Exception:  # a serializer that needs arguments or a request to be built
        return None
    return ", ".join(f'"{name}"' for name in names)


def _finding(
    check_id: ids.CheckId, scope: CheckScope, cls: type, option: str, msg: str, hint: str
) -> CheckMessage:
    file, line = _meta_line(scope.source, cls, option)
    return check_id.message(
        msg,
        hint=hint,
        obj=SourceLocation(file, line, _label(cls)) if file else _label(cls),
        file=file,
        line=line,
    )


def check_serializer_fields(scope: CheckScope) -> Iterator[CheckMessage]:
    """W801 ``fields = "__all__"``, W802 ``exclude``, W803 ``depth``, on own ModelSerializers."""
    for cls in own_serializers(scope.app_configs):
        meta = vars(cls).get("Meta")  # judged where it is written, not in every subclass
        model = getattr(meta, "model", None)
        if meta is None or model is None:
            continue
        label, model_label = _label(cls), model._meta.label
        names = _field_names(cls)
        listed = f"fields = [{names}]" if names else "fields = [...] with the fields to show"
        if getattr(meta, "fields", None) == ALL_FIELDS:
            yield _finding(
                ids.W801,
                scope,
                cls,
                "fields",
                f'Serializer {label} has fields = "__all__": every column added to '
                f"{model_label} is exposed, and writable.",
                f"List the fields it shows: {listed}.",
            )
        if getattr(meta, "exclude", None):
            yield _finding(
                ids.W802,
                scope,
                cls,
                "exclude",
                f"Serializer {label} names the fields it hides (exclude): every column added to "
                f"{model_label} is exposed.",
                f"List the fields it shows instead: {listed}.",
            )
        depth = getattr(meta, "depth", 0)
        if depth:
            yield _finding(
                ids.W803,
                scope,
                cls,
                "depth",
                f"Serializer {label} nests related rows with depth = {depth}: every field of "
                "each related model is exposed.",
                "Render relations as IDs (the default), or declare a nested serializer with "
                "explicit fields for the one relation a client needs.",
            )


def _inherited_from_drf(cls: type, name: str) -> bool:
    """Whether ``cls.name`` is DRF's own, not overridden by the project."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass.__module__.startswith("rest_framework.")
    return True


def _list_views(app_configs: list[AppConfig]) -> Iterator[type[GenericAPIView[Any]]]:
    """Own generic views and viewsets that a URL lists rows with, each once."""
    seen: set[type] = set()
    for route in walk():
        if not isinstance(route.entry, URLPattern):
            continue
        callback = route.entry.callback
        cls = getattr(callback, "cls", None)
        if not isinstance(cls, type) or cls in seen or not issubclass(cls, GenericAPIView):
            continue
        actions = getattr(callback, "actions", None)
        lists = "list" in actions.values() if actions else issubclass(cls, ListModelMixin)
        if lists and _owner(cls, app_configs):
            seen.add(cls)
            yield cls


def _calls(loads: list[Load]) -> str:
    by_method: dict[str, list[str]] = {}
    for load in loads:
        by_method.setdefault(load.method, []).append(f'"{load.path}"')
    return "".join(f".{method}({', '.join(paths)})" for method, paths in sorted(by_method.items()))


def check_list_view_loads(scope: CheckScope) -> Iterator[CheckMessage]:
    """W804: a list view whose ``queryset`` lacks the loads its serializer renders."""
    for view in _list_views(scope.app_configs):
        queryset = getattr(view, "queryset", None)
        serializer_class = getattr(view, "serializer_class", None)
        if (
            queryset is None
            or serializer_class is None
            or not _inherited_from_drf(view, "get_queryset")  # left to the run-time guard
            or not _inherited_from_drf(view, "get_serializer_class")
        ):
            continue
        try:
            serializer = serializer_class()
            loads = required_loads(serializer)
        except Exception:  # a serializer that cannot be built without a request
            continue
        missing = missing_loads(queryset, loads)
        if not missing:
            continue
        file, facts = class_facts(scope.source, view)
        line = None
        if facts is not None:
            line = int(facts["members"].get("queryset", facts["line"]))
        model = queryset.model.__name__
        fields = ", ".join(load.field.rpartition(".")[2] for load in missing)
        yield ids.W804.message(
            f"View {_label(view)} lists {model}s without loading what "
            f"{type(serializer).__name__} renders ({fields}): one query per row.",
            hint=f"Add {_calls(missing)} to {view.__name__}.queryset.",
            obj=SourceLocation(file, line, _label(view)) if file else _label(view),
            file=file,
            line=line,
        )
