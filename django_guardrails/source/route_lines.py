"""Where a route is written: the ``path()``/``re_path()``/``include()`` call, or the router's
``register()`` call for the routes a router builds.

The module: the URLconf that holds the entry, unless one of the project modules it imports has
the very same entry object in a top-level list (``urlpatterns = docs_urlpatterns + [...]``).
The call: among the calls of that module whose first argument is the route's text, the one that
fits the entry best: an ``include()`` for an include, a view (and the same ``name=``) for a
pattern. Two calls with the same route text (``path("", home)`` and ``path("", include(...))``)
are thus told apart. A route no call writes (a router's) is placed at the ``register...()``
call that names its view class; failing that, at the ``include()`` that mounts it.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from importlib.util import resolve_name
from types import ModuleType
from typing import Any

from django.urls import URLPattern, URLResolver

from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import SOURCE, ModuleSource
from django_guardrails.source.urlconf import Route, is_own_module


@dataclass(frozen=True)
class Location:
    file: str | None
    line: int | None
    router_view: str | None = None  # the view class, when the line is a router's register call


_ROUTE_CALLS = frozenset({"path", "re_path", "url"})
_VIEW, _MOUNT = "view", "mount"


def _last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _kind(node: ast.expr | None) -> str:
    """What the second argument of a route call is: surely an include, surely a view, or
    either (a name, or a call that may return a view or a list: ``csrf_exempt(v)``)."""
    if isinstance(node, ast.Call):
        callee = _last_name(node.func)
        return _MOUNT if callee == "include" else _VIEW if callee == "as_view" else ""
    if isinstance(node, ast.Tuple | ast.List) or (node is not None and _last_name(node) == "urls"):
        return _MOUNT  # path("x/", ([...], "app")), admin.site.urls, router.urls
    return _VIEW if isinstance(node, ast.Lambda) else ""


def _refs(nodes: list[ast.expr]) -> list[str]:
    """Names, attributes and strings the arguments mention: the view, the included module."""
    found: set[str] = set()
    for root in nodes:
        for node in ast.walk(root):
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return sorted(found)


def _route_calls(source: ModuleSource) -> list[list[Any]]:
    """[line, callee, route text or None, name or None, named, kind, refs], per call that may
    write a route (a string first) or register one with a router (``register...()``), in line
    order. ``named``: a name is given, literal (``name``) or not."""
    calls: list[list[Any]] = []
    for node in source.nodes():
        if not isinstance(node, ast.Call):
            continue
        callee = _last_name(node.func)
        first = node.args[0] if node.args else None
        text = first.value if isinstance(first, ast.Constant) else None
        if (
            not isinstance(text, str)
            and not callee.startswith("register")
            and not (callee in _ROUTE_CALLS and first is not None)
        ):
            continue  # path(prefix, ...), path(f"{p}x/", ...): kept, found by their target
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        name = keywords.get("name", node.args[3] if len(node.args) > 3 else None)
        view = node.args[1] if len(node.args) > 1 else keywords.get("view")
        rest = [*node.args[1:], *keywords.values()]
        calls.append(
            [
                node.lineno,
                callee,
                text if isinstance(text, str) else None,
                name.value if isinstance(name, ast.Constant) else None,
                name is not None,
                _kind(view),
                _refs(rest),
            ]
        )
    return sorted(calls, key=lambda call: call[0])


def _imports(source: ModuleSource) -> list[list[Any]]:
    """[level, module, names] per import statement."""
    found: list[list[Any]] = []
    for node in source.statements():
        if isinstance(node, ast.ImportFrom):
            found.append([node.level, node.module or "", [a.name for a in node.names]])
        elif isinstance(node, ast.Import):
            found.extend([0, alias.name, []] for alias in node.names)
    return found


ROUTE_CALLS = Extractor("urlconf-route-calls", _route_calls)
IMPORTS = Extractor("urlconf-imports", _imports)


def _file(module: ModuleType | None) -> str | None:
    path = getattr(module, "__file__", None)
    return path if isinstance(path, str) and path.endswith(".py") else None


def imported_modules(module: ModuleType) -> list[ModuleType]:
    """The project modules ``module`` imports (from its source), loaded: where the routes and
    routers it uses may be written."""
    path = _file(module)
    found: list[ModuleType] = []
    for level, name, names in (SOURCE.facts(path, IMPORTS) if path else None) or []:
        try:
            base = resolve_name("." * level + name, module.__package__ or "") if level else name
        except (ImportError, ValueError):
            continue
        for candidate in (base, *(f"{base}.{n}" for n in names)):
            loaded = sys.modules.get(candidate)
            if (
                loaded is not None
                and loaded is not module
                and loaded not in found
                and is_own_module(loaded)
            ):
                found.append(loaded)
    return found


def _holds(module: ModuleType, entry: object) -> bool:
    """A top-level list or tuple of ``module`` (or one nested in it) holds ``entry`` itself."""
    for value in vars(module).values():
        if isinstance(value, list | tuple):
            for item in value:
                if item is entry or (isinstance(item, list) and any(i is entry for i in item)):
                    return True
    return False


def holder(module: ModuleType, entry: object, depth: int = 0) -> tuple[ModuleType, bool]:
    """The module whose source writes ``entry``, and whether some module was seen holding it."""
    if depth < 4:
        for imported in imported_modules(module):
            if _holds(imported, entry):
                return holder(imported, entry, depth + 1)[0], True
    return module, _holds(module, entry)


def _view_names(callback: Any) -> set[str]:
    names = set()
    for target in (callback, getattr(callback, "func", None)):  # functools.partial: func
        while target is not None and hasattr(target, "__wrapped__"):
            target = target.__wrapped__
        for view in (target, getattr(target, "view_class", None), getattr(target, "cls", None)):
            name = getattr(view, "__name__", None)
            if isinstance(name, str):
                names.add(name)
    return names - {"<lambda>", "view"}


def _score(call: list[Any], entry: URLPattern | URLResolver) -> int | None:
    """How well ``call`` fits ``entry``; None when it cannot have written it."""
    _, callee, _, name, named, kind, refs = call
    score = 1 if callee in _ROUTE_CALLS else 0
    if isinstance(entry, URLResolver):
        if kind == _VIEW:
            return None
        score += 4 if kind == _MOUNT else 0
        module = getattr(entry.urlconf_module, "__name__", None)
        if isinstance(module, str) and (module in refs or set(module.split(".")) <= set(refs)):
            score += 2
        return score
    if kind == _MOUNT or named != (entry.name is not None):
        return None
    if name is not None and name != entry.name:
        return None
    score += 4 if name is not None else 0
    views = _view_names(entry.callback)
    if views:
        score += 2 if views & set(refs) else -2
    return score if score >= 0 else None


def _routes_to(call: list[Any], entry: URLPattern | URLResolver) -> bool:
    """Whether ``call`` names what ``entry`` routes to: the module it includes, its view, or
    its name; the route text alone cannot tell."""
    refs = set(call[6])
    if isinstance(entry, URLResolver):
        module = getattr(entry.urlconf_module, "__name__", None)
        return isinstance(module, str) and (module in refs or set(module.split(".")) <= refs)
    if entry.name is not None and call[3] == entry.name:
        return True
    return bool(_view_names(entry.callback) & refs)


def _call_line(path: str, entry: URLPattern | URLResolver) -> int | None:
    calls = SOURCE.facts(path, ROUTE_CALLS) or []
    text = str(entry.pattern)
    found = [call for call in calls if call[2] == text]
    if not found and isinstance(entry, URLPattern) and entry.name:
        found = [call for call in calls if call[3] == entry.name and call[1] in _ROUTE_CALLS]
    if not found:
        # The route is not a literal (path(prefix, include(...)), path(f"{p}login/", view)):
        # a route call whose include target, view or name is the entry's.
        found = [
            call
            for call in calls
            if call[2] is None and call[1] in _ROUTE_CALLS and _routes_to(call, entry)
        ]
    best: tuple[int, int] | None = None
    for call in found:  # in line order: the first of equals wins
        score = _score(call, entry)
        if score is not None and (best is None or score > best[0]):
            best = (score, int(call[0]))
    return best[1] if best else None


def _registration(route: Route, modules: list[ModuleType]) -> Location | None:
    """The router call registering the view class of ``route``: ``router.register("persons",
    PersonViewSet)``, ``api_router.register_endpoint(...)``; its prefix in the route breaks ties."""
    callback = getattr(route.entry, "callback", None)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if not isinstance(view_class, type):
        return None
    best: tuple[int, str, int] | None = None
    for module in modules:
        path = _file(module)
        calls = (SOURCE.facts(path, ROUTE_CALLS) if path else None) or []
        for line, callee, prefix, _, _, _, refs in calls:
            if not callee.startswith("register") or view_class.__name__ not in refs:
                continue
            score = 1 if prefix and f"/{prefix.strip('/')}/" in f"{route.shown}/" else 0
            if path is not None and (best is None or score > best[0]):
                best = (score, path, line)
    return Location(best[1], best[2], view_class.__name__) if best else None


def locate(route: Route) -> Location:
    """(file, line) of the call that writes ``route`` (see the module docstring)."""
    module = route.module
    if module is None:
        return Location(None, None)
    found, held = holder(module, route.entry)
    path = _file(found)
    line = _call_line(path, route.entry) if path else None
    if line is not None:
        return Location(path, line)
    registered = _registration(route, [module, *imported_modules(module)])
    if registered is not None:
        return registered
    if not held and route.mount is not None:
        return locate(route.mount)
    return Location(path, None)
