"""1xx: settings split by environment (I122 one module for all, W121 development in production)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from django.core.checks import CheckMessage

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation
from django_guardrails.source.index import ModuleSource
from django_guardrails.source.settings_modules import (
    development_chain,
    is_development_module,
    is_local_override,
    is_production_module,
    settings_imports,
    settings_package_sources,
)


def check_settings_are_split(scope: CheckScope) -> Iterator[CheckMessage]:
    """I122: one settings module serves every environment."""
    modules = settings_package_sources()
    if not scope.whole_project or len(modules) != 1:
        return
    name, source = modules[0]
    if is_development_module(name) or is_production_module(name):
        return
    yield ids.I122.message(
        f"The settings are one module, {name}, for every environment.",
        hint="Split them: settings/base.py for what is shared, development.py and "
        "production.py that star-import base and set what differs; pick one with "
        "DJANGO_SETTINGS_MODULE per environment.",
        obj=SourceLocation(source.path, None, name),
        file=source.path,
    )


def check_production_is_not_development(scope: CheckScope) -> Iterator[CheckMessage]:
    """W121 (deploy): a development settings module in a production run."""
    if not scope.whole_project:
        return
    modules = settings_package_sources()
    if not modules:
        return
    root_name, root = modules[0]
    if is_development_module(root_name):
        yield ids.W121.message(
            f"check --deploy runs against {root_name}, a development or test settings module.",
            hint="Deploy with the production module (DJANGO_SETTINGS_MODULE); if this name is "
            f'really production, rename it, or add "{ids.W121.id}" to SILENCED_SYSTEM_CHECKS '
            "in it.",
            obj=SourceLocation(root.path, None, root_name),
            file=root.path,
        )
    else:
        # The module check --deploy runs against is production, whatever its name.
        yield from _imports_of_development(root_name, root, deployed=True)
    for name, source in modules[1:]:
        if is_production_module(name):
            yield from _imports_of_development(name, source, deployed=False)


def _imports_of_development(
    name: str, source: ModuleSource, *, deployed: bool
) -> Iterator[CheckMessage]:
    """W121 at each import by which production module ``name`` loads development settings.

    An optional import (``try: from .local import * except ImportError``) counts only in the
    module being deployed and only when it ran: elsewhere the file may exist on laptops alone.
    A machine-local override imported under a condition (``if (BASE_DIR /
    "local_settings.py").exists(): from .local_settings import *``) is not development
    settings: it holds whatever that machine needs, production configuration included.
    """
    reported: set[str] = set()
    for imported in settings_imports(name, source):
        if imported.optional and not (deployed and imported.module in sys.modules):
            continue
        if is_local_override(imported):
            continue
        chain = development_chain(imported.module)
        if chain is None or chain[-1] in reported:
            continue
        reported.add(chain[-1])
        through = f" through {' -> '.join(chain[:-1])}" if len(chain) > 1 else ""
        subject = (
            f"check --deploy runs against {name}, which imports"
            if deployed and not is_production_module(name)
            else f"Production settings {name} import"
        )
        yield ids.W121.message(
            f"{subject} the development module {chain[-1]}{through}.",
            hint="Import the shared base module instead; development settings (DEBUG, keys, "
            "local hosts) must not reach production.",
            obj=SourceLocation(source.path, imported.line, name),
            file=source.path,
            line=imported.line,
        )
