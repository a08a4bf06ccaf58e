"""I210: the same query logic written out in three or more places of the project's own code.

Each chain on a model of the project's own apps is read off its module (``source.query_chains``)
as the set of its fixed lookups: ``filter(status="published", pub_date__lte=now())`` is
``{status="published", pub_date__lte=now()}``, whatever the order of the keywords and calls, and
``filter(author=request.user)`` adds nothing (a value that varies is a parameter, not logic).

A set of lookups written exactly by one chain is a candidate; it is repeated where chains on
the same model hold it, alone or with more lookups (``published().filter(category=c)`` would
replace those too). A candidate held in three places or more, in two functions or more, is one
finding; a candidate that holds a smaller one already reported is not reported again.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.framework.messages import SourceLocation, display_path
from django_guardrails.project import own_app_configs
from django_guardrails.source.facts import Extractor
from django_guardrails.source.files import python_files
from django_guardrails.source.index import may_mention
from django_guardrails.source.query_chains import RELATED, query_chains

QUERY_CHAINS = Extractor("query-chains", query_chains)

_MINIMUM = 3
# A chain has one of these in its text: a manager, a view's queryset, a shortcut.
_BASES = ("objects", "_default_manager", "queryset", "get_object_or_404", "get_list_or_404")
_NOT_JUDGED_DIRS = frozenset({"migrations", "tests", "test", "settings", "fixtures"})
_TEST_FILE = re.compile(r"^(test_.*|.*_tests?|tests?|conftest|settings|factories)\.py$")

Lookup = tuple[str, str, str]  # method, lookup, value


@dataclass(frozen=True)
class Place:
    path: str
    line: int
    function: str

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


def _judged_files(scope: CheckScope) -> Iterator[str]:
    """The own apps' modules but migrations, tests, fixture factories and settings: the
    project's running code. Directories are judged below the app's own, never above it."""
    seen: set[str] = set()  # an app inside another app's directory is walked twice
    for app_config in scope.app_configs:
        root = os.path.realpath(app_config.path)
        for path in python_files([app_config]):
            if path in seen:
                continue
            seen.add(path)
            directories = os.path.relpath(os.path.dirname(path), root).split(os.sep)
            if not (
                _NOT_JUDGED_DIRS.intersection(directories)
                or _TEST_FILE.match(os.path.basename(path))
            ):
                yield path


class _Models:
    """Models of the project's own apps, found by the name a module uses for them."""

    def __init__(self) -> None:
        self.by_name: dict[str, list[type[models.Model]]] = defaultdict(list)
        # Related managers by accessor (``book_set``, a ``related_name``, a many-to-many
        # field's name): the models reached through one name, wherever it is used.
        self.by_accessor: dict[str, set[type[models.Model]]] = defaultdict(set)
        own = [model for config in own_app_configs() for model in config.get_models()]
        for model in own:
            self.by_name[model.__name__].append(model)
        owned = set(own)
        for model in apps.get_models():
            for relation in model._meta.related_objects:
                accessor = relation.get_accessor_name()
                if accessor and relation.related_model in owned:
                    self.by_accessor[accessor].add(relation.related_model)
            for field in model._meta.many_to_many:
                if field.related_model in owned:
                    self.by_accessor[field.name].add(field.related_model)

    def resolve(self, written: str, origin: str, path: str) -> type[models.Model] | None:
        if written.startswith(RELATED):
            reached = self.by_accessor.get(written.removeprefix(RELATED), set())
            return next(iter(reached)) if len(reached) == 1 else None
        candidates = self.by_name.get(written.rsplit(".", 1)[-1], [])
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        # Two own models of one name: the import (or the module itself) tells which.
        for model in candidates:
            module = sys.modules.get(model.__module__)
            file = os.path.realpath(getattr(module, "__file__", "") or "")
            if origin == "." and file == path:
                return model
            if origin.startswith(".") and origin != ".":
                levels = len(origin) - len(origin.lstrip("."))
                directory = path
                for _ in range(levels):
                    directory = os.path.dirname(directory)
                if os.path.dirname(file) == directory:
                    return model
            if origin in (model.__module__, f"{model.__module__}.{model.__name__}"):
                return model
        return None


def _chains(scope: CheckScope, own: _Models) -> dict[type[models.Model], list[Any]]:
    """Per own model, (place, lookups) of every chain on it in the judged files."""
    found: dict[type[models.Model], list[Any]] = defaultdict(list)
    for path in _judged_files(scope):
        text = scope.source.text(path)
        if text is None or not may_mention(text, _BASES):
            continue
        for line, written, origin, function, shape in scope.source.facts(path, QUERY_CHAINS) or []:
            model = own.resolve(written, origin, path)
            if model is not None:
                lookups = frozenset((m, k, v) for m, k, v in shape)
                found[model].append((Place(path, line, function), lookups))
    return found


def _repeated(chains: list[Any]) -> list[tuple[frozenset[Lookup], list[Place]]]:
    """The candidate sets of lookups held in enough places, smallest first, none holding a
    smaller one that is reported."""
    candidates = sorted({lookups for _, lookups in chains}, key=lambda s: (len(s), sorted(s)))
    reported: list[tuple[frozenset[Lookup], list[Place]]] = []
    for candidate in candidates:
        if any(smaller <= candidate for smaller, _ in reported):
            continue
        places = [place for place, lookups in chains if candidate <= lookups]
        functions = {(place.path, place.function or place.line) for place in places}
        if len(places) >= _MINIMUM and len(functions) >= 2:
            reported.append((candidate, sorted(places, key=lambda p: (p.path, p.line))))
    return reported


def _shown(lookups: frozenset[Lookup]) -> str:
    """The shared lookups as code: ``.filter(a=1, b=2).exclude(c=3)``."""
    calls: list[str] = []
    for method in ("filter", "exclude", "annotate"):
        parts = sorted(f"{k}={v}" if v else k for m, k, v in lookups if m == method)
        if method == "exclude":
            calls += [f".exclude({part})" for part in parts]
        elif parts:
            calls.append(f".{method}({', '.join(parts)})")
    return "".join(calls)


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _value_name(value: str) -> str | None:
    """``published`` for ``'published'`` or ``Article.Status.PUBLISHED``."""
    text = value.strip("'\"") if value[:1] in "'\"" else value.rsplit(".", 1)[-1]
    if value[:1] not in "'\"" and not value.rsplit(".", 1)[-1].isupper():
        return None
    text = text.lower()
    return text if _IDENTIFIER.match(text) and len(text) > 1 else None


def _field(lookup: str) -> str:
    return lookup.split("__")[0]


def _terms(lookups: frozenset[Lookup]) -> list[tuple[str, str, bool]]:
    """(lookup, value, excluded) per keyword lookup, an ``exclude()``'s split out."""
    terms: list[tuple[str, str, bool]] = []
    for method, lookup, value in sorted(lookups):
        if method == "filter" and value:
            terms.append((lookup, value, False))
        elif method == "exclude":
            for part in lookup.split(", "):
                key, _, text = part.partition("=")
                if text and _IDENTIFIER.match(key):
                    terms.append((key, text, True))
    return terms


# Lookups that compare rather than match: a value after one of them names no kind of row.
_COMPARISONS = frozenset(
    {
        "gt", "gte", "lt", "lte", "in", "range", "contains", "icontains", "startswith",
        "istartswith", "endswith", "iendswith", "regex", "iregex", "search", "isnull",
        "year", "month", "day", "week_day", "date", "time", "hour", "overlap", "has_key",
    }
)  # fmt: skip


def _word(lookup: str, value: str, excluded: bool) -> str | None:
    """``published`` for ``status="published"``, ``active`` for ``is_active=True``,
    ``not_draft`` for an excluded ``status="draft"``, ``without_parent`` for ``parent=None``."""
    path = [part for part in lookup.split("__") if part not in ("exact", "iexact")]
    last = path[-1] if path else lookup
    if last == "isnull" and value in ("True", "False") and len(path) > 1:
        return f"{'without' if (value == 'True') != excluded else 'with'}_{path[-2]}"
    if last in _COMPARISONS:
        return None
    if value in ("True", "False"):
        flag = last.removeprefix("is_")
        return flag if (value == "True") != excluded else f"not_{flag}"
    if value == "None":
        return f"{'with' if excluded else 'without'}_{last}"
    word = _value_name(value)
    if word is None:
        return None
    return f"not_{word}" if excluded else word


def method_name(lookups: frozenset[Lookup]) -> str:
    """A QuerySet method name for the lookups: named by their values where they are words
    (``published``), else by their flags (``active``), else by the fields they filter on."""
    terms = _terms(lookups)
    values = [_word(*term) for term in terms if term[1][:1] in "'\"" or term[1][-1:].isupper()]
    words = [word for word in values if word]
    if not words:
        words = [word for word in (_word(*term) for term in terms) if word]
    words += [
        f"with_{k}" for m, k, _ in sorted(lookups) if m == "annotate" and _IDENTIFIER.match(k)
    ]
    if words:
        return "_".join(words[:3])
    fields = sorted({_field(lookup) for lookup, _, _ in terms if _IDENTIFIER.match(lookup)})
    return "by_" + "_".join(fields[:3]) if fields else "matching"


def _fix(model: type[models.Model], name: str) -> str:
    manager = model._default_manager
    queryset_class = getattr(manager, "_queryset_class", models.QuerySet)
    manager_name = manager.name or "objects"
    call = f"{model.__name__}.{manager_name}.{name}()"
    if queryset_class is not models.QuerySet:
        fix = f"Add the method {name}() to {queryset_class.__name__} and call {call} in each place."
    else:
        queryset = f"{model.__name__}QuerySet"
        fix = (
            f"Write class {queryset}(models.QuerySet) with the method {name}() returning this "
            f"filter, set {manager_name} = {queryset}.as_manager() on {model.__name__}, and "
            f"call {call} in each place."
        )
    others = sorted(
        other.name
        for other in model._meta.managers
        if other.name != manager_name and type(other) is not models.Manager
    )
    if others:
        fix += f" Or use one of its managers ({', '.join(others)}) if it does this already."
    return fix


def check_repeated_queries(scope: CheckScope) -> Iterator[CheckMessage]:
    """I210: one query's logic written out in three or more places."""
    own = _Models()
    if not own.by_name:
        return
    for model, chains in _chains(scope, own).items():
        for lookups, places in _repeated(chains):
            yield _message(model, lookups, places)


def _message(model: type[models.Model], lookups: frozenset[Lookup], places: Sequence[Place]) -> Any:
    name = method_name(lookups)
    first = places[0]
    query = f"{model.__name__}.objects{_shown(lookups)}"
    return ids.I210.message(
        f"{query} is written in {len(places)} places: {', '.join(map(str, places))}.",
        hint=_fix(model, name),
        obj=SourceLocation(first.path, first.line, f"{model.__name__}.objects.{name}()"),
        file=first.path,
        line=first.line,
    )
