"""The live URL resolver, walked once: every route with its namespace and defining module.

Patterns come from the resolver, not from the source, because only the resolver knows what an
include() really mounted and under which namespace; the source is read only to find lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from django_guardrails.project import is_under, library_roots
from django_guardrails.source.facts import Extractor
from django_guardrails.source.index import SOURCE, ModuleSource


@dataclass(frozen=True)
class Route:
    path: str  # the full route, prefixes included: "broken/invoices/<str:number>/"
    entry: URLPattern | URLResolver
    namespace: str  # "clean" or "admin:auth", "" at the top
    module: ModuleType | None  # the URLconf module that defines the entry


def _module(urlconf: Any) -> ModuleType | None:
    return urlconf if isinstance(urlconf, ModuleType) else None


def walk() -> Iterator[Route]:
    """Every pattern and include() of the project's URLconf; nothing without ROOT_URLCONF."""
    if not getattr(settings, "ROOT_URLCONF", None):
        return
    root = get_resolver()
    yield from _walk(root.url_patterns, "", "", _module(root.urlconf_module), frozenset())


def _walk(
    entries: list[Any], prefix: str, namespace: str, module: ModuleType | None, seen: frozenset[int]
) -> Iterator[Route]:
    for entry in entries:
        path = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if id(entry) in seen:  # a URLconf that includes itself
                continue
            yield Route(path, entry, namespace, module)
            inner = (
                f"{namespace}:{entry.namespace}"
                if namespace and entry.namespace
                else (entry.namespace or namespace)
            )
            inner_module = _module(entry.urlconf_module) or module
            yield from _walk(entry.url_patterns, path, inner, inner_module, seen | {id(entry)})
        elif isinstance(entry, URLPattern):
            yield Route(path, entry, namespace, module)


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


Location = tuple[str | None, int | None]


def _call_lines(source: ModuleSource) -> dict[str, int]:
    """For each string a call gets as its first argument, the line of the first such call (in
    ``ast.walk`` order): where ``path("books/", ...)`` made the pattern "books/"."""
    lines: dict[str, int] = {}
    for node in source.nodes():
        if (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            lines.setdefault(node.args[0].value, node.lineno)
    return lines


CALL_LINES = Extractor("urlconf-call-lines", _call_lines)


def line_of(module: ModuleType | None, entry: URLPattern | URLResolver) -> Location:
    """(file, line) of the path()/re_path()/include() call that made ``entry``, when found."""
    path = getattr(module, "__file__", None)
    lines = SOURCE.facts(path, CALL_LINES) if path else None
    return path, lines.get(str(entry.pattern)) if lines else None
