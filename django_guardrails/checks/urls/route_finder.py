"""W304's question to the live resolvers: which own named route does a hand-written path reach?

Asked of every URLconf the project serves (``served_urlconfs``), ``ROOT_URLCONF`` first, so the
route is named exactly as ``reverse()`` needs it, namespace included, and a path of another host
or tenant is named with the URLconf that serves it.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from typing import cast

from django.urls import ResolverMatch, resolve

from django_guardrails.source.served_urlconfs import served_urlconfs
from django_guardrails.source.urlconf import is_own_module

# Placeholders for interpolated values: digits fit int, slug, str and path converters.
_DIGIT_SLOTS = [str(9100 + n) for n in range(20)]
_UUID_SLOTS = [str(uuid.UUID(int=0x9100 + n)) for n in range(20)]


@dataclass(frozen=True)
class NamedRoute:
    name: str  # "clean:book_detail"
    args: tuple[str, ...]  # source of each positional argument: "'dune'" or "book.slug"
    kwargs: tuple[tuple[str, str], ...]
    served_by: str = ""  # "" under ROOT_URLCONF, else the URLconf's name: "host 'docs'"
    urlconf: str = ""  # the URLconf module, when not ROOT_URLCONF


class RouteFinder:
    """Resolves candidate paths against the live URLconfs the project serves, each path once per
    URLconf per check run. The first URLconf that resolves a path (``ROOT_URLCONF`` first)
    decides: a path of the root that is not an own named route is not looked up elsewhere."""

    # Letters and hyphens only: a probe any slug-like part takes ([a-z-]+, \w+, <slug:>, <str:>).
    _PROBE = "guardrails-probe-xq"

    def __init__(self) -> None:
        self._urlconfs = served_urlconfs()
        self._matches: dict[tuple[int, str], ResolverMatch | None] = {}

    def _resolve(self, index: int, path: str) -> ResolverMatch | None:
        key = (index, path)
        if key not in self._matches:
            try:
                urlconf = cast(str, self._urlconfs[index].urlconf)  # Django takes a module too
                self._matches[key] = resolve(path, urlconf)
            except Exception:  # Resolver404, or a broken URLconf: Django reports that one
                self._matches[key] = None
        return self._matches[key]

    def _first_match(self, path: str) -> tuple[int, ResolverMatch] | None:
        for index in range(len(self._urlconfs)):
            match = self._resolve(index, path)
            if match is not None:
                return index, match
        return None

    def _catch_all(self, index: int, match: ResolverMatch, path: str) -> bool:
        """A route that also takes paths nobody wrote: a CMS page pattern, ``<path:...>``."""
        probes = (f"/{self._PROBE}/{self._PROBE}/", f"{path.rstrip('/')}/{self._PROBE}/")
        for probe in probes:
            other = self._resolve(index, probe)
            if other is not None and other.route == match.route:
                return True
        return False

    def named_route(self, path: str, expressions: list[str]) -> NamedRoute | None:
        """The own named route ``path`` reaches, ``expressions`` filling its ``{}`` slots."""
        for slots in (_DIGIT_SLOTS, _UUID_SLOTS):
            if len(expressions) > len(slots):
                return None
            concrete = path.format(*slots[: len(expressions)])
            concrete = concrete.split("#", 1)[0].split("?", 1)[0]
            found = self._first_match(concrete)
            if found is None:
                continue
            index, match = found
            if (
                not match.url_name
                or not _own_view(match)
                or self._catch_all(index, match, concrete)
            ):
                return None
            by_slot = dict(zip(slots, expressions, strict=False))
            served = self._urlconfs[index]
            urlconf = served.urlconf
            return NamedRoute(
                match.view_name,
                tuple(by_slot.get(str(v), repr(v)) for v in match.args),
                tuple((k, by_slot.get(str(v), repr(v))) for k, v in match.kwargs.items()),
                served.label,
                "" if not served.label else getattr(urlconf, "__name__", str(urlconf)),
            )
        return None


def _own_view(match: ResolverMatch) -> bool:
    view = getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)
    target = view if isinstance(view, type) else match.func
    return is_own_module(sys.modules.get(getattr(target, "__module__", "") or ""))
