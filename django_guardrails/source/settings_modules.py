"""The settings module's source and the project modules it star-imports (split settings)."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
from typing import NamedTuple

from django.conf import settings

from django_guardrails.project import is_under, library_roots
from django_guardrails.source.index import SOURCE, ModuleSource, child_bodies

_MAX_MODULES = 20


def _module_path(name: str) -> str | None:
    module = sys.modules.get(name)
    path = getattr(module, "__file__", None)
    if path is None:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return None
        path = spec.origin if spec is not None else None
    return path if path and path.endswith(".py") else None


class SettingsImport(NamedTuple):
    module: str  # absolute name: "shop.settings.development"
    line: int
    star: bool  # ``from x import *``, as opposed to ``from x import DEBUG`` or ``import x``
    optional: bool  # inside ``try: ... except ImportError``: the module may well be absent
    # Inside any block (``if path.exists():``, ``try:``...): the module loads on some machines.
    conditional: bool = False


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(statement: ast.Try) -> bool:
    for handler in statement.handlers:
        if handler.type is None:
            return True
        caught = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(getattr(c, "id", getattr(c, "attr", None)) in _IMPORT_ERRORS for c in caught):
            return True
    return False


def _import_targets(node: ast.ImportFrom, package: str) -> list[str]:
    try:
        target = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
    except (ImportError, ValueError):
        return []
    if node.module is None and all(alias.name != "*" for alias in node.names):
        return [f"{target}.{alias.name}" for alias in node.names]  # from . import development
    return [target]


def _imports(source: ModuleSource, module_name: str) -> list[SettingsImport]:
    """Every import of the module, top level and inside if/try blocks
    (``if ENV == "prod": from .x import *``), with relative names resolved."""
    if source.tree is None:
        return []
    package = module_name.rpartition(".")[0]
    found: list[SettingsImport] = []

    def visit(body: list[ast.stmt], optional: bool, nested: bool) -> None:
        for node in body:
            if isinstance(node, ast.ImportFrom):
                star = any(alias.name == "*" for alias in node.names)
                found.extend(
                    SettingsImport(target, node.lineno, star, optional, nested)
                    for target in _import_targets(node, package)
                )
            elif isinstance(node, ast.Import):
                found.extend(
                    SettingsImport(alias.name, node.lineno, False, optional, nested)
                    for alias in node.names
                )
            elif isinstance(node, ast.Try):
                visit(node.body, optional or _catches_import_error(node), True)
                for other in (node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                    visit(other, optional, True)
            else:
                for child in child_bodies(node):
                    visit(child, optional, True)

    visit(source.tree.body, False, False)
    return found


def _star_imports(source: ModuleSource, module_name: str) -> list[str]:
    return [i.module for i in _imports(source, module_name) if i.star]


def settings_sources() -> list[tuple[str, ModuleSource]]:
    """``(module name, source)`` for the settings module, then what it star-imports, in order.

    A name assigned in an earlier entry overrides the same name in a later one.
    """
    # Under override_settings the holder has no SETTINGS_MODULE; the environment still does.
    root = getattr(settings, "SETTINGS_MODULE", None) or os.environ.get("DJANGO_SETTINGS_MODULE")
    if not root:
        return []
    result: list[tuple[str, ModuleSource]] = []
    queue, seen = [root], set()
    while queue and len(result) < _MAX_MODULES:
        name = queue.pop(0)
        if name in seen:
            continue
        seen.add(name)
        path = _module_path(name)
        source = SOURCE.module(path) if path else None
        if source is None:
            continue
        result.append((name, source))
        queue.extend(reversed(_star_imports(source, name)))
    return result


def setting_location(*names: str) -> tuple[str | None, int | None]:
    """(file, line) of the first of ``names`` the settings assign; else the settings file."""
    fallback: tuple[str | None, int | None] = (None, None)
    for name in names:
        location = find_setting(name)
        if location is not None and location[1] is not None:
            return location
        if location is not None and fallback == (None, None):
            fallback = location
    return fallback


def find_setting(name: str) -> tuple[str, int | None] | None:
    """Where setting ``name`` is assigned (file, line), or the settings file when it is not."""
    sources = settings_sources()
    for _, source in sources:
        if name in source.assignments:
            return source.path, source.assignments[name]
    return (sources[0][1].path, None) if sources else None


_DEVELOPMENT = re.compile(r"(^|[._])(dev|develop|development|local|test|tests|testing|ci)($|[._])")
_PRODUCTION = re.compile(r"(^|[._])(prod|production|live|staging|deploy)($|[._])")


def is_development_module(name: str) -> bool:
    """Named for development or tests: ``settings.dev``, ``local_settings``, ``test``..."""
    return bool(_DEVELOPMENT.search(name.rpartition(".")[2]))


_LOCAL_OVERRIDE_WORDS = frozenset({"local", "settings"})


def is_local_override(imported: SettingsImport) -> bool:
    """``if (BASE_DIR / "local_settings.py").exists(): from .local_settings import *`` (or the
    same in ``try``): a file of the machine the code runs on, overriding what comes before it.
    Projects put their production configuration there as often as a developer's, so it is not
    development settings. A module named for development (``local_dev``) still is."""
    words = set(re.split(r"[._]", imported.module.rpartition(".")[2]))
    return imported.conditional and "local" in words and words <= _LOCAL_OVERRIDE_WORDS


def is_production_module(name: str) -> bool:
    return bool(_PRODUCTION.search(name.rpartition(".")[2]))


# Modules that sit beside settings.py in a project package and are never settings.
_PROJECT_FILES = frozenset(
    {"urls", "wsgi", "asgi", "celery", "routing", "manage", "views", "models", "admin", "apps"}
)


def _is_settings_module(name: str, source: ModuleSource) -> bool:
    """A module of the settings' package that sets settings: some upper-case name at module
    level (``DEBUG``, ``DATABASES``), and not one of the project files Django creates beside
    ``settings.py`` (``urls.py``, ``wsgi.py``, ``asgi.py``)."""
    if name in _PROJECT_FILES or name.startswith("test_"):
        return False
    return any(key.isupper() for key in source.assignments)


def settings_package_sources() -> list[tuple[str, ModuleSource]]:
    """The settings modules in play, then the other settings modules of their package (split
    settings)."""
    modules = settings_sources()
    if not modules:
        return []
    seen = {source.path for _, source in modules}
    root_name, root = modules[0]
    package = root_name.rpartition(".")[0]
    directory = os.path.dirname(root.path)
    if package and os.path.exists(os.path.join(directory, "__init__.py")):
        for entry in sorted(os.listdir(directory)):
            path = os.path.join(directory, entry)
            if entry.endswith(".py") and entry != "__init__.py" and path not in seen:
                source = SOURCE.module(path)
                if source is not None and _is_settings_module(entry[:-3], source):
                    modules.append((f"{package}.{entry[:-3]}", source))
    return modules


def settings_imports(name: str, source: ModuleSource) -> list[SettingsImport]:
    """The imports of settings module ``name``: star imports and named ones, with lines."""
    return _imports(source, name)


def _project_source(name: str) -> ModuleSource | None:
    path = _module_path(name)
    if path is None or is_under(path, library_roots()):
        return None
    return SOURCE.module(path)


def development_chain(name: str) -> list[str] | None:
    """How importing module ``name`` loads a development settings module of the project:
    ``[name]`` when it is one, else the chain of star imports from ``name`` to one (through
    modules that are not production settings, which answer for themselves); None when it
    loads none."""
    queue: list[list[str]] = [[name]]
    seen: set[str] = set()
    while queue and len(seen) < _MAX_MODULES:
        chain = queue.pop(0)
        current = chain[-1]
        if current in seen or is_production_module(current):
            continue
        seen.add(current)
        source = _project_source(current)
        if source is None:
            continue
        if is_development_module(current):
            return chain
        queue += [
            [*chain, i.module]
            for i in _imports(source, current)
            if i.star and not i.optional and not is_local_override(i)
        ]
    return None
