"""8xx, W808: DRF's default permission lets anyone in, and API views of the project rely on it.

A view relies on the default when nothing of its own decides who may use it: no
``permission_classes`` set on it, a base of the project or a library, ``as_view()`` or
``@action``, no ``get_permissions()`` of its own, no ``@permission_classes`` on an ``@api_view``.
A view that says ``permission_classes = [AllowAny]`` is public by decision and never reported;
nor is a view wrapped in a decorator besides DRF's own, which may decide access itself.
The views are named worst first (``risk``), and the message carries them all as its ``items``.
Imported only when DRF is (see ``integrations.usage``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage
from django.urls import URLPattern
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.project import is_under, library_roots
from django_guardrails.source.settings_modules import setting_location
from django_guardrails.source.urlconf import walk

_WRITES = ("post", "put", "patch", "delete")
_SETTING = 'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]'
_READ_ONLY_DEFAULT = '["rest_framework.permissions.IsAuthenticatedOrReadOnly"]'
_MOST_NAMED = 3
# Changes and deletions of what exists first (by method, or by a name such as UserUpdateApi
# for a POST that updates), then creations; reads after writes.
_CHANGES = frozenset({"put", "patch", "delete"})
_CHANGE_WORDS = frozenset({"update", "delete", "destroy", "remove", "edit", "change"})
# Words of a view's name that make it public by design: signing in or out, getting a token.
_SIGN_IN_WORDS = frozenset({"login", "logout", "signin", "signout", "token", "jwt"})
_SIGN_IN_PAIRS = frozenset({("log", "in"), ("log", "out"), ("sign", "in"), ("sign", "out")})
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[^A-Za-z]|$)|[A-Z]?[a-z]+")


@dataclass
class OpenView:
    """An API view that takes the default permission, with the write methods it routes."""

    label: str
    own: bool  # the project's code, not a library's
    writes: set[str]


def _label(cls: type) -> str:
    # @api_view makes a class "WrappedAPIView" and renames it (__name__ only) after the function.
    renamed = cls.__qualname__.rpartition(".")[2] != cls.__name__
    name = cls.__name__ if renamed or "<locals>" in cls.__qualname__ else cls.__qualname__
    return f"{cls.__module__}.{name}"


def _is_own(cls: type) -> bool:
    path = getattr(sys.modules.get(cls.__module__), "__file__", None)
    return isinstance(path, str) and not is_under(path, library_roots())


@lru_cache(maxsize=1)
def _drf_layers() -> tuple[frozenset[CodeType], frozenset[CodeType]]:
    """The code of the functions ``as_view()`` of an APIView and of a viewset return: (the
    wrappers, csrf_exempt's; the view functions inside them)."""
    from rest_framework.viewsets import ViewSet

    wrappers: set[CodeType] = set()
    views: set[CodeType] = set()
    for cls, made in ((APIView, APIView.as_view()), (ViewSet, ViewSet.as_view({"get": "list"}))):
        layer: Any = made
        while getattr(layer, "__code__", None) is not None:
            inner = getattr(layer, "__wrapped__", None)
            if inner is None or inner is cls.dispatch:
                views.add(layer.__code__)
                break
            wrappers.add(layer.__code__)
            layer = inner
    return frozenset(wrappers), frozenset(views)


def decorated(callback: Any) -> bool:
    """Something besides DRF wraps the routed view (Wagtail's ``require_admin_access``,
    ``login_required``): who may use it may be decided there, out of DRF's sight."""
    wrappers, views = _drf_layers()
    layer = callback
    while True:
        code = getattr(layer, "__code__", None)
        if code in views:
            return False
        if code not in wrappers:
            return True
        layer = getattr(layer, "__wrapped__", None)


def takes_default(cls: type[APIView], initkwargs: dict[str, Any]) -> bool:
    """Nothing but DRF's default decides the permissions of ``cls`` as routed."""
    if "permission_classes" in initkwargs:  # as_view(permission_classes=...) or @action(...)
        return False
    # APIView.permission_classes is the default list itself; @api_view copies that very object
    # when the function has no @permission_classes.
    default = vars(APIView)["permission_classes"]
    return (
        getattr(cls, "permission_classes", None) is default
        and getattr(cls, "get_permissions", None) is APIView.get_permissions
    )


def _routed_writes(callback: Any, cls: type) -> set[str]:
    actions = getattr(callback, "actions", None)
    if isinstance(actions, dict):  # a viewset routed with {"get": "list", "post": "create"}
        methods = {str(method).lower() for method in actions}
    else:
        methods = {m for m in getattr(cls, "http_method_names", ()) if hasattr(cls, m)}
    return {method for method in _WRITES if method in methods}


def open_views() -> list[OpenView]:
    """Routed API views relying on the default permission, by label."""
    found: dict[str, OpenView] = {}
    for route in walk():
        if not isinstance(route.entry, URLPattern):
            continue
        callback = route.entry.callback
        cls = getattr(callback, "cls", None)
        if not isinstance(cls, type) or not issubclass(cls, APIView):
            continue
        initkwargs = getattr(callback, "initkwargs", None)
        if decorated(callback) or not takes_default(
            cls, initkwargs if isinstance(initkwargs, dict) else {}
        ):
            continue
        label = _label(cls)
        view = found.setdefault(label, OpenView(label, _is_own(cls), set()))
        view.writes |= _routed_writes(callback, cls)
    return [found[label] for label in sorted(found)]


def _words(label: str) -> list[str]:
    """The words of a view's name: ``UserSessionLoginApi`` -> user, session, login, api."""
    return [word.lower() for word in _WORDS.findall(label.rpartition(".")[2])]


def signs_in(label: str) -> bool:
    """A login, logout or token view by its name (``UserSessionLoginApi``,
    ``TokenObtainPairView``, ``obtain_auth_token``): open to anyone because it has to be."""
    words = _words(label)
    return bool(_SIGN_IN_WORDS.intersection(words)) or any(
        pair in _SIGN_IN_PAIRS for pair in zip(words, words[1:], strict=False)
    )


def risk(view: OpenView) -> tuple[int, str]:
    """Worst first: views that change or delete what exists (PUT, PATCH, DELETE, or a POST
    named so), then those that create, then reads; a sign-in, sign-out or token view, public
    by design, last."""
    if signs_in(view.label) and not view.writes & _CHANGES:  # a token DELETE is no sign-in
        rank = 3
    elif view.writes & _CHANGES or (view.writes and _CHANGE_WORDS.intersection(_words(view.label))):
        rank = 0
    else:
        rank = 1 if view.writes else 2
    return rank, view.label


def _uses_drf() -> bool:
    """DRF is installed as an app, or the URLconf reaches one of its views."""
    if apps.is_installed("rest_framework"):
        return True
    for route in walk():
        cls = getattr(getattr(route.entry, "callback", None), "cls", None)
        if isinstance(cls, type) and issubclass(cls, APIView):
            return True
    return False


def _item(view: OpenView) -> str:
    methods = ", ".join(m.upper() for m in _WRITES if m in view.writes)
    return f"{view.label} ({methods})" if methods else view.label


def _named(items: list[str]) -> str:
    shown = ", ".join(items[:_MOST_NAMED])
    more = len(items) - _MOST_NAMED
    return f"{shown} and {more} more" if more > 0 else shown


def _all_listed(items: list[str]) -> str:
    """Where the views the message leaves out are listed, when it leaves some out."""
    if len(items) <= _MOST_NAMED:
        return ""
    return f" guardrails check --deploy --format json lists all {len(items)} (items)."


def _message(items: list[str], writes: bool, reads: int, shown: str) -> tuple[str, str]:
    """The message and hint, for the views named by ``items``, worst first: whether any accepts
    writes, and how many only read."""
    setting = f"{_SETTING} is {shown}"
    if writes:
        reads_too = f" (and read through {reads} more)" if reads else ""
        return (
            f"{setting}: anyone can write through API views{reads_too} that set no "
            f"permission_classes: {_named(items)}.",
            f"Set it to {_READ_ONLY_DEFAULT} to keep reads public and require a login to write "
            "(IsAuthenticated for a private API); a view open to all by design says so with "
            f"permission_classes = [AllowAny].{_all_listed(items)}",
        )
    return (
        f"{setting}: anyone can read through API views of the project that set no "
        f"permission_classes: {_named(items)}.",
        "Give each view public by design permission_classes = [AllowAny], or set it to "
        f"{_READ_ONLY_DEFAULT} (reads stay public, writes need a login); "
        f"IsAuthenticated only if no API reader is anonymous.{_all_listed(items)}",
    )


def check_default_permission(scope: CheckScope) -> Iterator[CheckMessage]:
    """W808 (deploy): DRF's default permission lets anyone in, and routed views rely on it.

    Reported when a view relying on it accepts writes (any view: a library's is open too) or is
    the project's own; a library's read-only view (Wagtail's API, DRF's API root) is public by
    its design and left alone.
    """
    if not scope.whole_project or not _uses_drf():
        return
    from rest_framework.settings import api_settings

    classes = list(api_settings.DEFAULT_PERMISSION_CLASSES)
    if classes and not all(isinstance(c, type) and issubclass(c, AllowAny) for c in classes):
        return
    views = open_views()
    writable = [view for view in views if view.writes]
    readable = [view for view in views if view.own and not view.writes]
    if not writable and not readable:
        return
    items = [_item(view) for view in sorted(writable + readable, key=risk)]
    msg, hint = _message(items, bool(writable), len(readable), "AllowAny" if classes else "empty")
    file, line = setting_location("REST_FRAMEWORK")
    yield ids.W808.message(
        msg, hint=hint, obj="settings.REST_FRAMEWORK", file=file, line=line, items=items
    )
