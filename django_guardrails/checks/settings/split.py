"""1xx: settings split by environment (I122 one module for all, W121 development in production)."""

from __future__ import annotations

from collections.abc import Iterator

from django.core.checks import CheckMessage

from django_guardrails.checks import ids
from django_guardrails.checks.engine import CheckScope
from django_guardrails.checks.messages import SourceLocation
from django_guardrails.source.settings_modules import (
    is_development_module,
    is_production_module,
    settings_package_sources,
    star_imports_of,
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
    for name, source in modules:
        if not is_production_module(name):
            continue
        for imported in star_imports_of(name, source):
            if is_development_module(imported):
                yield ids.W121.message(
                    f"Production settings {name} star-import the development module {imported}.",
                    hint="Import the shared base module instead; development settings (DEBUG, "
                    "keys, local hosts) must not reach production.",
                    obj=SourceLocation(source.path, None, name),
                    file=source.path,
                )
