"""W504: the model classes a data migration reaches through an import, not ``apps.get_model``.

Two ways to reach one: ``from billing.models import Invoice`` names the class, and
``from billing import models as m`` or ``import billing.models`` binds its module, after which
``m.Invoice`` is the class. Only names that really are model classes count, so the imported
modules are looked at, not just the names.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from importlib.util import resolve_name
from types import ModuleType
from typing import Any

from django.db import models

from django_guardrails.source.index import ModuleSource

# While set, the names of the modules looked into: kept findings depend on them (migration_store).
consulted: ContextVar[set[str] | None] = ContextVar("guardrails_consulted_modules", default=None)

# ``from django.db import migrations, models`` and the like, as ``makemigrations`` writes them:
# django.db and django.conf hold no model class, so these lines cannot import one. (Not
# ``import django.db.models``, which binds ``django``, and through it every Django module.)
_DJANGO_IMPORT = re.compile(
    r"^[ \t]*from[ \t]+django\.(?:db|conf)[\w.]*[ \t]+import[ \t]+[\w \t,]+$", re.MULTILINE
)


def may_import_a_model(text: str) -> bool:
    """Whether source ``text`` may hold an import that reaches a model class: never a wrong
    no, and a non-ASCII text always may (Python folds look-alike characters into names)."""
    return not text.isascii() or "import" in _DJANGO_IMPORT.sub("", text)


def model_class_uses(source: ModuleSource, package: str | None) -> Iterator[tuple[int, str]]:
    """(line, dotted name) of each model class imported by name, at its import, and of each
    reached through an imported module, at its first use."""
    modules: dict[str, ModuleType] = {}  # name bound by an import anywhere in the file -> module
    for node in source.statements():
        if isinstance(node, ast.ImportFrom):
            yield from _from_import(node, package, modules)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c`` to ``a.b``.
                bound = alias.asname or alias.name.split(".", 1)[0]
                module = _module(alias.name if alias.asname else bound, alias.name)
                if module is not None:
                    modules[bound] = module
    if modules:
        yield from _attribute_uses(source, modules)


def _from_import(
    node: ast.ImportFrom, package: str | None, modules: dict[str, ModuleType]
) -> Iterator[tuple[int, str]]:
    try:
        base_name = resolve_name("." * node.level + (node.module or ""), package)
    except (ImportError, ValueError):
        return
    base = _module(base_name)
    for alias in node.names:
        value = getattr(base, alias.name, None) if base is not None else None
        if value is None:
            value = _module(f"{base_name}.{alias.name}")
        if _is_model_class(value):
            yield node.lineno, f"{base_name}.{alias.name}"
        elif isinstance(value, ModuleType):
            _note(value.__name__)
            modules[alias.asname or alias.name] = value


def _attribute_uses(
    source: ModuleSource, modules: dict[str, ModuleType]
) -> Iterator[tuple[int, str]]:
    first: dict[str, int] = {}
    for node in source.nodes():
        if isinstance(node, ast.Attribute):
            name = _model_reached(node, modules)
            if name is not None:
                first[name] = min(node.lineno, first.get(name, node.lineno))
    for name, line in sorted(first.items(), key=lambda item: item[1]):
        yield line, name


def _model_reached(node: ast.Attribute, modules: dict[str, ModuleType]) -> str | None:
    """``billing.models.Invoice`` when the chain of names ``node`` is made of goes from an
    imported module through modules to a model class."""
    chain = []
    value: ast.expr = node
    while isinstance(value, ast.Attribute):
        chain.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name) or value.id not in modules:
        return None
    owner = modules[value.id]
    for attribute in reversed(chain):
        _note(owner.__name__)
        found = getattr(owner, attribute, None)
        if _is_model_class(found):
            return f"{owner.__name__}.{attribute}"
        if not isinstance(found, ModuleType):
            return None
        owner = found
    return None


def _module(name: str, importing: str | None = None) -> ModuleType | None:
    """The module ``name`` once ``importing`` (default: ``name``) is imported.

    Modules already imported are taken as they are; a ``models`` module is imported now (Django
    imports every app's anyway). Any other module is left alone: importing it could run code
    that the migration runs only when it is applied.
    """
    importing = importing or name
    _note(name, importing)
    if importing not in sys.modules:
        if importing.rsplit(".", 1)[-1] != "models":
            return None
        try:
            importlib.import_module(importing)
        except Exception:  # a module that no longer imports: nothing to judge
            return None
    return sys.modules.get(name)


def _note(*names: str) -> None:
    looked_up = consulted.get()
    if looked_up is not None:
        looked_up.update(names)


def _is_model_class(value: Any) -> bool:
    # models.Model itself has no _meta: only classes built from it (abstract ones too) do.
    return isinstance(value, type) and issubclass(value, models.Model) and hasattr(value, "_meta")
