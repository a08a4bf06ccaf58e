"""3xx: the project's own URLconfs, read from the live resolvers of every URLconf it serves."""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from django.core.checks import CheckMessage
from django.urls import URLPattern, URLResolver
from django.urls.converters import IntConverter

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.source.route_lines import Location, locate
from django_guardrails.source.urlconf import Route, is_own_module, walk

_ID_NAMES = re.compile(r"^(pk|id|.+_id|.+_pk)$")
_DIGITS_GROUP = re.compile(r"\(\?P<(\w+)>(?:\\d|\[0-9\])[+*]\)")


def _view_name(callback: Any) -> str:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    target = view_class if isinstance(view_class, type) else callback
    return f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"


def _is_own(route: Route) -> bool:
    """A pattern whose view is the project's code, or an include() of a project URLconf."""
    entry = route.entry
    if isinstance(entry, URLResolver):
        return is_own_module(route.module)
    view = getattr(entry.callback, "view_class", None) or entry.callback
    return is_own_module(sys.modules.get(getattr(view, "__module__", "") or ""))


def _message(
    check_id: ids.CheckId, route: Route, msg: str, hint: str, at: Location | None = None
) -> CheckMessage:
    at = at or locate(route)
    file, line = at.file, at.line
    obj = SourceLocation(file, line, route.where) if file else route.where
    return check_id.message(msg, hint=hint, obj=obj, file=file, line=line)


def _integer_ids(entry: URLPattern) -> list[str]:
    pattern: Any = entry.pattern
    converters = getattr(pattern, "converters", None) or {}
    names = [n for n, c in converters.items() if isinstance(c, IntConverter) and _ID_NAMES.match(n)]
    if not converters:  # a regex pattern
        names = [n for n in _DIGITS_GROUP.findall(str(pattern)) if _ID_NAMES.match(n)]
    return names


def _namespace_hint(module: str) -> str:
    """The app_name to add, named after the URLconf (``shop.legacy_urls`` -> ``legacy``, the
    package of ``hc.integrations.slack.urls`` -> ``slack``)."""
    parts = module.split(".")
    name = parts[-1].removesuffix("urls").strip("_") or (parts[-2] if len(parts) > 1 else "app")
    return (
        f'Add app_name = "{name}" to {module}, or pass namespace= to include(), and reverse '
        f"its names as '{name}:<name>' in reverse() and {{% url %}}."
    )


def check_urls(scope: CheckScope) -> Iterator[CheckMessage]:
    """W301 unnamed patterns, W302 includes without namespace, W303 integer IDs, W305 name
    clashes, over the routes the project's own URLconfs define."""
    if not scope.whole_project:
        return
    routes = [route for route in walk() if _is_own(route)]
    # Names clash within one namespace of one URLconf: hosts and tenants reverse separately.
    views_by_name: dict[tuple[str, str, str], dict[str, Route]] = defaultdict(dict)
    for route in routes:
        entry = route.entry
        if isinstance(entry, URLResolver):
            included = entry.urlconf_module
            if (
                isinstance(included, ModuleType)
                and is_own_module(included)
                and not entry.namespace
                and not getattr(included, "app_name", None)
            ):
                yield _message(
                    ids.W302,
                    route,
                    f"include() at {route.where} mounts {included.__name__} without a namespace.",
                    _namespace_hint(included.__name__),
                )
            continue
        if entry.name is None:
            yield _message(
                ids.W301,
                route,
                f"The URL pattern {route.where} has no name.",
                "Add name=... and link to it with reverse() or {% url %}, never with the path.",
            )
        else:
            key = (route.served_by, route.namespace, entry.name)
            views_by_name[key][_view_name(entry.callback)] = route
        for name in _integer_ids(entry):
            at = locate(route)
            fix = "Address rows by a slug or UUID field instead (<slug:slug>, <uuid:public_id>)"
            if at.router_view:
                fix = (
                    f"The router builds this route for {at.router_view}: look rows up there by "
                    "a slug or UUID field instead (DRF: lookup_field)"
                )
            yield _message(
                ids.W303,
                route,
                f"{route.where} puts the internal integer ID <{name}> in the URL.",
                f"{fix}: integer IDs leak row counts and invite guessing.",
                at,
            )
    for (served_by, namespace, name), views in views_by_name.items():
        if len(views) > 1:
            qualified = f"{namespace}:{name}" if namespace else name
            served = f" ({served_by})" if served_by else ""
            *_, last = views.values()
            yield _message(
                ids.W305,
                last,
                f"The URL name {qualified!r}{served} points at {len(views)} different views: "
                f"{', '.join(sorted(views))}.",
                "Give each view its own name; reverse() can only return one of them.",
            )
