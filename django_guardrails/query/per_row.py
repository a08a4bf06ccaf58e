"""A per-row read that a plain eager load does not serve, and what to read after the fix: a
count or ``exists()`` per row, a subset (a filter, an ordering, a slice), values; a subset that
compares with the row's own fields, read through the relation with ``F()``."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import ForeignObjectRel, ManyToManyField, Model

from django_guardrails.query.chain_names import BACK
from django_guardrails.query.relations import Relation

# The shape of the query exists() runs, by Django version and backend.
_EXISTS = ("SELECT ? AS a FROM", "SELECT (?) AS a FROM", "SELECT 1 AS a FROM")


# The shapes of the query count() runs: COUNT(*) over the table, or over a subquery when the
# queryset is sliced, distinct or annotated. An aggregate read as values has its own alias.
_COUNT = ("SELECT COUNT(*) AS __count FROM", "SELECT COUNT(*) FROM (")


def is_count(sql: str) -> bool:
    """Whether the query shape ``sql`` is Django's ``QuerySet.count()``."""
    return sql.startswith(_COUNT)


def _relations_of(relation: Relation) -> list[str]:
    """The relations the values call's fields go through, from the related rows:
    ``"person__name"`` -> ``"person"``; a lookup or transform (``created__date``) is none."""
    owner = relation.owner
    if owner is None or not relation.subset_fields:
        return []
    try:
        model = owner._meta.get_field(relation.query_name or relation.accessor).related_model
    except Exception:  # a relation Django's meta does not name so: say nothing
        return []
    found: list[str] = []
    for name in relation.subset_fields:
        current: Any = model
        path: list[str] = []
        parts = name.split("__")
        for index, part in enumerate(parts):
            try:
                field = current._meta.get_field(part)
            except Exception:  # an annotation, a lookup, a transform: the path ends
                break
            if not field.is_relation or field.related_model is None:
                break
            # A foreign key read as its own value ("person", "person_id") is the row's
            # column: only a relation read through, or a to-many one, is loaded apart.
            if index == len(parts) - 1 and field.concrete and not field.many_to_many:
                break
            reverse = field.auto_created and not field.concrete
            path.append(field.get_accessor_name() if reverse else part)
            current = field.related_model
        if path and "__".join(path) not in found:
            found.append("__".join(path))
    return found


def _through(relation: Relation, plain: bool) -> str:
    """What a values read's fields through a relation (``"person__name"``) need as well: that
    relation loaded with the prefetched rows."""
    relations = _relations_of(relation)
    if not relations:
        return ""
    named = ", ".join(f'"{path}"' for path in relations)
    if plain:
        paths = ", ".join(f'"{relation.full_path}__{path}"' for path in relations)
        return f" (its fields go through {named}: prefetch {paths} too)"
    return f" (its fields go through {named}: load that with the prefetched rows too)"


def manager_read(accessor: str, chain: str) -> str:
    """How the project reads ``chain`` off the related manager: a slice needs ``.all()``."""
    return f".{accessor}.all(){chain}" if chain.startswith("[") else f".{accessor}{chain}"


def per_row_code(relation: Relation, sql: str) -> tuple[str | None, str]:
    """(the code to add, what to read afterwards when that changes) for a count, an exists()
    or a subset read per row; (None, "") when the plain eager load is the fix."""
    accessor = relation.accessor
    if is_count(sql) and not relation.subset and not relation.subset_grouped:
        name = f"{accessor}_count"
        count = f'{name}=Count("{relation.query_name or accessor}")'
        if not any(hop.many for hop in relation.hops):
            count = f'{name}=Count("{relation.lookup_path}")'
            return f".annotate({count})", f"; then read .{name} instead of .count()"
        # Counted per row of an inner list (each book of each author): annotate the inner rows.
        owner = relation.owner.__name__ if relation.owner is not None else relation.model
        outer = "__".join(hop.accessor for hop in relation.hops)
        code = f'.prefetch_related(Prefetch("{outer}", queryset={owner}.objects.annotate({count})))'
        return code, f"; then read .{name} on each {owner} instead of .count()"
    if relation.subset == "":  # values() of the whole relation: prefetched rows, read
        read = f".{accessor}{relation.subset_values}"
        through = _through(relation, plain=True)
        if sql.startswith(_EXISTS):
            return relation.call, (
                f"; then test whether .{accessor}.all() is empty instead of {read}.exists()"
            )
        if relation.subset_grouped and is_count(sql):
            return relation.call, (
                f"; then count the distinct groups of the rows of .{accessor}.all() in Python "
                f"instead of {read}.count(){through}"
            )
        if relation.subset_grouped:
            return relation.call, (
                f"; then compute what {read} gave from the rows of .{accessor}.all(), in "
                f"Python: the prefetch holds the rows, not their groups{through}"
            )
        return relation.call, (
            f"; then take the values from the rows of .{accessor}.all() instead of {read}{through}"
        )
    if relation.subset is not None:
        chain = manager_read(accessor, relation.subset)
        reading = f"; then read .{relation.to_attr} (a list) instead of {chain}"
        if relation.subset_grouped:
            reading = (
                f"; then compute what {chain}{relation.subset_values} gave from "
                f".{relation.to_attr} (a list of rows), in Python: the prefetch holds the "
                f"rows, not their groups{_through(relation, plain=False)}"
            )
        elif relation.subset_values:
            reading = (
                f"; then read .{relation.to_attr} (a list of rows: take the values from each "
                f"row) instead of {chain}{relation.subset_values}"
                f"{_through(relation, plain=False)}"
            )
        if is_count(sql) and relation.subset_grouped:
            reading = (
                f"; then count the distinct groups of .{relation.to_attr}'s rows in Python "
                f"instead of {chain}{relation.subset_values}.count()"
                f"{_through(relation, plain=False)}"
            )
        elif is_count(sql):
            reading = f"; then count with len(...{relation.to_attr}) instead of .count()"
        elif sql.startswith(_EXISTS):
            reading = (
                f"; then test whether .{relation.to_attr} is empty instead of "
                f"{chain}{relation.subset_values}.exists()"
            )
        return relation.call, reading
    if sql.startswith(_EXISTS):
        return relation.call, "; then test the prefetched rows instead of .exists()"
    return None, ""


_ROW_READ = re.compile(r'F\("' + re.escape(BACK) + r'((?:__\w+)*)"\)')


def unrow(text: str, row: str) -> str:
    """``text`` with each ``F("<back>__a__b")`` written back as the project wrote it:
    ``o.a.b``."""
    return _ROW_READ.sub(lambda read: row + read.group(1).replace("__", "."), text)


def fields_of(model: type[Model] | None, paths: tuple[str, ...]) -> bool:
    """Whether each path ("name", "owner__email", "owner_id") is a field of ``model``,
    through relations, that no row can hold as NULL: what F() reads the same way. A property
    is not; nor is a nullable field (``filter(x=o.f)`` with ``o.f`` None tests IS NULL, which
    ``x=F(...)`` never matches), or one reached through a nullable relation."""
    for path in paths:
        current = model
        for part in path.split("__"):
            if current is None:
                return False
            if part == "pk":
                current = None
                continue
            try:
                field = current._meta.get_field(part)
            except Exception:  # a property, a method's name: F() cannot read it
                return False
            if getattr(field, "null", False):
                return False
            current = field.related_model if field.is_relation else None
    return True


def back_lookup(relation: Relation) -> str | None:
    """The lookup from the relation's rows back to the row it is read on: "organisation" for
    ``organisation.person_relationships``."""
    owner = relation.owner
    if owner is None:
        return None
    try:
        field = owner._meta.get_field(relation.query_name or relation.accessor)
    except Exception:  # a relation Django's meta does not name so
        return None
    if isinstance(field, ForeignObjectRel):
        return str(field.field.name)
    if isinstance(field, ManyToManyField):
        return str(field.related_query_name())
    return None
