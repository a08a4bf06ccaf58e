"""The live URL resolvers of every URLconf the project serves, walked once: each route with its
namespace, its defining module and the URLconf (host, tenant) it is served by.

Patterns come from the resolver, not from the source, because only the resolver knows what an
include() really mounted and under which namespace; the source is read only to find lines
(``route_lines``). The URLconfs are ``ROOT_URLCONF`` and those that host and tenant packages name
in settings (``served_urlconfs``). A URLconf mounted twice, by two include()s or by two hosts,
is walked once, at its first mount: its routes are judged once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any, cast

from django.urls import URLPattern, URLResolver, get_resolver

from django_guardrails.project import is_under, library_roots
from django_guardrails.source.route_display import route_text
from django_guardrails.source.served_urlconfs import served_urlconfs


@dataclass(frozen=True)
class Route:
    path: str  # Django's join of the patterns, regexes raw: "broken/invoices/<str:number>/"
    entry: URLPattern | URLResolver
    namespace: str  # "clean" or "admin:auth", "" at the top
    module: ModuleType | None  # the URLconf module that defines the entry
    served_by: str = ""  # "" under ROOT_URLCONF, else the URLconf's name: "host 'docs'"
    mount: Route | None = None  # the include() this route is under

    @property
    def patterns(self) -> list[Any]:
        route: Route | None = self
        found = []
        while route is not None:
            found.append(route.entry.pattern)
            route = route.mount
        return found[::-1]

    @property
    def shown(self) -> str:
        """The route as written, from the root: "/api/v2/persons/<int:pk>/"."""
        return route_text(self.patterns)

    @property
    def where(self) -> str:
        """``shown``, with the URLconf that serves it when that is not ``ROOT_URLCONF``."""
        return f"{self.shown} ({self.served_by})" if self.served_by else self.shown


def _module(urlconf: Any) -> ModuleType | None:
    return urlconf if isinstance(urlconf, ModuleType) else None


def walk() -> Iterator[Route]:
    """Every pattern and include() of the URLconfs the project serves; nothing without any."""
    walked: set[int] = set()  # ids of the URLconf modules and pattern lists already walked
    for served in served_urlconfs():
        resolver = get_resolver(cast(str, served.urlconf))  # Django takes a module too
        try:
            entries = resolver.url_patterns
            urlconf = resolver.urlconf_module
        except Exception:  # a broken URLconf: Django's own checks report it
            continue
        if id(urlconf) in walked:
            continue
        walked.add(id(urlconf))
        yield from _walk(entries, "", "", _module(urlconf), served.label, None, walked)


def _walk(
    entries: Any,
    prefix: str,
    namespace: str,
    module: ModuleType | None,
    served_by: str,
    mount: Route | None,
    walked: set[int],
) -> Iterator[Route]:
    if not isinstance(entries, list | tuple):
        return
    for entry in entries:
        if not isinstance(entry, URLPattern | URLResolver):
            continue
        path = prefix + str(entry.pattern)
        route = Route(path, entry, namespace, module, served_by, mount)
        yield route
        if isinstance(entry, URLPattern):
            continue
        try:
            included, inner_entries = entry.urlconf_module, entry.url_patterns
        except Exception:  # an include() that does not import: Django reports it
            continue
        if id(included) in walked:  # mounted before, or a URLconf that includes itself
            continue
        walked.add(id(included))
        inner = (
            f"{namespace}:{entry.namespace}"
            if namespace and entry.namespace
            else (entry.namespace or namespace)
        )
        inner_module = _module(included) or module
        yield from _walk(inner_entries, path, inner, inner_module, served_by, route, walked)


def is_own_module(module: ModuleType | None) -> bool:
    """A URLconf of the project itself: not installed among libraries, not guardrails'."""
    path = getattr(module, "__file__", None)
    if module is None or not isinstance(path, str):
        return False
    if module.__name__.startswith("django_guardrails"):
        return False
    return not _under(path, library_roots())


@lru_cache(maxsize=4096)
def _under(path: str, roots: tuple[str, ...]) -> bool:
    # Asked once per route about the same few modules: realpath stats every path component.
    return is_under(path, roots)


def view_class(callback: Any) -> type | None:
    """The class of a class-based view (Django's ``view_class``, DRF's ``cls``), also under
    decorators that copied the attributes or keep the wrapped view as ``__wrapped__``."""
    seen = 0
    while callback is not None and seen < 100:
        for attribute in ("view_class", "cls"):
            found = getattr(callback, attribute, None)
            if isinstance(found, type):
                return found
        callback = getattr(callback, "__wrapped__", None)
        seen += 1
    return None
