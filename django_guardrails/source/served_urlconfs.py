"""Every URLconf the project serves, as named in its settings: not only ``ROOT_URLCONF``.

Packages that route by host or by tenant pick another URLconf per request
(``request.urlconf``); the ones they can pick are named in settings, which is where this module
reads them. Only what settings name can be seen: a URLconf a middleware of the project's own
chooses at run time cannot be found without a request. Read, in this order:

* ``ROOT_URLCONF`` (Django);
* each host of the ``host_patterns`` in the module named by ``ROOT_HOSTCONF`` (django-hosts):
  its ``urlconf`` attribute, so any object of that shape counts, django-hosts installed or not;
* ``PUBLIC_SCHEMA_URLCONF`` (django-tenants, django-tenant-schemas);
* ``TENANT_TYPES[type]["URLCONF"]`` (django-tenants with several tenant types);
* ``TENANTS[name]["URLCONF"]`` (django-pgschemas);
* ``SUBDOMAIN_URLCONFS[subdomain]`` (django-subdomains).

A URLconf named twice (a host that serves ``ROOT_URLCONF``) is served once, under its first
name. One that cannot be imported is left out: Django reports a broken ``ROOT_URLCONF`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings

URLconfName = str | ModuleType


@dataclass(frozen=True)
class ServedURLconf:
    urlconf: URLconfName  # as get_resolver() takes it: a dotted path or the module
    label: str  # "" for ROOT_URLCONF, else how findings name it: "host 'docs'"


def _urlconf(value: Any) -> URLconfName | None:
    return value if isinstance(value, str | ModuleType) and value else None


def _hosts() -> Iterator[ServedURLconf]:
    """django-hosts: ``host(regex, urlconf, name=...)`` entries of ``ROOT_HOSTCONF``."""
    hostconf = getattr(settings, "ROOT_HOSTCONF", None)
    if not isinstance(hostconf, str) or not hostconf:
        return
    try:
        module = import_module(hostconf)
    except Exception:  # django-hosts missing, or a broken module: nothing to read
        return
    patterns = getattr(module, "host_patterns", None)
    if isinstance(patterns, Mapping):  # the shape of old django-hosts releases
        patterns = list(patterns.values())
    if not isinstance(patterns, list | tuple):
        return
    for entry in patterns:
        urlconf = _urlconf(getattr(entry, "urlconf", None))
        if urlconf is not None:
            name = getattr(entry, "name", None) or getattr(entry, "regex", None) or "?"
            yield ServedURLconf(urlconf, f"host {str(name)!r}")


def _keyed(setting: str, key: str | None) -> Iterator[ServedURLconf]:
    """A setting that maps names to URLconfs (``key`` None), or to dicts holding one under
    ``key``; any other shape is another package's setting of the same name, and is skipped."""
    value = getattr(settings, setting, None)
    if not isinstance(value, Mapping):
        return
    for name, item in value.items():
        if key is not None:
            item = item.get(key) if isinstance(item, Mapping) else None
        urlconf = _urlconf(item)
        if urlconf is not None:
            yield ServedURLconf(urlconf, f"{setting}[{name!r}]")


def _declared() -> Iterator[ServedURLconf]:
    root = _urlconf(getattr(settings, "ROOT_URLCONF", None))
    if root is not None:
        yield ServedURLconf(root, "")
    yield from _hosts()
    public = _urlconf(getattr(settings, "PUBLIC_SCHEMA_URLCONF", None))
    if public is not None:
        yield ServedURLconf(public, "PUBLIC_SCHEMA_URLCONF")
    yield from _keyed("TENANT_TYPES", "URLCONF")
    yield from _keyed("TENANTS", "URLCONF")
    yield from _keyed("SUBDOMAIN_URLCONFS", None)


def _module(urlconf: URLconfName) -> ModuleType | None:
    if isinstance(urlconf, ModuleType):
        return urlconf
    try:
        return import_module(urlconf)
    except Exception:  # Django's own checks report a URLconf that does not import
        return None


def served_urlconfs() -> list[ServedURLconf]:
    """Each URLconf the settings name, once, ``ROOT_URLCONF`` first."""
    served: list[ServedURLconf] = []
    seen: set[str] = set()
    for declared in _declared():
        module = _module(declared.urlconf)
        if module is None or module.__name__ in seen:
            continue
        seen.add(module.__name__)
        served.append(declared)
    return served
