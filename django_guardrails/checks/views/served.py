"""The project's own views that a served URLconf reaches, as source: each function view, and each
method that a class-based view's project-own classes define, once.

Callbacks come from the live resolvers (``source.urlconf.walk``): only they know what an
``include()`` or a router mounted. A Django class-based view carries its class as
``callback.view_class``, a DRF view or viewset as ``callback.cls``; a decorator made with
``functools.wraps`` leaves the function it wraps as ``__wrapped__``. DRF's ``@api_view`` builds
a class at run time whose handlers call the decorated function from a closure: that function is
the view. What is not a function or class of the project (a ``partial``, a callable instance, a
lambda, a view of Django or of a package) is skipped.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from django.apps import apps
from django.urls import URLPattern, get_resolver

from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.views.view_facts import VIEW_DEFINITIONS
from django_guardrails.project import library_roots, project_module_file
from django_guardrails.source.facts import Fact
from django_guardrails.source.served_urlconfs import served_urlconfs
from django_guardrails.source.urlconf import Route, view_class, walk


@dataclass(frozen=True)
class ServedView:
    name: str  # dotted: "shop.views.product_list" or "shop.views.ProductUpdate.post"
    file: str  # absolute path of the module that defines the function
    qualname: str  # in its module: "product_list", "ProductUpdate.post"
    line: int  # its ``def`` line
    body: int  # the first line of its body: the ``def`` line for a one-line function
    end: int  # its last line
    view_class: str | None  # the class name when it is a method of a class-based view
    route: str  # the first route that reaches it, as shown to users: "/shop/<slug>/"

    @property
    def function_name(self) -> str:
        return self.qualname.rsplit(".", 1)[-1]


def view_node(scope: CheckScope, view: ServedView) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The view's function in its parsed module (a parse when this run has none yet)."""
    source = scope.source.module(view.file)
    definition = source.definitions.get(view.qualname) if source is not None else None
    node = definition.node if definition is not None else None
    return node if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else None


class _Finder:
    def __init__(self, scope: CheckScope) -> None:
        self.scope = scope
        self.roots = library_roots()
        self.apps = {app_config.name for app_config in scope.app_configs}
        self.seen: set[tuple[str, str]] = set()  # (file, qualname) of each function given
        self.judged: set[int] = set()  # ids of callbacks and classes already walked
        self.modules: dict[str, Fact] = {}  # the definitions of the modules views came from

    def own_file(self, module: Any, file: Any) -> str | None:
        """The absolute path of a project module in scope, else None."""
        if project_module_file(module, file, self.roots) is None:
            return None
        app_config = apps.get_containing_app_config(module)
        if app_config is None:  # a project module outside any app: judged on whole runs
            return os.path.abspath(file) if self.scope.whole_project else None
        return os.path.abspath(file) if app_config.name in self.apps else None

    def function(self, function: Any, route: Route) -> Iterator[ServedView]:
        function = _unwrapped(function)
        code = getattr(function, "__code__", None)
        qualname = getattr(function, "__qualname__", None)
        if code is None or not isinstance(qualname, str) or qualname.endswith("<lambda>"):
            return
        file = self.own_file(getattr(function, "__module__", None), code.co_filename)
        if file is None or (file, qualname) in self.seen:
            return
        definitions = self.definitions(file)
        span = definitions["functions"].get(qualname) if definitions else None
        if span is None:
            return
        self.seen.add((file, qualname))
        line, body, end = span
        name = f"{function.__module__}.{qualname}"
        yield ServedView(name, file, qualname, line, body, end, None, route.where)

    def definitions(self, file: str) -> Fact | None:
        found = self.scope.source.facts(file, VIEW_DEFINITIONS)
        if found is not None:
            self.modules[file] = found
        return found

    def view_class(self, cls: type, route: Route) -> Iterator[ServedView]:
        if id(cls) in self.judged:
            return
        self.judged.add(id(cls))
        try:
            mro = cls.__mro__
        except AttributeError:
            return
        for klass in mro:
            file = self.own_file(klass.__module__, _module_file(klass))
            if file is None:
                continue
            definitions = self.definitions(file)
            methods = definitions["classes"].get(klass.__qualname__) if definitions else None
            if methods is None:
                yield from self.built_class(klass, route)  # made at run time (@api_view)
                continue
            for method in methods:
                qualname = f"{klass.__qualname__}.{method}"
                span = definitions["functions"].get(qualname)  # type: ignore[index]
                if span is None or (file, qualname) in self.seen:
                    continue
                self.seen.add((file, qualname))
                line, body, end = span
                name = f"{klass.__module__}.{qualname}"
                owner = klass.__qualname__
                yield ServedView(name, file, qualname, line, body, end, owner, route.where)

    def built_class(self, klass: type, route: Route) -> Iterator[ServedView]:
        """The project functions that the handlers of a class built at run time call from
        their closure: DRF's ``@api_view`` function views."""
        for value in vars(klass).values():
            for cell in getattr(value, "__closure__", None) or ():
                try:
                    content = cell.cell_contents
                except ValueError:  # an empty cell
                    continue
                if callable(content) and not isinstance(content, type):
                    yield from self.function(content, route)


def _module_file(klass: type) -> str | None:
    module = sys.modules.get(getattr(klass, "__module__", ""))
    file = getattr(module, "__file__", None)
    return file if isinstance(file, str) else None


@lru_cache(maxsize=4096)
def _unwrapped(function: Any) -> Any:
    seen = 0
    while hasattr(function, "__wrapped__") and seen < 100:
        function = function.__wrapped__
        seen += 1
    return function


def served_views(scope: CheckScope) -> list[ServedView]:
    """Each project-own view function reachable from any served URLconf, once; for class-based
    views (``callback.view_class``, DRF's ``.cls``) each method defined in project code on the
    class or its project-own bases, once per defining function. Decorated functions are
    unwrapped (``__wrapped__``). Never raises on odd shapes: partials, callable instances,
    lambdas and views outside the project are skipped."""
    key = _cache_key(scope)
    cached = _CACHE.get("last")
    if cached is not None and cached[0] == key and _unchanged(scope, cached[1]):
        return list(cached[2])
    finder = _Finder(scope)
    found: list[ServedView] = []
    for route in walk():
        pattern = route.entry
        if not isinstance(pattern, URLPattern):
            continue
        callback = pattern.callback
        if id(callback) in finder.judged:
            continue
        finder.judged.add(id(callback))
        try:
            cls = view_class(callback)
            if cls is not None:
                found.extend(finder.view_class(cls, route))
            else:
                found.extend(finder.function(callback, route))
        except Exception:  # an odd callback of a project: not a view this module can read
            continue
    _CACHE["last"] = (key, finder.modules, tuple(found))
    return found


# The last answer, for the other checks of the same run (I310, I311 read the same views): kept
# while the resolvers are the same objects (Django builds new ones when URLconfs change) and the
# source index holds the same definitions of each view module (the same text).
_CACHE: dict[str, tuple[tuple[Any, ...], dict[str, Fact], tuple[ServedView, ...]]]
_CACHE = {}


def _cache_key(scope: CheckScope) -> tuple[Any, ...]:
    resolvers: list[Any] = []
    for served in served_urlconfs():
        try:
            # The resolvers themselves, not their ids: an id may be reused once one is freed.
            resolvers.append(get_resolver(cast(str, served.urlconf)))
        except Exception:
            resolvers.append(None)
    apps_ = tuple(sorted(app_config.name for app_config in scope.app_configs))
    return (tuple(resolvers), apps_, scope.whole_project, id(scope.source))


def _unchanged(scope: CheckScope, modules: dict[str, Fact]) -> bool:
    return all(scope.source.facts(file, VIEW_DEFINITIONS) is fact for file, fact in modules.items())
